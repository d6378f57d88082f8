// The author list at the head of a free-text citation (MHub's `cite`), as BibTeX names
// "Last, First". Cards copy citations in every journal style, so the list is read chunk by chunk
// (split at commas, "and" and "&") and each chunk is recognised as one of:
//   Vancouver      "Alves N", "van Griethuysen JJM"    (chosen when the first chunk has this shape)
//   inverted       "Isensee" + "F."   "Nürnberg" + "L"  "Jiang" + "Jue"  (surname, then given names)
//   normal order   "Keno K. Bressem"  "J. -P. Charbonnier"  "Bram {van Ginneken}"
// The list ends at "et al.", a year in parentheses, a quoted title, the first chunk that is not a
// name, or the full stop after a name. Splitting at every comma made "Hofmanninger, J." two authors.

const WORD = String.raw`\p{Lu}[\p{L}'’-]*`;
// A surname word has a lower-case letter: "N" in "Alves N" is an initial, not a surname.
const SURNAME_WORD = String.raw`\p{Lu}\p{Ll}[\p{L}'’-]*`;
const PARTICLE =
  '(?:[Vv]an|[Vv]on|[Dd]er|[Dd]e|[Dd]en|[Dd]el|[Dd]ella|[Dd]a|[Dd]i|[Dd]u|[Ll]e|[Ll]a|[Tt]er|[Tt]en|dos|das)';
const INITIAL = String.raw`-?\p{Lu}\.?`;
// What may follow a name that ends the list: nothing, a full stop before the title, a year.
const END = String.raw`(?=$|\.(?:\s|$)|\s*\()`;

const initialsOnly = new RegExp(String.raw`^(?:${INITIAL}\s*)+$`, 'u');
const loneSurname = new RegExp(String.raw`^(?:${PARTICLE}\s+)*${SURNAME_WORD}$`, 'u');
const givenNames = new RegExp(String.raw`^(?:(?:${WORD}|${INITIAL})\s*)+$`, 'u');
const vancouver = new RegExp(
  String.raw`^((?:${PARTICLE}\s+)*${WORD}(?:\s+${WORD})*)\s+(\p{Lu}{1,4})${END}`,
  'u',
);
const normalOrder = new RegExp(
  String.raw`^((?:(?:${WORD}|${INITIAL})\s+)+?)(\{[^{}]+\}|(?:${PARTICLE}\s+)*${SURNAME_WORD})${END}`,
  'u',
);
const SEPARATOR = /\s*,\s*(?:and\s+|&\s*)?|\s+and\s+|\s+&\s+/u;

export interface CitationAuthors {
  /** BibTeX names, "Last, First". */
  names: string[];
  /** The citation says "et al.": more authors than listed. */
  etAl: boolean;
}

const unbrace = (s: string) => s.replace(/[{}]/g, '');
const name = (last: string, first: string) => `${unbrace(last).trim()}, ${first.trim()}`;

/** Where the author list must end at the latest, and whether it ends in "et al.". */
function authorRegion(cite: string): { region: string; etAl: boolean } {
  const cuts = [
    { at: cite.search(/,?\s*\bet al\b\.?/u), etAl: true },
    { at: cite.search(/\s*\((?:19|20)\d{2}\)/u), etAl: false },
    { at: cite.search(/,\s*["'“‘]/u), etAl: false },
  ].filter((c) => c.at > 0);
  const first = cuts.sort((a, b) => a.at - b.at)[0];
  return first ? { region: cite.slice(0, first.at), etAl: first.etAl } : { region: cite, etAl: false };
}

/** The authors of a free-text citation, or none when its head is not an author list. */
export function citationAuthors(cite: string): CitationAuthors {
  const { region, etAl } = authorRegion(cite.trim());
  const chunks = region.split(SEPARATOR).map((c) => c.trim());
  const style = vancouver.test(chunks[0] ?? '') && !normalOrder.test(chunks[0] ?? '') ? 'vancouver' : 'other';
  const names: string[] = [];
  let pending: string | undefined; // a surname waiting for its given names (inverted styles)
  for (const chunk of chunks) {
    if (!chunk) continue;
    if (pending !== undefined) {
      if (!(initialsOnly.test(chunk) || givenNames.test(chunk))) break;
      names.push(name(pending, chunk));
      pending = undefined;
      continue;
    }
    if (style === 'vancouver') {
      const m = chunk.match(vancouver);
      if (!m) break;
      names.push(name(m[1] as string, m[2] as string));
      if (m[0].length < chunk.length) break;
      continue;
    }
    if (names.length === 0 && loneSurname.test(chunk)) {
      pending = chunk;
      continue;
    }
    if (loneSurname.test(chunk) && names.length > 0 && inverted(names)) {
      pending = chunk;
      continue;
    }
    const m = chunk.match(normalOrder);
    if (!m) break;
    names.push(name(m[2] as string, m[1] as string));
    if (m[0].length < chunk.length) break;
  }
  return { names, etAl };
}

// In "Isensee, F., Jaeger, P. F." every surname stands alone before its initials; in
// "Murugesan, Gowtham Krishnan, Diana McCrumb" only the first does (Chicago style).
function inverted(names: string[]): boolean {
  return names.every((n) => initialsOnly.test(n.slice(n.indexOf(', ') + 2)));
}
