// Fuzzy search over the label vocabulary: segment ids, their names and the SNOMED CT meanings
// and codes behind them, so a contributor can type "left kidney" or "64033007" and get an id.
import fuzzysort, { type Prepared } from 'fuzzysort';
import type { Terminology } from '../registry/index.ts';

export interface TermMatch {
  id: string;
  name: string;
  /** "SCT 64033007 Kidney structure", for display beside the id. */
  codes: string;
  score: number;
}

interface Entry {
  id: string;
  name: string;
  codes: string;
  /** Other names (abbreviations such as FGT), lowercase. */
  synonyms: string[];
  /** Prepared once: fuzzysort then skips re-analysing the targets on every keystroke. */
  targets: Prepared[];
}

const cache = new WeakMap<Terminology, Entry[]>();

function entries(terminology: Terminology): Entry[] {
  const cached = cache.get(terminology);
  if (cached) return cached;
  const list = terminology.ids().map((id): Entry => {
    const s = terminology.resolve(id)!;
    const coded = [s.type, s.modifier, s.category].filter((c) => c !== undefined);
    const codes = [s.type, s.modifier]
      .filter((c) => c !== undefined)
      .map((c) => `${c.scheme} ${c.value} ${c.meaning}`)
      .join('; ');
    const meanings = coded.map((c) => c.meaning).join(' ');
    const synonyms = terminology.synonyms(id);
    return {
      id,
      name: s.name,
      codes,
      synonyms: synonyms.map((x) => x.toLowerCase()),
      targets: [id, s.name, meanings, codes, synonyms.join(' ')].map((x) => fuzzysort.prepare(x)),
    };
  });
  cache.set(terminology, list);
  return list;
}

/**
 * Segment ids matching `query`, best first. A query `REGION+text` searches the structure part
 * and keeps the region, so compound ids (LIVER+NEOPLASM_MALIGNANT_PRIMARY) can be found too.
 */
export function searchTerms(terminology: Terminology, query: string, limit = 10): TermMatch[] {
  const trimmed = query.trim();
  const plus = trimmed.indexOf('+');
  if (plus > 0) {
    const region = trimmed.slice(0, plus).trim().toUpperCase();
    if (terminology.resolve(region)) {
      return searchTerms(terminology, trimmed.slice(plus + 1), limit)
        .map((m) => ({ ...m, id: `${region}+${m.id}` }))
        .filter((m) => terminology.resolve(m.id))
        .map((m) => ({ ...m, name: terminology.resolve(m.id)!.name }));
    }
  }
  const list = entries(terminology);
  if (trimmed === '') return list.slice(0, limit).map((e) => ({ ...pick(e), score: 0 }));
  const results = fuzzysort.go(trimmed, list, {
    keys: [0, 1, 2, 3, 4].map((i) => (e: Entry) => e.targets[i]),
    limit,
    threshold: 0.3,
    // An exact id or name beats any partial match.
    scoreFn: (r) => {
      const e = r.obj;
      const q = trimmed.toLowerCase();
      if (e.id.toLowerCase() === q || e.name.toLowerCase() === q || e.synonyms.includes(q)) return 2;
      return Math.max(...Array.from(r, (x) => x?.score ?? 0));
    },
  });
  if (results.length > 0 || !/\s/.test(trimmed))
    return results.map((r) => ({ ...pick(r.obj), score: r.score }));
  // No entry matches every word ("lung nodule" is LUNG+NODULE): offer the best per word.
  const best = new Map<string, TermMatch>();
  for (const word of trimmed.split(/\s+/)) {
    for (const m of searchTerms(terminology, word, limit)) {
      if ((best.get(m.id)?.score ?? -1) < m.score) best.set(m.id, m);
    }
  }
  return [...best.values()].sort((a, b) => b.score - a.score).slice(0, limit);
}

function pick(e: Entry): Omit<TermMatch, 'score'> {
  return { id: e.id, name: e.name, codes: e.codes };
}
