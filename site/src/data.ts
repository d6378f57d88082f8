// The site's one data source: the SiteData that src/site-data/build-site.ts computed from the
// registry (through src/registry) and named in MHUB_SITE_DATA. Pages never read cards.
import { readFileSync } from 'node:fs';
import type { SiteData } from '../../src/site-data/site-model.ts';

let cached: SiteData | undefined;

export function siteData(): SiteData {
  if (cached) return cached;
  const file = process.env.MHUB_SITE_DATA;
  if (!file) throw new Error('MHUB_SITE_DATA is not set: build the site with `npm run build`');
  cached = JSON.parse(readFileSync(file, 'utf8')) as SiteData;
  return cached;
}

/** Models per page of the plain (no-JavaScript) list. */
export const PAGE_SIZE = 48;
/** Search results rendered at once (from the facet table) and per "Show more". */
export const RESULTS_BATCH = 24;
