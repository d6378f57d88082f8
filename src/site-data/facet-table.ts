// The catalog's facet table, /search/facets.json: every model's facet values as small indices,
// in catalog (title) order, with what its result card shows. The browser filters, counts, sorts
// and renders results with it (bitsets, microseconds); the text query is answered by
// /search/index.json (search-index.ts), whose model numbers are this table's rows.
import { FACETS } from './facets.ts';
import type { CommercialUse } from './licence.ts';
import type { SiteData } from './site-model.ts';

// 3: rows no longer carry a Pagefind id (the catalog's own index answers text queries).
// 2: each model row carries what its result card shows (title, description, licence, date,
// thumbnail); structures carry their synonyms, and codes the structures that carry them.
export const FACET_TABLE_VERSION = 3;

export interface FacetTable {
  version: typeof FACET_TABLE_VERSION;
  /** FACETS order. `codes` (modality): the DICOM code of each value; `synonyms` (structure):
   * the other names and SNOMED CT meanings of each value (site-model structureSynonyms). */
  facets: { key: string; values: string[]; codes?: string[]; synonyms?: string[][] }[];
  /** Distinct licence texts with their commercial-use verdict; models point into it. */
  licences: [text: string, commercial: CommercialUse][];
  /** Per model, in catalog (title) order. */
  models: FacetRow[];
  /** SNOMED CT (and other scheme) code values -> the models (catalog order) whose segments carry
   * the code as type, region, modifier or category: a code typed into search matches exactly. */
  codes: Record<string, number[]>;
  /** Code value -> the structure facet values (indices) of the segments that carry it. */
  codeStructures: Record<string, number[]>;
}

/** One model: short keys, values as indices, because there are thousands of rows. */
export interface FacetRow {
  /** Page URL, title, description (cut at 240 characters, as the search record's). */
  u: string;
  t: string;
  d: string;
  /** Per facet (FACETS order), indices into the facet's values. */
  f: number[][];
  /** Index into `licences`. */
  l: number;
  /** Latest known date (ISO), when the card has one. */
  y?: string;
  /** Thumbnail: the preview's one image (the card's own, else the axial slice) and its alternative text. */
  i?: [src: string, alt: string];
}

export function facetTable(data: SiteData): FacetTable {
  const facets: FacetTable['facets'] = FACETS.map(({ key }) => ({
    key,
    values: data.facets.find((f) => f.key === key)!.values.map((v) => v.value),
  }));
  const lookup = facets.map((f) => new Map(f.values.map((v, i) => [v, i])));
  const modality = facets.find((f) => f.key === 'modality')!;
  const modalityCodes = new Map(data.models.flatMap((m) => m.modalities.map((x) => [x.name, x.code])));
  modality.codes = modality.values.map((name) => modalityCodes.get(name) ?? name);
  const structure = facets.find((f) => f.key === 'structure')!;
  structure.synonyms = structure.values.map((v) => data.structureSynonyms[v] ?? []);
  const structureIndex = lookup[facets.indexOf(structure)]!;

  const position = new Map(data.models.map((m, i) => [m.url, i]));
  const codeModels = new Map<string, Set<number>>();
  const codeValues = new Map<string, Set<number>>();
  const add = (map: Map<string, Set<number>>, code: string, i: number) => {
    const set = map.get(code) ?? new Set<number>();
    map.set(code, set.add(i));
  };
  for (const page of data.pages) {
    const i = position.get(page.entry.url)!;
    for (const output of page.outputs)
      for (const row of output.segments ?? [])
        for (const code of row.codes) {
          add(codeModels, code.value, i);
          const s = structureIndex.get(row.structure);
          if (s !== undefined) add(codeValues, code.value, s);
        }
  }
  const sorted = (map: Map<string, Set<number>>) =>
    Object.fromEntries([...map].map(([code, set]) => [code, [...set].sort((a, b) => a - b)]));
  const codes = sorted(codeModels);
  const codeStructures = sorted(codeValues);

  const licences: FacetTable['licences'] = [];
  const licenceIndex = new Map<string, number>();
  return {
    version: FACET_TABLE_VERSION,
    facets,
    licences,
    codes,
    codeStructures,
    models: data.models.map((m) => {
      const licenceKey = `${m.licence}\n${m.commercial}`;
      let l = licenceIndex.get(licenceKey);
      if (l === undefined) {
        l = licences.push([m.licence, m.commercial]) - 1;
        licenceIndex.set(licenceKey, l);
      }
      return {
        u: m.url,
        t: m.title,
        d: m.description,
        f: FACETS.map(({ key }, k) => m.facets[key].map((v) => lookup[k]!.get(v)!)),
        l,
        ...(m.latest ? { y: m.latest } : {}),
        ...(m.thumb ? { i: [m.thumb.src, m.thumb.alt] as [string, string] } : {}),
      };
    }),
  };
}
