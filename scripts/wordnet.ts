// Reads the WordNet 3.0 database files (Debian's wordnet-base, /usr/share/wordnet) for
// scripts/gen-synonyms.ts: noun and adjective synsets with their pointers, and lemma lookup.
// Format: wndb(5WN). Only what the synonym table needs is parsed.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const WORDNET_DIR = process.env.WORDNET_DIR ?? '/usr/share/wordnet';

export const wordnetAvailable = (dir = WORDNET_DIR) => existsSync(path.join(dir, 'data.noun'));

export interface Pointer {
  /** `@` hypernym, `~` hyponym, `\` pertainym (adjective -> noun), `+` derivation, ... */
  symbol: string;
  /** The key of the synset it points to (see Synset.key). */
  to: string;
  /** Word numbers (1-based) of a lexical pointer, 0 for a pointer between whole synsets. */
  source: number;
  target: number;
}

export interface Synset {
  /** `n:05385534` or `a:02740381` (satellite adjectives `s` live in data.adj too). */
  key: string;
  /** Lexicographer file number: 8 noun.body, 26 noun.state, 1 adj.pert, ... (lexnames(5WN)). */
  lexFile: number;
  /** Lemmas in lower case, with spaces instead of underscores, adjective markers dropped. */
  words: string[];
  /** Sense keys' `lemma%ss_type:lex_filenum:lex_id` of each word, to look up SemCor counts. */
  senseKeys: string[];
  pointers: Pointer[];
  /** The definition and examples after `|` ("of or relating to the cerebrum or brain"). */
  gloss: string;
}

export interface WordNet {
  synset(key: string): Synset | undefined;
  /** Every noun and adjective synset. */
  synsets(): Iterable<Synset>;
  /**
   * Synsets of a lemma (any case, spaces or underscores): nouns first, then adjectives, each in
   * WordNet's sense order (most frequent sense first, as the index files list them).
   */
  lookup(lemma: string): Synset[];
  /** Every adjective synset with a pertainym pointer (`\`). */
  pertainyms(): Synset[];
  /** Base form of an irregular noun plural from noun.exc ("vertebrae" -> "vertebra"). */
  nounBase(word: string): string | undefined;
  /** How often the lemma was tagged with this sense in SemCor (cntlist.rev); 0 when never. */
  count(lemma: string, synset: Synset): number;
}

const fileKey = (pos: string) => (pos === 'n' ? 'n' : pos === 'v' ? 'v' : pos === 'r' ? 'r' : 'a');

export function parseDataLine(line: string): Synset | undefined {
  // The licence header lines start with spaces; synset lines with their byte offset.
  if (!/^\d/.test(line)) return undefined;
  const bar = line.indexOf(' | ');
  const head = bar < 0 ? line : line.slice(0, bar);
  const gloss = bar < 0 ? '' : line.slice(bar + 3).trim();
  const t = head.trim().split(' ');
  const pos = t[2]!;
  const wordCount = Number.parseInt(t[3]!, 16);
  const words: string[] = [];
  const senseKeys: string[] = [];
  const ssType = { n: 1, v: 2, a: 3, r: 4, s: 5 }[pos];
  for (let i = 0; i < wordCount; i++) {
    const lemma = t[4 + 2 * i]!.replace(/\([a-z]+\)$/, '').toLowerCase();
    words.push(lemma.replaceAll('_', ' '));
    const lexId = Number.parseInt(t[5 + 2 * i]!, 16)
      .toString()
      .padStart(2, '0');
    senseKeys.push(`${lemma}%${ssType}:${t[1]}:${lexId}`);
  }
  let i = 4 + 2 * wordCount;
  const pointerCount = Number.parseInt(t[i++]!, 10);
  const pointers: Pointer[] = [];
  for (let p = 0; p < pointerCount; p++, i += 4) {
    const st = t[i + 3]!;
    pointers.push({
      symbol: t[i]!,
      to: `${fileKey(t[i + 2]!)}:${t[i + 1]}`,
      source: Number.parseInt(st.slice(0, 2), 16),
      target: Number.parseInt(st.slice(2), 16),
    });
  }
  return {
    key: `${fileKey(pos)}:${t[0]}`,
    lexFile: Number.parseInt(t[1]!, 10),
    words,
    senseKeys,
    pointers,
    gloss,
  };
}

export function loadWordNet(dir = WORDNET_DIR): WordNet {
  const synsets = new Map<string, Synset>();
  const byLemma = new Map<string, string[]>();
  const pertainyms: Synset[] = [];
  for (const pos of ['noun', 'adj']) {
    for (const line of readFileSync(path.join(dir, `data.${pos}`), 'utf8').split('\n')) {
      const s = parseDataLine(line);
      if (!s) continue;
      synsets.set(s.key, s);
      if (s.pointers.some((p) => p.symbol === '\\')) pertainyms.push(s);
    }
    // index.<pos>: lemma pos synset_cnt p_cnt [ptr_symbol...] sense_cnt tagsense_cnt offset...
    for (const line of readFileSync(path.join(dir, `index.${pos}`), 'utf8').split('\n')) {
      if (!line || line.startsWith(' ')) continue;
      const t = line.trim().split(' ');
      const count = Number.parseInt(t[2]!, 10);
      const keys = t.slice(-count).map((offset) => `${fileKey(t[1]!)}:${offset}`);
      const lemma = t[0]!.replaceAll('_', ' ');
      byLemma.set(lemma, [...(byLemma.get(lemma) ?? []), ...keys]);
    }
  }
  const exceptions = new Map<string, string>();
  for (const line of readFileSync(path.join(dir, 'noun.exc'), 'utf8').split('\n')) {
    const [inflected, base] = line.split(' ');
    if (inflected && base) exceptions.set(inflected, base.replaceAll('_', ' '));
  }
  // cntlist.rev: sense_key sense_number tag_cnt; the key's head-word part (satellites) is dropped.
  const counts = new Map<string, number>();
  for (const line of readFileSync(path.join(dir, 'cntlist.rev'), 'utf8').split('\n')) {
    const [key, , count] = line.split(' ');
    if (key && count) counts.set(key.split(':').slice(0, 3).join(':'), Number(count));
  }
  return {
    synset: (key) => synsets.get(key),
    synsets: () => synsets.values(),
    count: (lemma, s) => {
      const i = s.words.indexOf(lemma.toLowerCase().replaceAll('_', ' '));
      return i < 0 ? 0 : (counts.get(s.senseKeys[i]!) ?? 0);
    },
    lookup: (lemma) =>
      (byLemma.get(lemma.toLowerCase().replaceAll('_', ' ').trim()) ?? []).flatMap(
        (k) => synsets.get(k) ?? [],
      ),
    pertainyms: () => pertainyms,
    nounBase: (word) => exceptions.get(word.toLowerCase()),
  };
}
