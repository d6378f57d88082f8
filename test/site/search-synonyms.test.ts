// The search synonyms table (scripts/gen-synonyms.ts) on the real terminology and WordNet 3.0:
// the rules give tumour for tumor, hepatic for the liver, neoplasm for a carcinoma, and not the
// noise WordNet also holds (organ, lymph node for any node, the lung for the pulmonary artery).
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  extrasOf,
  type SynonymTable,
  senseOf,
  synonymTable,
  vocabulary,
} from '../../scripts/gen-synonyms.ts';
import { loadWordNet, WORDNET_DIR, type WordNet, wordnetAvailable } from '../../scripts/wordnet.ts';
import { defaultTerminologyDir, loadTerminology, SEARCH_SYNONYMS_FILE } from '../../src/registry/index.ts';
import {
  loadSearchSynonyms,
  segmentSearchWords,
  spellingVariants,
} from '../../src/site-data/search-terms.ts';
import { requirement } from '../support/requirements.ts';

const run = requirement(
  `WordNet 3.0 (${WORDNET_DIR})`,
  wordnetAvailable(),
  'Debian: apt-get install wordnet-base; scripts/ci/site.sh installs it',
)
  ? describe
  : describe.skip;

run('search synonyms from the terminology and WordNet', () => {
  let wn: WordNet;
  let table: SynonymTable;
  let concepts: Set<string>;
  beforeAll(() => {
    wn = loadWordNet();
    const terminology = loadTerminology();
    concepts = vocabulary(terminology).concepts;
    table = synonymTable(terminology, wn);
  }, 120_000);

  it('is committed as the generator writes it (node scripts/gen-synonyms.ts)', async () => {
    const committed = await readFile(`${defaultTerminologyDir}${SEARCH_SYNONYMS_FILE}`, 'utf8');
    expect(committed, `${SEARCH_SYNONYMS_FILE} is out of date: run node scripts/gen-synonyms.ts`).toBe(
      `${JSON.stringify(table, null, 2)}\n`,
    );
    expect(table.source).toContain('WordNet 3.0');
  });

  it('spells tumour and tumor, oesophagus and esophagus, oedema and edema both ways', () => {
    expect(table.terms.tumor).toEqual(expect.arrayContaining(['tumour', 'neoplasm']));
    expect(table.segments.FDG_AVID_TUMOR).toContain('tumour');
    expect(table.segments.NEOPLASM).toEqual(expect.arrayContaining(['tumor', 'tumour']));
    expect(table.segments.ESOPHAGUS).toContain('oesophagus');
    expect(table.segments.EDEMA).toContain('oedema');
    for (const [a, b] of [
      ['tumour', 'tumor'],
      ['oesophagus', 'esophagus'],
      ['haemorrhage', 'hemorrhage'],
      ['oedema', 'edema'],
    ]) {
      expect(table.spellings[a!]).toContain(b);
      expect(table.spellings[b!]).toContain(a);
    }
  });

  it('adds the Latin and Greek organ adjectives, and reads them back as the organ', () => {
    const pairs = {
      LIVER: 'hepatic',
      KIDNEY: 'renal',
      LUNG: 'pulmonary',
      HEART: 'cardiac',
      STOMACH: 'gastric',
    };
    for (const [id, adjective] of Object.entries(pairs)) expect(table.segments[id], id).toContain(adjective);
    expect(extrasOf(wn, 'hepatic', concepts).same).toContain('liver');
    expect(extrasOf(wn, 'renal', concepts).same).toContain('kidney');
    // "Left cardiac ventricular structure": the ventricles are found as the heart's.
    expect(table.segments.LEFT_VENTRICLE).toContain('heart');
    // WordNet points "cerebral" at the cerebrum only; its gloss, "of or relating to the cerebrum
    // or brain", names the brain as the alternative. "carnal" ("the body or flesh") is not read
    // so: SemCor never tags it in that sense.
    expect(table.segments.BRAIN).toContain('cerebral');
    expect(table.segments.BODY).not.toContain('carnal');
  });

  it('finds a technical term by the everyday word for it: cancer for malignant neoplasm', () => {
    // WordNet files cancer under "malignant tumor, malignant neoplasm"; SemCor tags cancer 15
    // times and the term never, and no other narrower sense comes close.
    expect(table.terms['malignant neoplasm']).toContain('cancer');
    expect(table.segments.NEOPLASM_MALIGNANT_PRIMARY).toContain('cancer');
    // A term SemCor does tag (tumor, 18 times) gets no narrower word: its kinds stay out.
    expect(table.terms.tumor).not.toContain('malignant tumor');
    expect(table.segments.NEOPLASM).not.toContain('cancer');
  });

  it('lets a broader term of the terminology reach the narrower structures', () => {
    // carcinoma -> cancer -> malignant neoplasm (the terminology's) -> tumor, neoplasm
    expect(table.broader.carcinoma).toEqual(expect.arrayContaining(['cancer', 'neoplasm', 'tumor']));
    expect(table.segments.BREAST_CARCINOMA).toEqual(expect.arrayContaining(['cancer', 'neoplasm', 'tumour']));
    expect(table.segments.NEOPLASM_MALIGNANT_PRIMARY).toContain('tumor');
    // Where a structure is ("disc of the second cervical vertebra") does not make it a bone.
    expect(table.segments.VERTEBRAE_DISK_C2C3).not.toContain('bone');
    expect(table.segments.LEFT_RIB_1).toContain('costal');
  });

  it('adds no generic or wrong-sense words', () => {
    const all = Object.values(table.segments).flat();
    for (const generic of [
      'organ',
      'body part',
      'entity',
      'structure',
      'anatomical structure',
      'abnormality',
    ])
      expect(all, generic).not.toContain(generic);
    // A phrase is one term: the pulmonary artery and valve are not the lung.
    expect(table.segments.PULMONARY_ARTERY).not.toContain('lung');
    expect(table.segments.PULMONARY_VALVE ?? []).not.toContain('lung');
    // Compounds about two organs, prefixed forms, laterality, rare or tied senses.
    for (const noise of [
      'cardiopulmonary',
      'intrapulmonary',
      'antineoplastic',
      'left hand',
      'midriff',
      'lymph node',
      // Untagged co-lemmas that also name things outside the body: the watch, the ravine.
      'ticker',
      'gorge',
    ])
      expect(all, noise).not.toContain(noise);
    expect(senseOf(wn, 'anterior')).toBeUndefined(); // an adjective, not "front tooth"
    expect(senseOf(wn, 'node')).toBeUndefined(); // lymph node or any node: WordNet cannot tell
    expect(senseOf(wn, 'vertebrae')?.words).toContain('vertebra'); // noun.exc plural
  });

  it('gives the site the words of compound ids and of free text', () => {
    const synonyms = loadSearchSynonyms();
    expect(segmentSearchWords('LIVER+CYST', synonyms)).toEqual(expect.arrayContaining(['hepatic', 'cystic']));
    expect(spellingVariants('Tumours of the oesophagus', synonyms)).toEqual(
      expect.arrayContaining(['tumors', 'esophagus']),
    );
  });
});

describe('the search synonyms table as the site reads it', () => {
  it('names the file and the fix when the table is missing or malformed', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mhub-synonyms-'));
    expect(() => loadSearchSynonyms(dir)).toThrow(
      expect.objectContaining({
        message: expect.stringContaining(path.join(dir, SEARCH_SYNONYMS_FILE)),
        hint: expect.stringContaining('node scripts/gen-synonyms.ts'),
      }),
    );
    await writeFile(path.join(dir, SEARCH_SYNONYMS_FILE), JSON.stringify({ segments: { LIVER: 'hepatic' } }));
    expect(() => loadSearchSynonyms(dir)).toThrow("field 'segments' is not a table of word lists");
  });
});
