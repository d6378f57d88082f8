// The words a model is also found by: for each segment, the synonyms, organ adjectives and broader
// terms that scripts/gen-synonyms.ts derives from the terminology with WordNet (hepatic for the
// liver, tumour and neoplasm for a tumor), and the other spellings of the words of its free text.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MhubError } from '../errors.ts';
import { defaultTerminologyDir, SEARCH_SYNONYMS_FILE } from '../registry/index.ts';

export interface SearchSynonyms {
  /** Segment id -> words to add to a model that segments it. */
  segments: Record<string, string[]>;
  /** Word -> its other spellings (tumour <-> tumor). */
  spellings: Record<string, string[]>;
}

const REGENERATE = 'run node scripts/gen-synonyms.ts (needs WordNet: apt-get install wordnet-base)';

/** Reads the committed table beside the terminology; a missing or malformed one names the fix. */
export function loadSearchSynonyms(dir: string = defaultTerminologyDir): SearchSynonyms {
  const file = path.join(dir, SEARCH_SYNONYMS_FILE);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new MhubError('VALIDATION', `${file}: cannot be read (${(error as Error).message})`, REGENERATE);
  }
  for (const field of ['segments', 'spellings'] as const) {
    const rows = (data as Record<string, unknown> | null)?.[field];
    const valid =
      typeof rows === 'object' &&
      rows !== null &&
      Object.values(rows).every((v) => Array.isArray(v) && v.every((w) => typeof w === 'string'));
    if (!valid)
      throw new MhubError('VALIDATION', `${file}: field '${field}' is not a table of word lists`, REGENERATE);
  }
  return data as SearchSynonyms;
}

/** Extra words for a segment id; a compound REGION+STRUCTURE gets those of both parts. */
export function segmentSearchWords(id: string, synonyms: SearchSynonyms): string[] {
  return [...new Set(id.split('+').flatMap((part) => synonyms.segments[part] ?? []))];
}

/**
 * The other spellings of the words of a free text ("tumour" in a description adds "tumor"; the
 * table holds singular nouns, so "tumours" adds "tumors").
 */
export function spellingVariants(text: string, synonyms: SearchSynonyms): string[] {
  const out = new Set<string>();
  for (const word of text.toLowerCase().match(/[a-z]+/g) ?? []) {
    for (const variant of synonyms.spellings[word] ?? []) out.add(variant);
    if (word.endsWith('s'))
      for (const variant of synonyms.spellings[word.slice(0, -1)] ?? []) out.add(`${variant}s`);
  }
  return [...out];
}
