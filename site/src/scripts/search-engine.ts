// Text search over /search/index.json in the browser: each query word is a prefix of the words it
// finds (the last one is usually half-typed), every word must match (AND), and models rank by the
// sum over the query words of their best match, weighted by field (search-index.ts), by rarity
// (idf) and by how much of the found word the query typed. Pure logic, no DOM:
// test/site/search-engine.test.ts drives it directly.
import type { SearchIndex } from '../../../src/site-data/search-index.ts';
import { searchWords, singular } from '../../../src/site-data/search-words.ts';

export type { SearchIndex };

/** A prefix match counts at most this much of an exact one ("liver" typed: "liver" over "livers"). */
const PREFIX_SHARE = 0.6;

export class SearchEngine {
  readonly size: number;
  private readonly index: SearchIndex;
  /** Postings decoded on first use: [models, weights] per term. */
  private readonly decoded = new Map<number, [Int32Array, Uint8Array]>();

  constructor(index: SearchIndex) {
    this.index = index;
    this.size = index.models;
  }

  /** The models (catalog positions) that have every word of `query`, best first; ties in catalog order. */
  search(query: string): number[] {
    // At most 255 words: `matched` counts them in a byte.
    const wanted = [...new Set(searchWords(query))].slice(0, 255);
    if (!wanted.length) return [];
    const total = new Float64Array(this.size);
    const matched = new Uint8Array(this.size);
    const best = new Float64Array(this.size);
    for (const [w, word] of wanted.entries()) {
      best.fill(0);
      const key = singular(word);
      for (let t = this.lowerBound(key); t < this.index.terms.length; t++) {
        const term = this.index.terms[t]!;
        if (!term.startsWith(key)) break;
        const share = term === key || term === word ? 1 : PREFIX_SHARE * (key.length / term.length);
        const [models, weights] = this.postings(t);
        const idf = Math.log(1 + this.size / models.length);
        for (let k = 0; k < models.length; k++) {
          const m = models[k]!;
          // Only models that matched every word so far can still match them all.
          if (matched[m] !== w) continue;
          const score = weights[k]! * share * idf;
          if (score > best[m]!) best[m] = score;
        }
      }
      for (let m = 0; m < this.size; m++)
        if (best[m]! > 0) {
          matched[m]!++;
          total[m]! += best[m]!;
        }
    }
    const hits: number[] = [];
    for (let m = 0; m < this.size; m++) if (matched[m] === wanted.length) hits.push(m);
    return hits.sort((a, b) => total[b]! - total[a]! || a - b);
  }

  /** The first term not below `key` (terms are sorted by code unit, as `<` compares). */
  private lowerBound(key: string): number {
    const { terms } = this.index;
    let lo = 0;
    let hi = terms.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (terms[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private postings(t: number): [Int32Array, Uint8Array] {
    let out = this.decoded.get(t);
    if (!out) {
      const flat = this.index.postings[t]!;
      const models = new Int32Array(flat.length / 2);
      const weights = new Uint8Array(flat.length / 2);
      let model = 0;
      for (let k = 0; k < models.length; k++) {
        model += flat[2 * k]!;
        models[k] = model;
        weights[k] = flat[2 * k + 1]!;
      }
      out = [models, weights];
      this.decoded.set(t, out);
    }
    return out;
  }
}
