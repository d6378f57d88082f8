// Writes registry/terminology/search-synonyms.json: for each segment of the terminology, the
// other words people search it by (tumour for tumor, hepatic for liver, neoplasm for carcinoma),
// found in WordNet 3.0 (Debian's wordnet-base) for the terminology's own names and SNOMED CT
// meanings. The catalog adds them to its search index. `--check` fails when the file is stale.
// Usage: node scripts/gen-synonyms.ts [--check]
import { loadTerminology, SEARCH_SYNONYMS_FILE, type Terminology } from '../src/registry/index.ts';
import { writeOrCheck } from './generated-file.ts';
import { loadWordNet, type Synset, type WordNet } from './wordnet.ts';

/**
 * Senses that can name what a segmentation outlines: lexicographer files noun.body (8),
 * noun.phenomenon (19: necrosis), noun.process (22: calcification), noun.state (26: tumor,
 * edema, lesion). Other senses (liver the person, mass the rite) are not this vocabulary's.
 */
const NOUN_FILES = new Set([8, 19, 22, 26]);
/** How far above a term (or above the last vocabulary concept) a hypernym may be. */
const HYPERNYM_LEVELS = 2;
/** SemCor tags that make a narrower sense the everyday word for an untagged term (see everydayWord). */
const EVERYDAY_MIN = 5;
/** Longest phrase looked up as one WordNet lemma ("inferior vena cava"). */
const MAX_PHRASE = 3;

export interface SynonymTable {
  source: string;
  generator: string;
  /** Term of the terminology -> words of the same meaning WordNet gives (the rules' output, for review). */
  terms: Record<string, string[]>;
  /** Term a segment is named by -> its broader words that are the terminology's own concepts. */
  broader: Record<string, string[]>;
  /** Segment id -> the words its terms add, less those its own texts contain (what the site reads). */
  segments: Record<string, string[]>;
  /** Word -> its other spellings (tumour <-> tumor): applied to the free text of every model. */
  spellings: Record<string, string[]>;
}

/** A segment's own texts: its name, the terminology's synonyms for it, its type's SNOMED CT meaning. */
function segmentTexts(terminology: Terminology, id: string): string[] {
  const s = terminology.resolve(id);
  return s ? [s.name, ...terminology.synonyms(id), s.type.meaning] : [];
}

/**
 * A name or meaning in parts: what it names first ("Bone", "Neoplasm"), then where or which
 * ("femur", "metastatic"). SNOMED CT's semantic tags ("(body structure)") and its "X structure"
 * wording name the hierarchy, not the concept, and are dropped.
 */
export function chunksOf(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/\s*\([^)]*\)/g, '')
    .replace(/\bstructure\b/g, ' ')
    .split(/,|\bof\b/)
    .map((c) =>
      c
        .replace(/\b(the|and)\b/g, ' ')
        .replace(/\s+/g, ' ')
        .trim(),
    )
    .filter(Boolean);
}

/** The concept a name or meaning stands for: its first part ("Neoplasm, metastatic" -> neoplasm). */
export const conceptName = (text: string) => chunksOf(text)[0] ?? '';

export interface Vocabulary {
  /** Segment id -> its texts. */
  texts: Map<string, string[]>;
  /** Names of the terminology's concepts: the only hypernyms a term may reach. */
  concepts: Set<string>;
  /** Words of the modifier meanings (left, right): laterality, not a structure. */
  modifierWords: Set<string>;
}

export function vocabulary(terminology: Terminology): Vocabulary {
  const texts = new Map<string, string[]>();
  const concepts = new Set<string>();
  const modifierWords = new Set<string>();
  for (const id of terminology.ids()) {
    const own = segmentTexts(terminology, id);
    texts.set(id, own);
    for (const t of own) concepts.add(conceptName(t));
    for (const w of words(terminology.resolve(id)?.modifier?.meaning ?? '')) modifierWords.add(w);
  }
  return { texts, concepts, modifierWords };
}

/** Words of two letters or more: single letters are labels ("C1", "L5/S1"), not words. */
const words = (text: string) => text.toLowerCase().match(/[a-z][a-z]+(?:-[a-z]+)*/g) ?? [];

const isNoun = (s: Synset) => s.key.startsWith('n:');

/**
 * Whether a sense can be this vocabulary's: a body or condition noun, or an adjective about one
 * (and one only: "atrioventricular" is about the pair, not about the atrium or the ventricle).
 */
const inDomain = (wn: WordNet, s: Synset) =>
  isNoun(s) ? NOUN_FILES.has(s.lexFile) : pertainsTo(wn, s).length === 1;

