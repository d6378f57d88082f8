import { describe, expect, it } from 'vitest';
import { FacetEngine } from '../../site/src/scripts/facet-engine.ts';
import type { FacetTable } from '../../src/site-data/facet-table.ts';

// Four models over two facets; enough models (70) to span several 32-bit words.
const table: FacetTable = {
  version: 1,
  codes: {},
  facets: [
    { key: 'modality', values: ['CT', 'MR'] },
    { key: 'gpu', values: ['Required', 'Optional'] },
  ],
  models: Array.from({ length: 70 }, (_, i) => ({
    p: `en_${i}`,
    // even: CT, odd: MR, every 5th also MR; i < 35: Required, else Optional
    f: [i % 2 === 0 ? (i % 5 === 0 ? [0, 1] : [0]) : [1], [i < 35 ? 0 : 1]],
  })),
};
const brute = (pred: (i: number) => boolean) => Array.from({ length: 70 }, (_, i) => i).filter(pred).length;
const ct = (i: number) => i % 2 === 0;
const mr = (i: number) => i % 2 === 1 || i % 10 === 0;

describe('facet engine', () => {
  const engine = new FacetEngine(table);

  it('maps Pagefind ids to catalog positions', () => {
    expect(engine.indexOf('en_42')).toBe(42);
    expect(engine.pagefindId(7)).toBe('en_7');
    expect(engine.indexOf('nope')).toBeUndefined();
  });

  it('ORs within a facet and ANDs across facets', () => {
    const { matches } = engine.apply(engine.all(), { modality: ['CT', 'MR'], gpu: ['Optional'] });
    const hits = Array.from({ length: 70 }, (_, i) => i).filter((i) => FacetEngine.has(matches, i));
    expect(hits).toEqual(Array.from({ length: 35 }, (_, i) => i + 35));
  });

  it('counts disjunctively: a chosen facet keeps counts of its other values', () => {
    const { counts } = engine.apply(engine.all(), { modality: ['CT'] });
    expect(counts.modality).toEqual({ CT: brute(ct), MR: brute(mr) });
    expect(counts.gpu).toEqual({
      Required: brute((i) => ct(i) && i < 35),
      Optional: brute((i) => ct(i) && i >= 35),
    });
  });

  it('restricts everything to the query results', () => {
    const base = engine.setOf([0, 1, 2, 69]);
    const { matches, counts } = engine.apply(base, { gpu: ['Required'] });
    expect([0, 1, 2, 69].filter((i) => FacetEngine.has(matches, i))).toEqual([0, 1, 2]);
    expect(counts.gpu).toEqual({ Required: 3, Optional: 1 });
    expect(counts.modality).toEqual({ CT: 2, MR: 2 });
  });
});
