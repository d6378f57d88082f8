// Facet filtering and counting over /search/facets.json with bitsets: OR within a facet, AND
// across facets, and disjunctive counts (a facet's own choices do not narrow its counts); the
// result order (relevance, name, newest) and which of a model's structures a query matched. Pure
// logic, no DOM: test/site/facet-engine.test.ts drives it directly.
import type { FacetRow, FacetTable } from '../../../src/site-data/facet-table.ts';
import { searchWords, singular } from '../../../src/site-data/search-words.ts';

export type { FacetRow, FacetTable };
export const SORTS = ['relevance', 'name', 'newest'] as const;
export type Sort = (typeof SORTS)[number];

export type Bits = Uint32Array;
export type Counts = Record<string, Record<string, number>>;

function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

export class FacetEngine {
  readonly size: number;
  private readonly words: number;
  private readonly table: FacetTable;
  /** bits[facet][value]: the models that have that value. */
  private readonly bits: Bits[][];
  /** Position of the structure facet in `f`, and each structure value's words (on first need). */
  private readonly structureK: number;
  private structureWords?: string[][];

  constructor(table: FacetTable) {
    this.table = table;
    this.structureK = table.facets.findIndex((f) => f.key === 'structure');
    this.size = table.models.length;
    this.words = Math.ceil(this.size / 32);
    this.bits = table.facets.map((f) => f.values.map(() => new Uint32Array(this.words)));
    table.models.forEach((model, i) => {
      model.f.forEach((values, k) => {
        for (const v of values) this.bits[k]![v]![i >>> 5]! |= 1 << (i & 31);
      });
    });
  }

  row(index: number): FacetRow {
    return this.table.models[index]!;
  }

  /** The facet values of a model, by facet key. */
  values(index: number, key: string): string[] {
    const k = this.table.facets.findIndex((f) => f.key === key);
    if (k < 0) return [];
    return this.table.models[index]!.f[k]!.map((v) => this.table.facets[k]!.values[v]!);
  }

  /**
   * `indices` in the order of `sort`: relevance keeps the given order (the text index's ranking, or the
   * catalog's), name is catalog order (the table is sorted by title), newest puts the latest date
   * first and unknown dates last, ties in catalog order.
   */
  order(indices: readonly number[], sort: Sort): number[] {
    if (sort === 'relevance') return [...indices];
    const byName = [...indices].sort((a, b) => a - b);
    if (sort === 'name') return byName;
    const date = (i: number) => this.table.models[i]!.y;
    return byName.sort((a, b) => {
      const da = date(a);
      const db = date(b);
      if (da === db) return a - b;
      if (da === undefined) return 1;
      if (db === undefined) return -1;
      return da < db ? 1 : -1;
    });
  }

  /**
   * The model's structures (structure facet values) whose name or one of its synonyms has a word
   * that starts with a word of the query, as the text search matches words (search-words.ts):
   * "liver" matches "Liver" and "Liver structure", "hepat" matches "Hepatic vein", "kidneys"
   * matches "Kidney".
   */
  matchedStructures(index: number, query: string): string[] {
    const wanted = searchWords(query).map(singular);
    const facet = this.table.facets[this.structureK];
    if (!wanted.length || !facet) return [];
    this.structureWords ??= facet.values.map((v, s) =>
      searchWords([v, ...(facet.synonyms?.[s] ?? [])].join(' ')),
    );
    return this.table.models[index]!.f[this.structureK]!.filter((s) =>
      this.structureWords![s]!.some((w) => wanted.some((q) => w.startsWith(q))),
    ).map((s) => facet.values[s]!);
  }

  /** The model's structures whose segments carry the concept code (a code search). */
  codeStructures(index: number, code: string): string[] {
    const facet = this.table.facets[this.structureK];
    const carrying = new Set(this.table.codeStructures[code] ?? []);
    if (!facet) return [];
    return this.table.models[index]!.f[this.structureK]!.filter((s) => carrying.has(s)).map(
      (s) => facet.values[s]!,
    );
  }

  setOf(indices: Iterable<number>): Bits {
    const bits = new Uint32Array(this.words);
    for (const i of indices) bits[i >>> 5]! |= 1 << (i & 31);
    return bits;
  }

  all(): Bits {
    return this.setOf(Array.from({ length: this.size }, (_, i) => i));
  }

  static has(bits: Bits, i: number): boolean {
    return (bits[i >>> 5]! & (1 << (i & 31))) !== 0;
  }

  /** Models of `base` matching `filters`, and per facet the count each value would give. */
  apply(base: Bits, filters: Record<string, string[]>): { matches: Bits; counts: Counts } {
    const masks = this.table.facets.map((facet, k) => {
      const chosen = filters[facet.key];
      if (!chosen?.length) return undefined;
      const mask = new Uint32Array(this.words);
      for (const value of chosen) {
        const v = facet.values.indexOf(value);
        if (v >= 0) for (let w = 0; w < this.words; w++) mask[w]! |= this.bits[k]![v]![w]!;
      }
      return mask;
    });
    const within = (skip: number) => {
      const out = base.slice();
      masks.forEach((mask, k) => {
        if (mask && k !== skip) for (let w = 0; w < this.words; w++) out[w]! &= mask[w]!;
      });
      return out;
    };
    const matches = within(-1);
    const counts: Counts = {};
    this.table.facets.forEach((facet, k) => {
      // Facets without a choice count within the matches; a chosen facet ignores its own mask.
      const scope = masks[k] ? within(k) : matches;
      const tally: Record<string, number> = {};
      facet.values.forEach((value, v) => {
        const bits = this.bits[k]![v]!;
        let n = 0;
        for (let w = 0; w < this.words; w++) n += popcount(scope[w]! & bits[w]!);
        tally[value] = n;
      });
      counts[facet.key] = tally;
    });
    return { matches, counts };
  }
}