/**
 * The sense a word of the terminology has, decided by how often SemCor (cntlist.rev) tags it:
 * the word's usual part of speech ("anterior" is an adjective, not the noun "front tooth"), and
 * that part's most frequent body or condition sense, provided that it is a usual reading of the
 * word (at least half as frequent as its most frequent sense: not "middle" as the midriff) and
 * not tied with another one ("node": lymph node or any node?). Plurals read as their singular.
 */
export function senseOf(wn: WordNet, lemma: string): Synset | undefined {
  const senses = wn.lookup(lemma);
  if (senses.length === 0) {
    const base = wn.nounBase(lemma) ?? (lemma.endsWith('s') ? lemma.slice(0, -1) : undefined);
    return base && base !== lemma ? senseOf(wn, base) : undefined;
  }
  const tags = (list: Synset[]) => list.reduce((sum, s) => sum + wn.count(lemma, s), 0);
  const nouns = senses.filter(isNoun);
  const adjectives = senses.filter((s) => !isNoun(s));
  const [nounTags, adjectiveTags] = [tags(nouns), tags(adjectives)];
  // Untagged either way ("hepatic" is also a liverwort): the part of speech with a sense of ours.
  const usual =
    nounTags !== adjectiveTags
      ? nounTags > adjectiveTags
        ? nouns
        : adjectives
      : nouns.some((s) => inDomain(wn, s))
        ? nouns
        : adjectives;
  const [first, second] = usual.filter((s) => inDomain(wn, s));
  if (!first) return undefined;
  if (!usualReading(wn, lemma, first, usual)) return undefined;
  if (second && wn.count(lemma, second) === wn.count(lemma, first)) return undefined;
  return first;
}

/**
 * Whether SemCor tags a lemma in this sense at least half as often as in its most frequent one
 * (of `among`: all its senses, or those of one part of speech).
 */
function usualReading(wn: WordNet, lemma: string, s: Synset, among = wn.lookup(lemma)): boolean {
  return 2 * wn.count(lemma, s) >= Math.max(0, ...among.map((o) => wn.count(lemma, o)));
}

/** The body-part or condition nouns an adjective pertains to (hepatic -> liver). */
function pertainsTo(wn: WordNet, adjective: Synset): Synset[] {
  const targets = new Set(adjective.pointers.filter((p) => p.symbol === '\\').map((p) => p.to));
  return [...targets].flatMap((key) => wn.synset(key) ?? []).filter((n) => NOUN_FILES.has(n.lexFile));
}

/**
 * The terms of a text: its longest word sequences with a sense in WordNet ("pulmonary artery" is
 * one term, so it does not also count as "pulmonary" and reach the lung). Laterality is skipped.
 * `head` marks the term a text names (the last one of its first part: "Breast carcinoma" names a
 * carcinoma); the others say where or which, and do not bring the head's broader terms.
 */
export function termsOf(wn: WordNet, text: string, skip: Set<string>): { term: string; head: boolean }[] {
  const out: { term: string; head: boolean }[] = [];
  chunksOf(text).forEach((chunk, c) => {
    const ws = words(chunk).filter((w) => !skip.has(w));
    for (let i = 0; i < ws.length; ) {
      let n = Math.min(MAX_PHRASE, ws.length - i);
      while (n > 0 && !senseOf(wn, ws.slice(i, i + n).join(' '))) n--;
      if (n === 0) i++;
      else {
        out.push({ term: ws.slice(i, i + n).join(' '), head: c === 0 && i + n === ws.length });
        i += n;
      }
    }
  });
  return out;
}

/**
 * What WordNet adds for a term. `same`: the other lemmas of its sense (tumour, neoplasm), the
 * adjectives that pertain to it (hepatic), the noun an adjective pertains to (renal -> kidney).
 * `broader`: its hypernyms that are the terminology's own concepts, with the senses between
 * (carcinoma -> cancer -> malignant neoplasm -> tumor), so that the broader word finds it.
 */
