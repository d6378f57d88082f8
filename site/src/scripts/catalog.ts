// Catalog search and facets in the browser. /search/index.json answers the text query
// (scripts/search-engine.ts); facet filtering, counts, the order and every result card come from
// /search/facets.json (scripts/facet-engine.ts, scripts/model-item.ts). Both load once, when the
// user reaches for search; no query needs a request of its own. The URL holds the query (?q=), the chosen facet values (?modality=CT) and
// the order (?sort=newest), so a view can be shared and the back button works. The static list
// stays untouched until the user searches, filters or sorts by date.
import { CODE_QUERY } from '../../../src/site-data/code-query.ts';
import { type Bits, FacetEngine, type FacetTable, SORTS, type Sort } from './facet-engine.ts';
import { modelItemHtml } from './model-item.ts';
import { SearchEngine, type SearchIndex } from './search-engine.ts';

interface Search {
  text: SearchEngine;
  engine: FacetEngine;
  table: FacetTable;
}

type Filters = Record<string, string[]>;

interface State {
  q: string;
  filters: Filters;
  sort: Sort;
}

const $ = <T extends Element>(sel: string, root: ParentNode = document) => root.querySelector<T>(sel);
const $$ = <T extends Element>(sel: string, root: ParentNode = document) => [
  ...root.querySelectorAll<T>(sel),
];

let search: Promise<Search> | undefined;
function loadSearch(): Promise<Search> {
  const json = <T>(url: string) =>
    fetch(url).then((r) => {
      if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
      return r.json() as Promise<T>;
    });
  search ??= Promise.all([
    json<SearchIndex>('/search/index.json'),
    json<FacetTable>('/search/facets.json'),
  ]).then(([index, table]) => ({ text: new SearchEngine(index), engine: new FacetEngine(table), table }));
  return search;
}

const isSort = (value: string | null): value is Sort => SORTS.includes(value as Sort);

function readUrl(facetKeys: string[]): State {
  const params = new URLSearchParams(location.search);
  const filters: Filters = {};
  for (const key of facetKeys) {
    const values = params.getAll(key).filter(Boolean);
    if (values.length) filters[key] = values;
  }
  const sort = params.get('sort');
  return { q: params.get('q')?.trim() ?? '', filters, sort: isSort(sort) ? sort : 'relevance' };
}

function writeUrl(state: State, push: boolean) {
  const params = new URLSearchParams();
  if (state.q) params.set('q', state.q);
  for (const [key, values] of Object.entries(state.filters)) for (const v of values) params.append(key, v);
  if (state.sort !== 'relevance') params.set('sort', state.sort);
  const query = params.toString();
  const url = `${location.pathname}${query ? `?${query}` : ''}`;
  if (url === `${location.pathname}${location.search}`) return;
  history[push ? 'pushState' : 'replaceState'](null, '', url);
}

/** The view the static list already shows: no query, no filter, catalog (= name) order. */
const isStatic = (s: State) => !s.q && Object.keys(s.filters).length === 0 && s.sort !== 'newest';

/** One result card from the facet table (the same markup as components/ModelItem.astro). */
function itemHtml(engine: FacetEngine, table: FacetTable, i: number, matches: string[]): string {
  const row = engine.row(i);
  const modality = table.facets.find((f) => f.key === 'modality')!;
  const k = table.facets.indexOf(modality);
  const [licence, commercial] = table.licences[row.l]!;
  return modelItemHtml({
    url: row.u,
    title: row.t,
    description: row.d,
    modalities: row.f[k]!.map((v) => ({ name: modality.values[v]!, code: modality.codes?.[v] ?? '' })),
    licence,
    commercial,
    gpu: engine.values(i, 'gpu')[0] ?? '',
    ...(row.i ? { thumb: { src: row.i[0], alt: row.i[1] } } : {}),
    matches,
  });
}

