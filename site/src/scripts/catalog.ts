// Catalog search and facets in the browser. Pagefind answers the text query; facet filtering
// and counts come from /search/facets.json (scripts/facet-engine.ts). The URL holds the query
// (?q=) and the chosen facet values (?modality=CT&gpu=Required), so a view can be shared and the
// back button works. The static list stays untouched until the user searches or filters.
import { CODE_QUERY } from '../../../src/site-data/code-query.ts';
import { type Bits, FacetEngine, type FacetTable } from './facet-engine.ts';

interface PagefindResult {
  id: string;
  data(): Promise<{ url: string; meta: Record<string, string> }>;
}
interface Pagefind {
  init(): Promise<void>;
  search(
    term: string | null,
    options?: { filters?: Record<string, { any: string[] }> },
  ): Promise<{ results: PagefindResult[] }>;
}
interface Search {
  pf: Pagefind;
  engine: FacetEngine;
  /** Every model's Pagefind result by id (the handle that loads its card data); on first need. */
  everything(): Promise<Map<string, PagefindResult>>;
  table: FacetTable;
}

type Filters = Record<string, string[]>;

/** Results that fill the first screen (two columns of three on a desktop, three on a phone). */
const FIRST_SCREEN = 6;
interface State {
  q: string;
  filters: Filters;
}

const $ = <T extends Element>(sel: string, root: ParentNode = document) => root.querySelector<T>(sel);
const $$ = <T extends Element>(sel: string, root: ParentNode = document) => [
  ...root.querySelectorAll<T>(sel),
];

let search: Promise<Search> | undefined;
function loadSearch(): Promise<Search> {
  // A variable URL keeps the bundler from resolving it: the file exists only in the built site.
  const url = '/pagefind/pagefind.js';
  search ??= Promise.all([
    import(/* @vite-ignore */ url).then(async (pf: Pagefind) => {
      await pf.init();
      return pf;
    }),
    fetch('/search/facets.json').then((r) => r.json() as Promise<FacetTable>),
  ]).then(([pf, table]) => {
    let all: Promise<Map<string, PagefindResult>> | undefined;
    // Every record carries the one filter catalog=model: this lists them all (filters only).
    const everything = () =>
      (all ??= pf
        .search(null, { filters: { catalog: { any: ['model'] } } })
        .then((r) => new Map(r.results.map((x) => [x.id, x]))));
    return { pf, engine: new FacetEngine(table), everything, table };
  });
  return search;
}

function readUrl(facetKeys: string[]): State {
  const params = new URLSearchParams(location.search);
  const filters: Filters = {};
  for (const key of facetKeys) {
    const values = params.getAll(key).filter(Boolean);
    if (values.length) filters[key] = values;
  }
  return { q: params.get('q')?.trim() ?? '', filters };
}

function writeUrl(state: State, push: boolean) {
  const params = new URLSearchParams();
  if (state.q) params.set('q', state.q);
  for (const [key, values] of Object.entries(state.filters)) for (const v of values) params.append(key, v);
  const query = params.toString();
  const url = `${location.pathname}${query ? `?${query}` : ''}`;
  if (url === `${location.pathname}${location.search}`) return;
  history[push ? 'pushState' : 'replaceState'](null, '', url);
}

