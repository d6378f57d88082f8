// Whether a card's licences allow commercial use, derived from its SPDX ids (code AND weights).
// SPDX ids carry no "commercial use" flag, so this keeps the one curated rule set in one place:
// the Creative Commons NonCommercial family and the few SPDX licences that forbid or restrict
// commercial use say "no"; unknown or custom licences say "unknown"; every other SPDX licence
// (permissive, copyleft, public domain) allows commercial use.
import spdxIds from 'spdx-license-ids' with { type: 'json' };

export type CommercialUse = 'yes' | 'no' | 'unknown';

const SPDX = new Set<string>(spdxIds as string[]);

/** SPDX licences that forbid or restrict commercial use without "NC" in their id. */
const NON_COMMERCIAL = new Set([
  'PolyForm-Noncommercial-1.0.0',
  'PolyForm-Small-Business-1.0.0',
  'Aladdin',
  'NCGL-UK-2.0',
]);

/** One SPDX id (or NONE / NOASSERTION / LicenseRef-*), judged on its own. */
export function commercialUseOf(spdx: string): CommercialUse | 'n/a' {
  if (spdx === 'NONE') return 'n/a'; // nothing to license (e.g. no weights): no constraint
  if (spdx === 'NOASSERTION' || spdx.startsWith('LicenseRef-')) return 'unknown';
  if (/(^|-)NC(-|$)/.test(spdx) || NON_COMMERCIAL.has(spdx)) return 'no';
  return SPDX.has(spdx) ? 'yes' : 'unknown';
}

/** The card's answer: "no" if either licence forbids it, "unknown" if either is unknown. */
export function commercialUse(license: { code: string; weights: string }): CommercialUse {
  const parts = [commercialUseOf(license.code), commercialUseOf(license.weights)];
  if (parts.includes('no')) return 'no';
  if (parts.includes('unknown')) return 'unknown';
  return 'yes';
}
