// The catalog's facet table, /search/facets.json: every model's facet values as small indices,
// in catalog (title) order, with the Pagefind id of its search record. The browser filters and
// counts with it (bitsets, microseconds), so Pagefind only answers the text query: Pagefind's
// own filter counting grows with results x filter values and took hundreds of ms at 5,000 cards.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FACETS } from './facets.ts';
import type { SiteData } from './site-model.ts';

export interface FacetTable {
  version: 1;
  facets: { key: string; values: string[] }[];
  /** Per model, in catalog order: its Pagefind id and, per facet (FACETS order), value indices. */
  models: { p: string; f: number[][] }[];
  /** SNOMED CT (and other scheme) code values -> the models (catalog order) whose segments carry
   * the code as type, region, modifier or category: a code typed into search matches exactly. */
  codes: Record<string, number[]>;
}

/** Pagefind result ids by URL, read from the fragments Pagefind wrote (gzip, "pagefind_dcd" + JSON). */
export async function pagefindIds(pagefindDir: string): Promise<Map<string, string>> {
  const dir = path.join(pagefindDir, 'fragment');
  const ids = new Map<string, string>();
  for (const file of await readdir(dir)) {
    const text = gunzipSync(await readFile(path.join(dir, file))).toString('utf8');
    const { url } = JSON.parse(text.slice(text.indexOf('{'))) as { url: string };
    ids.set(url, file.replace(/\.pf_fragment$/, ''));
  }
  return ids;
}

export function facetTable(data: SiteData, ids: Map<string, string>): FacetTable {
  const facets = FACETS.map(({ key }) => ({
    key,
    values: data.facets.find((f) => f.key === key)!.values.map((v) => v.value),
  }));
  const lookup = facets.map((f) => new Map(f.values.map((v, i) => [v, i])));
  const position = new Map(data.models.map((m, i) => [m.url, i]));
  const codes: Record<string, number[]> = {};
  for (const page of data.pages) {
    const i = position.get(page.entry.url)!;
    for (const output of page.outputs)
      for (const row of output.segments ?? [])
        for (const code of row.codes) {
          codes[code.value] ??= [];
          if (codes[code.value]!.at(-1) !== i) codes[code.value]!.push(i);
        }
  }
  for (const list of Object.values(codes)) list.sort((a, b) => a - b);
  return {
    version: 1,
    facets,
    codes,
    models: data.models.map((m) => {
      const p = ids.get(m.url);
      if (!p) throw new Error(`Pagefind has no record for ${m.url}`);
      return { p, f: FACETS.map(({ key }, k) => m.facets[key].map((v) => lookup[k]!.get(v)!)) };
    }),
  };
}
