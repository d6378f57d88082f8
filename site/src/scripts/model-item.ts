// One model in the catalog list as HTML. The static list (components/ModelItem.astro) and the
// search results (scripts/catalog.ts, from the facet table) both render it with this function,
// so a result looks the same whichever drew it. It runs in the build and the browser: it imports
// only src/site-data/html.ts, which has no imports itself.

import { escapeHtml } from '../../../src/site-data/html.ts';

export interface ModelItemView {
  url: string;
  title: string;
  description: string;
  /** The modality facet's names, with the DICOM code as the badge's tooltip. */
  modalities: { name: string; code: string }[];
  licence: string;
  commercial: 'yes' | 'no' | 'unknown';
  /** The GPU facet's value ("Required", "Optional", ...). */
  gpu: string;
  thumb?: { src: string; alt: string };
  /** The model's structures that matched the query ("Matches: Liver, Hepatic vein"). */
  matches?: string[];
}

const COMMERCIAL = { yes: 'commercial use allowed', no: 'non-commercial', unknown: 'licence unclear' };
/** At most this many matched structures are named; the rest are counted. */
const MATCHES_SHOWN = 6;

export const modalityTitle = (code: string) => `DICOM modality ${code}`;

/** The matched structures as a sentence: "Liver, Hepatic vein" or "A, B, ... and 3 more". */
export function matchesText(matches: readonly string[]): string {
  const named = matches.slice(0, MATCHES_SHOWN).join(', ');
  const rest = matches.length - MATCHES_SHOWN;
  return rest > 0 ? `${named} and ${rest} more` : named;
}

export function modelItemHtml(m: ModelItemView): string {
  const e = escapeHtml;
  const thumb = m.thumb
    ? `<img class="thumb" src="${e(m.thumb.src)}" alt="${e(m.thumb.alt)}" width="64" height="64" loading="lazy" decoding="async">`
    : '';
  const matches = m.matches?.length
    ? `<p class="matches"><span class="matches-label">Matches:</span> ${e(matchesText(m.matches))}</p>`
    : '';
  const modalities = m.modalities
    .map((x) => `<span class="badge modality" title="${e(modalityTitle(x.code))}">${e(x.name)}</span>`)
    .join('');
  return (
    `<li class="model"><div class="model-top"><h3><a href="${e(m.url)}">${e(m.title)}</a></h3>${thumb}</div>` +
    `<p class="desc">${e(m.description)}</p>${matches}<p class="badges">${modalities}` +
    `<span class="badge licence ${m.commercial}" title="${COMMERCIAL[m.commercial]}">${e(m.licence)}</span>` +
    `<span class="badge gpu">GPU: ${e(m.gpu)}</span></p></li>`
  );
}