const isEmpty = (s: State) => !s.q && Object.keys(s.filters).length === 0;
function modelItem(url: string, meta: Record<string, string>): HTMLLIElement {
  const li = document.createElement('li');
  li.className = 'model';
  const h3 = li.appendChild(document.createElement('h3'));
  const a = h3.appendChild(document.createElement('a'));
  a.href = url;
  a.textContent = meta.title ?? url;
  const desc = li.appendChild(document.createElement('p'));
  desc.className = 'desc';
  desc.textContent = meta.description ?? '';
  const badges = li.appendChild(document.createElement('p'));
  badges.className = 'badges';
  const badge = (cls: string, text: string, title?: string) => {
    const span = badges.appendChild(document.createElement('span'));
    span.className = `badge ${cls}`;
    span.textContent = text;
    if (title) span.title = title;
  };
  for (const m of (meta.modalities ?? '').split(' ').filter(Boolean)) badge('modality', m);
  const commercial = meta.commercial ?? 'unknown';
  const label = { yes: 'commercial use allowed', no: 'non-commercial', unknown: 'licence unclear' }[
    commercial
  ];
  badge(`licence ${commercial}`, meta.licence ?? '', label);
  badge('gpu', `GPU: ${meta.gpu ?? 'unknown'}`);
  return li;
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
  const pager = $<HTMLElement>('.pager');
  const batchSize = Number(root.dataset.batch);
  const staticItems = [...list.children];
  const staticStatus = status.textContent ?? '';
  const facetKeys = $$<HTMLFieldSetElement>('fieldset[data-facet]').map((f) => f.dataset.facet!);
  const boxes = $$<HTMLInputElement>('.facet input[type=checkbox]');

  let seq = 0;
  let pending: PagefindResult[] = [];

  const current = (): State => {
    const filters: Filters = {};
    for (const box of boxes) {
      if (!box.checked) continue;
      filters[box.name] ??= [];
      filters[box.name]!.push(box.value);
    }
    return { q: input.value.trim(), filters };
  };

  const applyToForm = (state: State) => {
    input.value = state.q;
    for (const box of boxes) box.checked = state.filters[box.name]?.includes(box.value) ?? false;
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

  /**
   * Renders the next batch. Each result needs its Pagefind fragment (one request each): all are
   * requested at once, and the first screenful is shown as soon as it arrives (`shown`) while
   * the rest of the batch follows (`done`).
   */
  const showMore = (mySeq: number) => {
    const batch = pending.splice(0, batchSize).map((r) => r.data());
    const append = async (part: typeof batch) => {
      const items = await Promise.all(part);
      if (mySeq === seq) list.append(...items.map((d) => modelItem(d.url, d.meta)));
    };
    const shown = append(batch.slice(0, FIRST_SCREEN));
    const done = shown
      .then(() => append(batch.slice(FIRST_SCREEN)))
      .then(() => {
        if (mySeq === seq) more.hidden = pending.length === 0;
      });
    return { shown, done };
  };

  const run = async (state: State) => {
    const mySeq = ++seq;
    const started = performance.now();
    clear.hidden = Object.keys(state.filters).length === 0;
    if (isEmpty(state)) {
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
    const { pf, engine, everything, table } = await loadSearch();
    // Models in display order: Pagefind's ranking for a query, else the catalog (title) order.
    let ordered: number[];
    let records: Map<string, PagefindResult>;
    const code = state.q.trim();
    if (CODE_QUERY.test(code)) {
      // A concept id matches exactly: the models whose segments carry it, never a text match.
      records = await everything();
      ordered = table.codes[code] ?? [];
    } else if (state.q) {
      const found = await pf.search(state.q);
      records = new Map(found.results.map((r) => [r.id, r]));
      ordered = found.results.map((r) => engine.indexOf(r.id)).filter((i): i is number => i !== undefined);
    } else {
      records = await everything();
      ordered = Array.from({ length: engine.size }, (_, i) => i);
    }
    const base: Bits = state.q ? engine.setOf(ordered) : engine.all();
    const { matches, counts } = engine.apply(base, state.filters);
    const shown = ordered.filter((i) => FacetEngine.has(matches, i));
    if (mySeq !== seq) return;
    setCounts((key) => counts[key]);
    pending = shown.map((i) => records.get(engine.pagefindId(i))!);
    list.replaceChildren();
    more.hidden = true;
    const batch = showMore(mySeq);
    await batch.shown;
    if (mySeq !== seq) return;
    const n = shown.length;
    status.textContent = `${n} model${n === 1 ? '' : 's'} found`;
    empty.hidden = n > 0;
    if (pager) pager.hidden = true;
    // For the benchmark: from input to the first screenful of results on screen.
    root.dispatchEvent(
      new CustomEvent('catalog:updated', { detail: { ms: performance.now() - started, count: n } }),
    );
    await batch.done;
    if (mySeq === seq) root.removeAttribute('aria-busy');
  };

  // Typing replaces the history entry; a facet click adds one, so Back undoes it.
  input.addEventListener('input', () => {
    const state = current();
    writeUrl(state, false);
    void run(state);
  });
  // Fetch the search code and the facet table as soon as the user reaches for them.
  for (const el of [form, $<HTMLElement>('.facets')])
    el?.addEventListener('focusin', () => void loadSearch(), { once: true });
  $<HTMLElement>('.facets')?.addEventListener('pointerover', () => void loadSearch(), { once: true });
  form.addEventListener('submit', (e) => e.preventDefault());
  for (const box of boxes)
    box.addEventListener('change', () => {
      const state = current();
      writeUrl(state, true);
      void run(state);
    });
  clear.addEventListener('click', () => {
    const state = { q: input.value.trim(), filters: {} };
    applyToForm(state);
    writeUrl(state, true);
    void run(state);
  });
  more.addEventListener('click', () => void showMore(seq).done);
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
  if (!isEmpty(initial)) {
    applyToForm(initial);
    void run(initial);
  }
}