export function extrasOf(
  wn: WordNet,
  term: string,
  concepts: Set<string>,
): { same: string[]; broader: string[] } {
  const sense = senseOf(wn, term);
  if (!sense) return { same: [], broader: [] };
  const same = new Set(sense.words);
  const broader = new Set<string>();
  const nouns = isNoun(sense) ? [sense] : pertainsTo(wn, sense);
  for (const noun of nouns) {
    for (const w of noun.words) same.add(w);
    for (const w of everydayWord(wn, noun)?.words ?? []) same.add(w);
    for (const w of adjectivesOf(wn, noun)) same.add(w);
    for (const w of bridgedHypernyms(wn, noun, concepts)) if (!same.has(w)) broader.add(w);
  }
  const own = new Set([term, ...words(term)]);
  const list = (set: Set<string>) => [...set].filter((w) => !own.has(w)).sort();
  // A co-lemma whose usual reading is another sense says something else to a searcher: "pump"
  // for the heart, "chest" for the breast (SemCor tags that sense more often than this one).
  // A sense's head word (heart for cardiac), its pertaining adjectives and untagged lemmas
  // that name nothing outside the body (tumour, tummy) stay.
  const meant = [sense, ...nouns];
  const keys = new Set(meant.map((m) => m.key));
  const kept = new Set([...meant.map((m) => m.words[0]!), ...nouns.flatMap((n) => adjectivesOf(wn, n))]);
  const usual = (w: string) => {
    if (kept.has(w) || !meant.some((m) => m.words.includes(w))) return true;
    const here = Math.max(0, ...meant.filter((m) => m.words.includes(w)).map((m) => wn.count(w, m)));
    // Untagged here, it is also untagged as a word of the outside world (ticker the watch, gorge
    // the ravine), and nothing says which reading a searcher means: it is left out.
    return !wn
      .lookup(w)
      .some(
        (other) =>
          !keys.has(other.key) &&
          (wn.count(w, other) > here || (here === 0 && isNoun(other) && !NOUN_FILES.has(other.lexFile))),
      );
  };
  return { same: list(same).filter(usual), broader: list(broader) };
}

/**
 * The adjectives that pertain to a noun sense and to it alone (liver -> hepatic), less those that
 * relate it to something else: compounds about two organs (cardiopulmonary), prefixed forms of
 * another of its words (intrapulmonary, antineoplastic, lung-like), and adjectives that are the
 * name of another body part (adrenal, which WordNet relates to the kidney).
 */
function adjectivesOf(wn: WordNet, noun: Synset): string[] {
  const found: string[] = [];
  const family = [...noun.words];
  for (const adjective of wn.pertainyms()) {
    const targets = new Set(adjective.pointers.filter((p) => p.symbol === '\\').map((p) => p.to));
    if (!targets.has(noun.key)) {
      // Read this way only where that is the word's usual reading (cerebral, not carnal: "of or
      // relating to the body or flesh", which SemCor never tags in that sense).
      if (glossAlternatives(wn, adjective).has(noun.key))
        found.push(...adjective.words.filter((w) => usualReading(wn, w, adjective)));
      continue;
    }
    const about = adjective.pointers
      .filter((p) => p.symbol === '\\' && p.to === noun.key)
      .flatMap((p) => (p.source ? [adjective.words[p.source - 1]!] : adjective.words));
    family.push(...about);
    if (targets.size === 1) found.push(...about);
  }
  const derived = (w: string) => family.some((f) => f !== w && (w.endsWith(f) || w.startsWith(`${f}-`)));
  const namesOther = (w: string) =>
    wn.lookup(w).some((s) => isNoun(s) && NOUN_FILES.has(s.lexFile) && s.key !== noun.key);
  return [...new Set(found)].filter((w) => !derived(w) && !namesOther(w));
}

/** How often SemCor tags a sense, all its lemmas together. */
const tagged = (wn: WordNet, s: Synset) => s.words.reduce((n, w) => n + wn.count(w, s), 0);

/**
 * The word people use for a technical term that they never write: the one narrower sense SemCor
 * tags where it never tags the term itself ("cancer", 15 tags, under "malignant tumor, malignant
 * neoplasm", none). It must be tagged at least EVERYDAY_MIN times and more often than all the
 * term's other narrower senses together, so that it stands for the term rather than one kind.
 */
function everydayWord(wn: WordNet, noun: Synset): Synset | undefined {
  if (tagged(wn, noun) > 0) return undefined;
  const narrower = noun.pointers
    .filter((p) => p.symbol === '~')
    .flatMap((p) => wn.synset(p.to) ?? [])
    .filter((s) => NOUN_FILES.has(s.lexFile))
    .map((s) => ({ s, n: tagged(wn, s) }))
    .sort((a, b) => b.n - a.n);
  const [top, ...rest] = narrower;
  if (!top || top.n < EVERYDAY_MIN) return undefined;
  return top.n > rest.reduce((sum, r) => sum + r.n, 0) ? top.s : undefined;
}

/**
 * The body nouns a relational adjective's gloss offers as one another's alternatives, when its
 * pertainym is one of them: "cerebral: of or relating to the cerebrum or brain" relates to the
 * brain too, which its pointer (to the cerebrum, not a concept of the terminology) does not say.
 * Every alternative must be a body or condition noun and every pointer target among them, so an
 * adjective about two things ("of the atria and ventricles") or about something else is not read.
 */
