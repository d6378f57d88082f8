// The catalog's text search index, /search/index.json: every word of every model (as
// search-words.ts cuts it) with the models that have it and how much it counts in each, by where
// it stands (the title counts more than the description). The browser loads it with the facet
// table and answers a query in a few milliseconds (site/src/scripts/search-engine.ts), with no
// request per query: Pagefind, which it replaces, fetched index chunks for each new word and took
// 175 ms p95 for a cold query over 5,000 models (npm run bench:site).
import { searchWords, termsOf } from './search-words.ts';

export const SEARCH_INDEX_VERSION = 1;

/**
 * What one occurrence of a word counts, by field. A structure the model segments outweighs a
 * word of its description; the words it is "also" found by (synonyms, other spellings) count
 * less than its own, so "hepatic" ranks a model that says hepatic above one that says liver.
 */
export const FIELD_WEIGHTS = {
  title: 10,
  name: 8,
  structures: 5,
  meanings: 3,
  tags: 3,
  also: 2,
  modalities: 2,
  description: 1,
} as const;
export type SearchField = keyof typeof FIELD_WEIGHTS;

/** One model's searchable texts, by field. */
export interface SearchDoc {
  url: string;
  fields: Record<SearchField, string>;
}

/** A word repeated through a long description stops adding here: it cannot outrank a title. */
const MAX_WEIGHT = 30;

export interface SearchIndex {
  version: typeof SEARCH_INDEX_VERSION;
  /** How many models (catalog order, the facet table's rows). */
  models: number;
  /** Every term, sorted by UTF-16 code unit (JavaScript's `<`), for binary search by prefix. */
  terms: string[];
  /** Per term: [model gap, weight, model gap, weight, ...], models ascending, each the gap from the
   * one before (the first from 0); small numbers keep the file small. */
  postings: number[][];
}

/** The index of `docs`, which are in catalog order (their position is the model's number). */
export function searchIndex(docs: readonly SearchDoc[]): SearchIndex {
  const byTerm = new Map<string, Map<number, number>>();
  docs.forEach((doc, model) => {
    for (const [field, weight] of Object.entries(FIELD_WEIGHTS) as [SearchField, number][])
      for (const word of searchWords(doc.fields[field]))
        for (const term of termsOf(word)) {
          const models = byTerm.get(term) ?? new Map<number, number>();
          byTerm.set(term, models);
          models.set(model, Math.min(MAX_WEIGHT, (models.get(model) ?? 0) + weight));
        }
  });
  const terms = [...byTerm.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    version: SEARCH_INDEX_VERSION,
    models: docs.length,
    terms,
    postings: terms.map((term) => {
      // Models were added in ascending order (docs in order), so the map iterates ascending.
      const flat: number[] = [];
      let previous = 0;
      for (const [model, weight] of byTerm.get(term)!) {
        flat.push(model - previous, weight);
        previous = model;
      }
      return flat;
    }),
  };
}
