// Every card's "Copy as BibTeX" entry, read back by a real BibTeX parser (@retorquere/bibtex-parser,
// the parser of Zotero's Better BibTeX): no parse errors, and each author a person with a surname,
// never an initial or half a name (splitting at every comma made lungmask's
// `author = {Hofmanninger and J. and ...}`).
import { parse } from '@retorquere/bibtex-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRegistry, type ModelCard } from '../../src/registry/index.ts';
import { toBibtex } from '../../src/site-data/bibtex.ts';
import { citationAuthors } from '../../src/site-data/citation-authors.ts';

interface Creator {
  lastName?: string;
  firstName?: string;
  prefix?: string;
  name?: string;
}

function readBack(bib: string) {
  const result = parse(bib);
  expect(result.errors).toEqual([]);
  expect(result.entries).toHaveLength(1);
  const entry = result.entries[0]!;
  return { entry, authors: (entry.fields.author ?? []) as unknown as Creator[] };
}

const surname = (c: Creator) => [c.prefix, c.lastName].filter(Boolean).join(' ');

describe('BibTeX of every card, read by a real parser', () => {
  let cards: ModelCard[] = [];
  beforeAll(async () => {
    cards = (await loadRegistry()).map((r) => r.card);
  });

  it('parses without errors, and every author has a surname found in the citation', () => {
    let cited = 0;
    for (const card of cards) {
      const bib = toBibtex(card);
      if (!bib) continue;
      const { entry, authors } = readBack(bib);
      expect(entry.key, card.name).toBe(card.name);
      if (card.cite) {
        cited++;
        expect(authors.length, `${card.name}: no authors read from its citation`).toBeGreaterThan(0);
      }
      for (const a of authors) {
        if (a.lastName === 'others') continue;
        expect(a.lastName, `${card.name}: ${JSON.stringify(a)}`).toMatch(/^\p{Lu}\p{Ll}/u);
        expect(a.firstName, `${card.name}: ${JSON.stringify(a)} has no given name`).toBeTruthy();
        const source = card.cite ?? card.authors?.join(', ') ?? '';
        expect(source.replace(/[{}]/g, ''), card.name).toContain(surname(a));
      }
    }
    expect(cited).toBeGreaterThanOrEqual(29); // the registry's cards that cite a paper today
  });

  it.each([
    ['lungmask', ['Hofmanninger, J.', 'Prayer, F.', 'Pan, J.'], true],
    [
      'nnunet_liver',
      ['Isensee, F.', 'Jaeger, P. F.', 'Kohl, S. A.', 'Petersen, J.', 'Maier-Hein, K. H.'],
      false,
    ],
    ['pyradiomics', ['van Griethuysen, JJM', 'Fedorov, A'], false],
    ['casust', ['Nürnberg, L', 'Bontempi, D', 'De Ruysscher, D'], true],
    ['msk_smit_lung_gtv', ['Jiang, Jue', 'Veeraraghavan, Harini'], false],
    ['gc_lunglobes', ['Xie, W.', 'Jacobs, C.', 'Charbonnier, J. -P.', 'van Ginneken, B.'], false],
    ['bamf_nnunet_ct_liver', ['Murugesan, Gowtham Krishnan', 'McCrumb, Diana'], false],
    ['gc_picai_baseline', ['Bosma, J. S.', 'Saha, A.'], false],
    ['gc_spider_baseline', ['van der Graaf, J.W.', 'van Hooff, M.L.', 'Buckens, C.F.M.'], true],
  ])('%s: the citation style is read as written', (name, first, etAl) => {
    const card = cards.find((c) => c.name === name)!;
    const read = citationAuthors(card.cite!);
    expect(read.names.slice(0, first.length)).toEqual(first);
    expect(read.etAl).toBe(etAl);
    const { authors } = readBack(toBibtex(card)!);
    expect(authors.at(-1)?.lastName === 'others').toBe(etAl);
  });

  it.each([
    [
      'Vancouver, title after the last initials',
      'Smith J, Doe AB. A title. J Med. 2020;1:2.',
      ['Smith, J', 'Doe, AB'],
    ],
    [
      'normal order, braced surname',
      'Ann Lee and Bram {van Dam}, A title, 2021',
      ['Lee, Ann', 'van Dam, Bram'],
    ],
    ['APA with ampersand', 'Roe, R., & Poe, P. Q. (2019). Title.', ['Roe, R.', 'Poe, P. Q.']],
    ['no author list at all', 'The ACME consortium report on segmentation, 2020', []],
  ])('%s', (_label, cite, names) => {
    expect(citationAuthors(cite).names).toEqual(names);
  });
});
