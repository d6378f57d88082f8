import { describe, expect, it } from 'vitest';
import { FacetEngine } from '../../site/src/scripts/facet-engine.ts';
import { matchesText, modelItemHtml } from '../../site/src/scripts/model-item.ts';
import type { FacetTable } from '../../src/site-data/facet-table.ts';

// 70 models over three facets: enough models to span several 32-bit words.
const structures = ['Liver', 'Hepatic vein', 'Kidney', 'Deliverance'];
const table: FacetTable = {
  version: 3,
  codes: { '10200004': [0, 3] },
  codeStructures: { '10200004': [0] },
  licences: [['MIT', 'yes']],
  facets: [
    { key: 'modality', values: ['CT', 'MR'], codes: ['CT', 'MR'] },
    { key: 'gpu', values: ['Required', 'Optional'] },
    {
      key: 'structure',
      values: structures,
      synonyms: [['Liver structure'], ['Hepatic venous structure', 'Vein of liver'], ['Renal structure'], []],
    },
  ],
  models: Array.from({ length: 70 }, (_, i) => ({
    u: `/models/m${i}/`,
    t: `Model ${String(i).padStart(2, '0')}`,
    d: 'A model.',
    l: 0,
    // even: CT, odd: MR, every 5th also MR; i < 35: Required, else Optional; dates on every
    // third model, later for higher i except model 9 (the latest); every model has all structures.
    f: [i % 2 === 0 ? (i % 5 === 0 ? [0, 1] : [0]) : [1], [i < 35 ? 0 : 1], [0, 1, 2, 3]],
    ...(i % 3 === 0 ? { y: i === 9 ? '2030-01' : `20${String(10 + i).slice(-2)}-06-01` } : {}),
  })),
};
const brute = (pred: (i: number) => boolean) => Array.from({ length: 70 }, (_, i) => i).filter(pred).length;
const ct = (i: number) => i % 2 === 0;
const mr = (i: number) => i % 2 === 1 || i % 10 === 0;

describe('facet engine', () => {
  const engine = new FacetEngine(table);

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

  it('orders by relevance (as given), name (catalog order) and newest (unknown dates last)', () => {
    const given = [5, 3, 9, 6, 0, 4];
    expect(engine.order(given, 'relevance')).toEqual(given);
    expect(engine.order(given, 'name')).toEqual([0, 3, 4, 5, 6, 9]);
    // 9: 2030-01; 6: 2016-06-01; 3: 2013-06-01; 0: 2010-06-01; 4 and 5 have no date.
    expect(engine.order(given, 'newest')).toEqual([9, 6, 3, 0, 4, 5]);
  });

  it('names the structures whose name or synonyms have a word starting with a query word', () => {
    expect(engine.matchedStructures(1, 'liver')).toEqual(['Liver', 'Hepatic vein']);
    expect(engine.matchedStructures(1, 'HEPAT')).toEqual(['Hepatic vein']);
    expect(engine.matchedStructures(1, 'renal tumour')).toEqual(['Kidney']);
    // Inside a word is not a word prefix: "Deliverance" does not match "liver".
    expect(engine.matchedStructures(1, 'iver')).toEqual([]);
    expect(engine.matchedStructures(1, '  ')).toEqual([]);
    // Plurals as the text search cuts them: "kidneys" finds the Kidney.
    expect(engine.matchedStructures(1, 'kidneys')).toEqual(['Kidney']);
  });

  it('names the structures that carry a searched code', () => {
    expect(engine.codeStructures(0, '10200004')).toEqual(['Liver']);
    expect(engine.codeStructures(0, '999999')).toEqual([]);
  });

  it('reads a model row and its facet values', () => {
    expect(engine.row(12).u).toBe('/models/m12/');
    expect(engine.values(10, 'modality')).toEqual(['CT', 'MR']);
    expect(engine.values(10, 'nope')).toEqual([]);
  });
});

describe('model item markup', () => {
  const view = {
    url: '/models/x/',
    title: 'A <b>bold</b> "model"',
    description: "Tom's & Jerry's",
    modalities: [{ name: 'PET', code: 'PT' }],
    licence: 'MIT',
    commercial: 'yes' as const,
    gpu: 'Optional',
  };

  it('escapes card text and names modalities with the code as tooltip', () => {
    const html = modelItemHtml(view);
    expect(html).toContain('A &lt;b&gt;bold&lt;/b&gt; &quot;model&quot;');
    expect(html).toContain('Tom&#39;s &amp; Jerry&#39;s');
    expect(html).toContain('<span class="badge modality" title="DICOM modality PT">PET</span>');
    expect(html).not.toContain('class="matches"');
    expect(html).not.toContain('<img');
  });

  it('shows a thumbnail with its alternative text and the matched structures', () => {
    const html = modelItemHtml({
      ...view,
      thumb: { src: '/previews/x-axial.png', alt: 'Axial slice' },
      matches: ['Liver', 'Hepatic vein'],
    });
    expect(html).toContain('<img class="thumb" src="/previews/x-axial.png" alt="Axial slice"');
    expect(html).toContain('<span class="matches-label">Matches:</span> Liver, Hepatic vein</p>');
    expect(matchesText(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'])).toBe('a, b, c, d, e, f and 2 more');
  });
});
