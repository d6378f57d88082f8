// The words of a text as the catalog's search sees them, shared by the index the site build writes
// (search-index.ts) and the query the browser runs (site/src/scripts/search-engine.ts), so both
// sides cut, fold and stem alike. No imports: the browser bundle takes this file as it is.

/** Lowercase words (letters and digits of any script), accents folded (Sjögren = sjogren). */
export function searchWords(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/**
 * The index terms of a word: itself and, for a plural, its singular. A query word is looked up by
 * its singular as a prefix, so "kidneys" finds "kidney", and the plural kept as written lets a
 * half-typed "arteri" find "arteries" (its singular "artery" does not start with it).
 */
export function termsOf(word: string): string[] {
  const one = singular(word);
  return one === word ? [word] : [word, one];
}

/**
 * English plural endings only: "ies" -> "y", "ches/shes/sses/xes" -> drop "es", "s" -> drop,
 * except after s, u or i (glass, corpus, pelvis, which are singular). A rule, not a stemmer:
 * the same cut on both sides is all a match needs, and it never merges two different words' stems
 * the way a full stemmer does (organ/organic, general/generate).
 */
export function singular(word: string): string {
  if (word.length <= 3) return word;
  if (word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (/(?:ch|sh|ss|x)es$/.test(word)) return word.slice(0, -2);
  if (word.endsWith('s') && !/[siu]s$/.test(word)) return word.slice(0, -1);
  return word;
}
