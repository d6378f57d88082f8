// The catalog's text search: the words both sides cut (search-words.ts), the index the build
// writes (search-index.ts) and the engine the page runs on it (site/src/scripts/search-engine.ts),
// checked against a brute-force reading of the same rules.
import { describe, expect, it } from 'vitest';
import { SearchEngine } from '../../site/src/scripts/search-engine.ts';
import {
  FIELD_WEIGHTS,
  type SearchDoc,
  type SearchField,
  searchIndex,
} from '../../src/site-data/search-index.ts';
import { searchWords, singular, termsOf } from '../../src/site-data/search-words.ts';

const doc = (url: string, fields: Partial<Record<SearchField, string>>): SearchDoc => ({
  url,
  fields: Object.fromEntries(
    Object.keys(FIELD_WEIGHTS).map((f) => [f, fields[f as SearchField] ?? '']),
  ) as Record<SearchField, string>,
});

describe('search words', () => {
  it('cuts letters and digits of any script, lowercases and folds accents', () => {
    expect(searchWords('Vein of liver (left)')).toEqual(['vein', 'of', 'liver', 'left']);
    expect(searchWords('Sjögren’s  T2-weighted')).toEqual(['sjogren', 's', 't2', 'weighted']);
    expect(searchWords('Лёгкое 肺 القلب')).toEqual(['легкое', '肺', 'القلب']);
    expect(searchWords('  --  ')).toEqual([]);
  });

  it('cuts English plurals to the singular, leaving singular -s words alone', () => {
    const cases: [string, string][] = [
      ['kidneys', 'kidney'],
      ['arteries', 'artery'],
      ['branches', 'branch'],
      ['masses', 'mass'],
      ['boxes', 'box'],
      ['lungs', 'lung'],
      ['glass', 'glass'],
      ['pelvis', 'pelvis'],
      ['corpus', 'corpus'],
      ['ribs', 'rib'],
      ['its', 'its'],
    ];
    for (const [plural, one] of cases) expect(singular(plural), plural).toBe(one);
    expect(termsOf('arteries')).toEqual(['arteries', 'artery']);
    expect(termsOf('liver')).toEqual(['liver']);
  });
});

describe('search index', () => {
  it('weights a word by field, caps repeats, and encodes models as gaps', () => {
    const docs = [
      doc('/a/', { title: 'Liver', description: 'liver '.repeat(50) }),
      doc('/b/', { description: 'the liver' }),
      doc('/c/', { structures: 'Spleen' }),
      doc('/d/', { also: 'hepatic', description: 'liver' }),
    ];
    const index = searchIndex(docs);
    expect(index.models).toBe(4);
    expect(index.terms).toEqual([...index.terms].sort());
    const postings = (term: string) => index.postings[index.terms.indexOf(term)];
    // Models 0, 1 and 3: gaps 0, 1, 2. Model 0: title (10) + 50 description words, capped at 30.
    expect(postings('liver')).toEqual([0, 30, 1, FIELD_WEIGHTS.description, 2, FIELD_WEIGHTS.description]);
    expect(postings('spleen')).toEqual([2, FIELD_WEIGHTS.structures]);
    expect(postings('hepatic')).toEqual([3, FIELD_WEIGHTS.also]);
  });
});

describe('search engine', () => {
  const docs = [
    doc('/liver-title/', { title: 'Liver segmentation', modalities: 'CT' }),
    doc('/liver-text/', {
      title: 'Abdomen model',
      description: 'Segments the liver and the spleen.',
      modalities: 'MR',
    }),
    doc('/kidneys/', {
      title: 'Kidney tumour',
      structures: 'Left kidney. Right kidney',
      also: 'renal tumor',
    }),
    doc('/livers/', { title: 'Many livers', modalities: 'CT' }),
    doc('/arteries/', { structures: 'Pulmonary arteries', description: 'Sjögren' }),
    doc('/lung/', { title: 'Lung', structures: 'Лёгкое' }),
  ];
  const engine = new SearchEngine(searchIndex(docs));
  const urls = (q: string) => engine.search(q).map((i) => docs[i]!.url);

  it('ranks a title match over a description match, an exact word over a longer one', () => {
    expect(urls('liver')).toEqual(['/liver-title/', '/livers/', '/liver-text/']);
    // "livers" is cut to "liver": the same models, the plural title now exact.
    expect(new Set(urls('livers'))).toEqual(new Set(urls('liver')));
  });

  it('needs every word (AND), each a word prefix, in any field', () => {
    expect(urls('liver ct')).toEqual(['/liver-title/', '/livers/']);
    expect(urls('liv spl')).toEqual(['/liver-text/']);
    expect(urls('liver kidney')).toEqual([]);
    // Inside a word is not a prefix.
    expect(urls('iver')).toEqual([]);
  });

  it('finds plurals from the singular and half-typed plurals', () => {
    expect(urls('kidneys')).toEqual(['/kidneys/']);
    expect(urls('artery')).toEqual(['/arteries/']);
    expect(urls('arteri')).toEqual(['/arteries/']);
  });

  it('finds the words a model is also found by, accents folded, any script', () => {
    expect(urls('tumor')).toEqual(['/kidneys/']);
    expect(urls('RENAL')).toEqual(['/kidneys/']);
    expect(urls('sjogren')).toEqual(['/arteries/']);
    expect(urls('легк')).toEqual(['/lung/']);
  });

  it('answers an empty or wordless query with nothing', () => {
    expect(urls('')).toEqual([]);
    expect(urls(' ,; ')).toEqual([]);
  });

  it('finds exactly the models a brute-force reading of the rules finds, on random texts', () => {
    const vocabulary = [
      'liver',
      'livers',
      'lung',
      'lungs',
      'kidney',
      'node',
      'nodes',
      'nodule',
      'ct',
      'mr',
      'arteries',
    ];
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pick = () => vocabulary[Math.floor(rand() * vocabulary.length)]!;
    const many = Array.from({ length: 300 }, (_, i) =>
      doc(`/m${i}/`, { title: `${pick()} ${pick()}`, description: `${pick()} ${pick()} ${pick()}` }),
    );
    const big = new SearchEngine(searchIndex(many));
    const has = (d: SearchDoc, q: string) =>
      Object.values(d.fields)
        .flatMap((t) => searchWords(t).flatMap(termsOf))
        .some((term) => term.startsWith(singular(q)));
    for (const q of ['liver', 'lungs', 'no', 'nod', 'nodes', 'arter', 'ct liv', 'kidney mr node', 'x']) {
      const expected = many.flatMap((d, i) => (searchWords(q).every((w) => has(d, w)) ? [i] : []));
      expect(
        [...big.search(q)].sort((a, b) => a - b),
        q,
      ).toEqual(expected);
    }
  });
});
