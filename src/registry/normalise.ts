// Turns upstream free text (MHub meta.json) into the card's normal forms: DICOM modality codes,
// body-part terms, ISO dates and SPDX licence ids. Each returns a note when it had to guess.
import { canonicalSpdx, isCalendarDate, isSpdxId } from './checks.ts';
import type { Modality } from './types.gen.ts';

const MODALITY_SYNONYMS: Record<string, Modality> = {
  CT: 'CT',
  MR: 'MR',
  MRI: 'MR',
  PT: 'PT',
  PET: 'PT',
  CR: 'CR',
  DX: 'DX',
  XRAY: 'DX',
  MG: 'MG',
  US: 'US',
  NM: 'NM',
  SM: 'SM',
  WSI: 'SM',
  SEG: 'SEG',
  DICOMSEG: 'SEG',
  RTSTRUCT: 'RTSTRUCT',
};

/** 'MRI|CT' -> ['MR', 'CT']; undefined entries are unknown codes. */
export function normaliseModalities(text: string): { modalities: Modality[]; unknown: string[] } {
  const modalities: Modality[] = [];
  const unknown: string[] = [];
  for (const part of text.split(/[|,/]/).map((p) => p.trim().toUpperCase().replace(/[\s-]/g, ''))) {
    if (!part) continue;
    const code = MODALITY_SYNONYMS[part];
    if (code) {
      if (!modalities.includes(code)) modalities.push(code);
    } else unknown.push(part);
  }
  return { modalities, unknown };
}

const BODY_PART_SYNONYMS: Record<string, string> = {
  WHOLE_BODY: 'WHOLEBODY',
  WHOLEBODY: 'WHOLEBODY',
  THORAX: 'CHEST',
  LUNGS: 'LUNG',
  HEAD_NECK: 'HEADNECK',
  HEAD_AND_NECK: 'HEADNECK',
};

/** DICOM Body Part Examined style: upper case, underscores, common synonyms folded. */
export function normaliseBodyPart(text: string): string | undefined {
  const term = text
    .trim()
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (!term || term === 'N_A' || term === 'NA') return undefined;
  return BODY_PART_SYNONYMS[term] ?? term;
}

const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
const pad = (n: number) => String(n).padStart(2, '0');

export type DateResult = { iso: string } | { text: string; note: string } | { empty: true };

/**
 * Free-text dates to ISO 8601 where the reading is unambiguous. d.m.y with dots is European by
 * convention; with slashes a two-digit year or a day <= 12 in both places is ambiguous.
 */
export function normaliseDate(raw: string): DateResult {
  const text = raw.trim();
  if (!text || /^(n\/?a|none|unknown|-)$/i.test(text)) return { empty: true };
  const iso = (y: number, m?: number, d?: number): DateResult => {
    const value = d ? `${y}-${pad(m!)}-${pad(d)}` : m ? `${y}-${pad(m)}` : `${y}`;
    return isCalendarDate(value) && (!m || (m >= 1 && m <= 12))
      ? { iso: value }
      : { text, note: 'not a calendar date' };
  };
  let m = text.match(/^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$/);
  if (m) return iso(+m[1]!, m[2] ? +m[2] : undefined, m[3] ? +m[3] : undefined);
  m = text.match(/^(\d{1,2})\.(\d{1,2})\.(\d{4})$/);
  if (m) return iso(+m[3]!, +m[2]!, +m[1]!);
  m = text.match(/^(\d{1,2})\/(\d{4})$/);
  if (m) return iso(+m[2]!, +m[1]!);
  m = text.match(/^([A-Za-z]+)\.? (\d{4})$/);
  if (m) {
    const month = MONTHS.findIndex((name) => name.startsWith(m![1]!.toLowerCase()) && m![1]!.length >= 3);
    if (month >= 0) return iso(+m[2]!, month + 1);
  }
  m = text.match(/^(\d{1,2})\/(\d{1,2})\/(\d{2}|\d{4})$/);
  if (m) {
    // Every reading (d/m/y, m/d/y, and y/m/d for two-digit years) that is a real, past date.
    const [a, b, c] = [m[1]!, m[2]!, m[3]!];
    const year = (y: string) => (y.length === 2 ? 2000 + Number(y) : Number(y));
    const readings = [[year(c), +b, +a], [year(c), +a, +b], ...(c.length === 2 ? [[year(a), +b, +c]] : [])]
      .filter(([, mo, d]) => mo! >= 1 && mo! <= 12 && d! >= 1)
      .map(([y, mo, d]) => `${y}-${pad(mo!)}-${pad(d!)}`)
      .filter((iso) => isCalendarDate(iso) && iso <= new Date().toISOString().slice(0, 10));
    const distinct = [...new Set(readings)];
    if (distinct.length === 1) return { iso: distinct[0]! };
    return { text, note: distinct.length ? `could be ${distinct.join(' or ')}` : 'not a calendar date' };
  }
  return { text, note: 'unrecognised date format' };
}

const LICENCE_ALIASES: Record<string, string> = {
  'apache 2.0': 'Apache-2.0',
  'apache-2': 'Apache-2.0',
  'apache license 2.0': 'Apache-2.0',
  mit: 'MIT',
  'mit license': 'MIT',
  'cc by-nc 4.0': 'CC-BY-NC-4.0',
  'cc by-nc-sa 4.0': 'CC-BY-NC-SA-4.0',
  'cc by 4.0': 'CC-BY-4.0',
  'cc by-sa 4.0': 'CC-BY-SA-4.0',
  'agpl v3.0': 'AGPL-3.0-only',
  'agpl-3.0': 'AGPL-3.0-only',
  'gpl v3.0': 'GPL-3.0-only',
  'gpl-3.0': 'GPL-3.0-only',
  'bsd 3-clause': 'BSD-3-Clause',
  'n/a': 'NONE',
};

/** Licence text to an SPDX id; NOASSERTION (with a note) when the text does not say which. */
export function normaliseLicence(raw: string): { id: string; note?: string } {
  const text = raw.trim();
  if (!text) return { id: 'NOASSERTION', note: 'no licence given' };
  if (isSpdxId(text)) return { id: text };
  const key = text.toLowerCase().replace(/\s+/g, ' ');
  const alias = LICENCE_ALIASES[key] ?? canonicalSpdx(text) ?? canonicalSpdx(text.replace(/\s+/g, '-'));
  if (alias) return { id: alias };
  return { id: 'NOASSERTION', note: `licence '${text}' does not name an SPDX licence (version missing?)` };
}