export function startCatalog() {
  const root = $<HTMLElement>('.catalog');
  if (!root) return;
  const form = $<HTMLFormElement>('#search-form')!;
  const input = $<HTMLInputElement>('#q')!;
  const list = $<HTMLOListElement>('#results')!;
  const status = $<HTMLElement>('#status')!;
  const empty = $<HTMLElement>('#empty')!;
  const more = $<HTMLButtonElement>('#more')!;
  const clear = $<HTMLButtonElement>('#clear')!;
  const chips = $<HTMLElement>('#active-filters')!;
  const chipList = $<HTMLUListElement>('#chips')!;
  const sortSelect = $<HTMLSelectElement>('#sort')!;
  const pager = $<HTMLElement>('.pager');
  const batchSize = Number(root.dataset.batch);
  const staticItems = [...list.children];
  const staticStatus = status.textContent ?? '';
  const fieldsets = $$<HTMLFieldSetElement>('fieldset[data-facet]');
  const facetKeys = fieldsets.map((f) => f.dataset.facet!);
  const facetLabels = new Map(fieldsets.map((f) => [f.dataset.facet!, $('legend', f)!.textContent!.trim()]));
  const boxes = $$<HTMLInputElement>('.facet input[type=checkbox]');

  let seq = 0;
  /** Catalog positions still to render ("Show more"), and the card of one. */
  let pending: number[] = [];
  let card: (i: number) => string = () => '';

  const current = (): State => {
    const filters: Filters = {};
    for (const box of boxes) {
      if (!box.checked) continue;
      filters[box.name] ??= [];
      filters[box.name]!.push(box.value);
    }
    return {
      q: input.value.trim(),
      filters,
      sort: isSort(sortSelect.value) ? sortSelect.value : 'relevance',
    };
  };

  const applyToForm = (state: State) => {
    input.value = state.q;
    sortSelect.value = state.sort;
    for (const box of boxes) box.checked = state.filters[box.name]?.includes(box.value) ?? false;
  };

  // One chip per chosen facet value, each a button that removes it; shown above the results, so
  // they stay in sight on a phone where the facets fold away.
  const showChips = (state: State) => {
    const chosen = Object.entries(state.filters).flatMap(([key, values]) => values.map((v) => [key, v]));
    chips.hidden = chosen.length === 0;
    chipList.replaceChildren(
      ...chosen.map(([key, value]) => {
        const li = document.createElement('li');
        const button = li.appendChild(document.createElement('button'));
        const text = `${facetLabels.get(key!) ?? key}: ${value}`;
        button.type = 'button';
        button.className = 'chip';
        button.dataset.facet = key;
        button.dataset.value = value;
        button.setAttribute('aria-label', `Remove filter ${text}`);
        button.textContent = text;
        const x = button.appendChild(document.createElement('span'));
        x.setAttribute('aria-hidden', 'true');
        x.textContent = '\u00a0×'; // kept on the line of the value's last word
        return li;
      }),
    );
  };

  // Facet rows, looked up once; only changed counts touch the DOM (hundreds of structures).
  const rows = boxes.map((box) => ({
    box,
    count: box.parentElement!.querySelector<HTMLElement>('.count')!,
    li: box.closest('li')!,
  }));
  const setCounts = (counts: (key: string) => Record<string, number> | undefined) => {
    for (const { box, count, li } of rows) {
      const text = String(counts(box.name)?.[box.value] ?? 0);
      if (count.textContent !== text) count.textContent = text;
      const off = text === '0' && !box.checked;
      if (box.disabled !== off) {
        box.disabled = off;
        li.classList.toggle('zero', off);
      }
    }
  };

  /** Renders the next batch of results straight from the facet table. */
  const showMore = () => {
    const template = document.createElement('template');
    template.innerHTML = pending.splice(0, batchSize).map(card).join('');
    list.append(template.content);
    more.hidden = pending.length === 0;
  };

  const run = async (state: State) => {
    const mySeq = ++seq;
    const started = performance.now();
    showChips(state);
    if (isStatic(state)) {
      root.removeAttribute('aria-busy');
      list.replaceChildren(...staticItems);
      status.textContent = staticStatus;
      empty.hidden = true;
      more.hidden = true;
      if (pager) pager.hidden = false;
      setCounts((key) => {
        const out: Record<string, number> = {};
        for (const c of $$<HTMLElement>(`fieldset[data-facet="${key}"] .count`))
          out[c.parentElement!.querySelector('input')!.value] = Number(c.dataset.total);
        return out;
      });
      return;
    }
    root.setAttribute('aria-busy', 'true');
    const { text, engine, table } = await loadSearch();
    // Models by relevance: the text index's ranking for a query, else the catalog (title) order.
    let ranked: number[];
    let matches: (i: number) => string[] = () => [];
    const code = state.q;
    if (CODE_QUERY.test(code)) {
      // A concept id matches exactly: the models whose segments carry it, never a text match.
      ranked = table.codes[code] ?? [];
      matches = (i) => engine.codeStructures(i, code);
    } else if (state.q) {
      ranked = text.search(state.q);
      matches = (i) => engine.matchedStructures(i, state.q);
    } else {
      ranked = Array.from({ length: engine.size }, (_, i) => i);
    }
    if (mySeq !== seq) return;
    const base: Bits = state.q ? engine.setOf(ranked) : engine.all();
    const { matches: hits, counts } = engine.apply(base, state.filters);
    const shown = engine.order(
      ranked.filter((i) => FacetEngine.has(hits, i)),
      state.sort,
    );
    setCounts((key) => counts[key]);
    card = (i) => itemHtml(engine, table, i, matches(i));
    const n = shown.length;
    pending = shown;
    list.replaceChildren();
    showMore();
    status.textContent = `${n} model${n === 1 ? '' : 's'} found`;
    empty.hidden = n > 0;
    if (pager) pager.hidden = true;
    root.removeAttribute('aria-busy');
    // For the benchmark: from input to the first screenful of results on screen.
    root.dispatchEvent(
      new CustomEvent('catalog:updated', { detail: { ms: performance.now() - started, count: n } }),
    );
  };

  // Typing replaces the history entry; a facet, chip or sort change adds one, so Back undoes it.
  input.addEventListener('input', () => {
    const state = current();
    writeUrl(state, false);
    void run(state);
  });
  const commit = (state: State) => {
    applyToForm(state);
    writeUrl(state, true);
    void run(state);
  };
  // Fetch the search code and the facet table as soon as the user reaches for them.
  for (const el of [form, $<HTMLElement>('.facets'), sortSelect])
    el?.addEventListener('focusin', () => void loadSearch(), { once: true });
  $<HTMLElement>('.facets')?.addEventListener('pointerover', () => void loadSearch(), { once: true });
  form.addEventListener('submit', (e) => e.preventDefault());
  for (const box of boxes) box.addEventListener('change', () => commit(current()));
  sortSelect.addEventListener('change', () => commit(current()));
  chipList.addEventListener('click', (e) => {
    const chip = (e.target as Element).closest<HTMLButtonElement>('button.chip');
    if (!chip) return;
    const state = current();
    const { facet, value } = chip.dataset;
    const left = (state.filters[facet!] ?? []).filter((v) => v !== value);
    if (left.length) state.filters[facet!] = left;
    else delete state.filters[facet!];
    // The removed chip's button is gone: keep the keyboard on the chip now in its place.
    const at = [...chipList.children].indexOf(chip.parentElement!);
    commit(state);
    const buttons = $$<HTMLButtonElement>('button', chipList);
    (buttons[Math.min(at, buttons.length - 1)] ?? input).focus();
  });
  clear.addEventListener('click', () => {
    commit({ ...current(), filters: {} });
    input.focus();
  });
  more.addEventListener('click', () => showMore());
  window.addEventListener('popstate', () => {
    const state = readUrl(facetKeys);
    applyToForm(state);
    void run(state);
  });

  for (const button of $$<HTMLButtonElement>('.more-values'))
    button.addEventListener('click', () => {
      const fieldset = button.closest('fieldset')!;
      const open = fieldset.classList.toggle('open');
      button.setAttribute('aria-expanded', String(open));
      button.textContent = open ? 'Show fewer' : `Show all ${fieldset.querySelectorAll('li').length}`;
    });

  // On narrow screens the facets fold away behind a toggle (CSS shows it there only).
  const toggle = $<HTMLButtonElement>('.facets-toggle');
  toggle?.addEventListener('click', () => {
    const open = $<HTMLElement>('.facets')!.classList.toggle('expanded');
    toggle.setAttribute('aria-expanded', String(open));
  });

  // The structure facet's own filter box matches names, synonyms and SNOMED CT meanings.
  const structureFilter = $<HTMLInputElement>('#structure-filter');
  structureFilter?.addEventListener('input', () => {
    const needle = structureFilter.value.trim().toLowerCase();
    const fieldset = structureFilter.closest('fieldset')!;
    fieldset.classList.toggle('filtering', needle !== '');
    for (const li of $$<HTMLLIElement>('li', fieldset)) {
      const text = `${li.textContent} ${li.dataset.synonyms ?? ''}`.toLowerCase();
      li.classList.toggle('miss', needle !== '' && !text.includes(needle));
    }
  });

  const initial = readUrl(facetKeys);
  if (!isStatic(initial) || initial.sort !== 'relevance') {
    applyToForm(initial);
    void run(initial);
  }
}