function glossAlternatives(wn: WordNet, adjective: Synset): Set<string> {
  const named = /^of or relating to (?:the |an? )?([a-z' -]+?)(?:;|$)/.exec(adjective.gloss)?.[1];
  const parts = named?.split(' or ').map((p) => p.replace(/^(?:the|an?) /, '').trim()) ?? [];
  if (parts.length < 2) return new Set();
  const keys = parts.map((p) => wn.lookup(p).find((s) => isNoun(s) && NOUN_FILES.has(s.lexFile))?.key);
  if (keys.some((k) => !k)) return new Set();
  const all = new Set(keys as string[]);
  const targets = adjective.pointers.filter((p) => p.symbol === '\\').map((p) => p.to);
  return targets.every((t) => all.has(t)) ? all : new Set();
}

/** Lemmas of the hypernyms that reach a concept within HYPERNYM_LEVELS, and of the senses between. */
function bridgedHypernyms(wn: WordNet, from: Synset, concepts: Set<string>): string[] {
  const out: string[] = [];
  const climb = (s: Synset, path: Synset[]) => {
    for (const p of s.pointers) {
      const up = p.symbol === '@' || p.symbol === '@i' ? wn.synset(p.to) : undefined;
      if (!up || !NOUN_FILES.has(up.lexFile)) continue;
      if (up.words.some((w) => concepts.has(w))) {
        for (const between of [...path, up]) out.push(...between.words);
        climb(up, []);
      } else if (path.length + 1 < HYPERNYM_LEVELS) climb(up, [...path, up]);
    }
  };
  climb(from, []);
  return out;
}

export function synonymTable(terminology: Terminology, wn: WordNet): SynonymTable {
  const { texts, concepts, modifierWords } = vocabulary(terminology);
  const terms: Record<string, string[]> = {};
  const broader: Record<string, string[]> = {};
  const segments: Record<string, string[]> = {};
  for (const [id, own] of texts) {
    const added = new Set<string>();
    for (const { term, head } of own.flatMap((t) => termsOf(wn, t, modifierWords))) {
      const extras = extrasOf(wn, term, concepts);
      terms[term] = extras.same;
      for (const w of extras.same) added.add(w);
      if (head) {
        broader[term] = extras.broader;
        for (const w of extras.broader) added.add(w);
      }
    }
    // Words the segment's own texts already hold add nothing to its search record.
    const ownText = own.join(' ').toLowerCase();
    segments[id] = [...added].filter((w) => !ownText.includes(w)).sort();
  }
  return {
    source: 'WordNet 3.0 (Princeton University, WordNet licence) via Debian wordnet-base',
    generator: 'scripts/gen-synonyms.ts',
    terms: sortedRows(terms),
    broader: sortedRows(broader),
    segments: sortedRows(segments),
    spellings: spellings(wn),
  };
}

/** British spellings in their American form: ae and oe as e, our as or, -ise/-isation as -ize/-ization. */
const american = (w: string) =>
  w
    .replace(/ae|oe/g, 'e')
    .replace(/our\b/g, 'or')
    .replace(/is(e|ed|es|ing|ation|ations)\b/g, 'iz$1');

/**
 * The British and American spellings WordNet gives as lemmas of one body or condition sense
 * (tumour/tumor, oesophagus/esophagus, haemorrhage/hemorrhage), each way. Single words: a
 * phrase's spellings differ in one of them.
 */
export function spellings(wn: WordNet): Record<string, string[]> {
  const rows: Record<string, Set<string>> = {};
  for (const s of wn.synsets()) {
    if (!(isNoun(s) ? NOUN_FILES.has(s.lexFile) : pertainsTo(wn, s).length > 0)) continue;
    const single = [...new Set(s.words)].filter((w) => /^[a-z]+$/.test(w));
    for (const a of single)
      for (const b of single)
        if (a !== b && american(a) === american(b)) rows[a] = (rows[a] ?? new Set()).add(b);
  }
  return sortedRows(Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, [...v].sort()])));
}

/** Non-empty rows in code-point order of their keys: the file is stable across runs and locales. */
function sortedRows(rows: Record<string, string[]>): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(rows)
      .filter(([, v]) => v.length > 0)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
}

if (import.meta.main) {
  const table = synonymTable(loadTerminology(), loadWordNet());
  await writeOrCheck(
    new URL(`../registry/terminology/${SEARCH_SYNONYMS_FILE}`, import.meta.url),
    `${JSON.stringify(table, null, 2)}\n`,
    `registry/terminology/${SEARCH_SYNONYMS_FILE}`,
    'node scripts/gen-synonyms.ts',
  );
}
