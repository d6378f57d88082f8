import { describe, expect, it } from 'vitest';
import {
  normaliseBodyPart,
  normaliseDate,
  normaliseLicence,
  normaliseModalities,
} from '../../src/registry/normalise.ts';
import {
  checkTerminology,
  defaultTerminologyDir,
  loadTerminology,
  readTerminologyFiles,
} from '../../src/registry/terminology.ts';

describe('normaliseDate', () => {
  it.each([
    ['2023-10-17', { iso: '2023-10-17' }],
    ['17.10.2023', { iso: '2023-10-17' }],
    ['07/2023', { iso: '2023-07' }],
    ['2020', { iso: '2020' }],
    ['March 2022', { iso: '2022-03' }],
    ['31/10/2017', { iso: '2017-10-31' }],
    ['05/18/24', { iso: '2024-05-18' }],
    ['30/05/22', { iso: '2022-05-30' }],
    ['', { empty: true }],
    ['n/a', { empty: true }],
  ])('%s', (text, expected) => expect(normaliseDate(text)).toEqual(expected));

  it('keeps ambiguous dates as text, saying why', () => {
    expect(normaliseDate('06/07/22')).toEqual({
      text: '06/07/22',
      note: 'could be 2022-07-06 or 2022-06-07 or 2006-07-22',
    });
    expect(normaliseDate('31.02.2020')).toEqual({ text: '31.02.2020', note: 'not a calendar date' });
    expect(normaliseDate('sometime')).toMatchObject({ note: 'unrecognised date format' });
  });
});

describe('other normalisations', () => {
  it('maps modality text to DICOM codes', () => {
    expect(normaliseModalities('MRI|CT')).toEqual({ modalities: ['MR', 'CT'], unknown: [] });
    expect(normaliseModalities('PET')).toEqual({ modalities: ['PT'], unknown: [] });
    expect(normaliseModalities('FOO')).toEqual({ modalities: [], unknown: ['FOO'] });
  });

  it('maps body parts to DICOM terms', () => {
    expect(normaliseBodyPart('Whole Body')).toBe('WHOLEBODY');
    expect(normaliseBodyPart('Chest')).toBe('CHEST');
    expect(normaliseBodyPart('n/a')).toBeUndefined();
  });

  it('maps licence text to SPDX ids and refuses to guess a version', () => {
    expect(normaliseLicence('Apache 2.0')).toEqual({ id: 'Apache-2.0' });
    expect(normaliseLicence('CC BY-NC 4.0')).toEqual({ id: 'CC-BY-NC-4.0' });
    expect(normaliseLicence('CC-BY-NC-SA-4.0')).toEqual({ id: 'CC-BY-NC-SA-4.0' });
    expect(normaliseLicence('bsd-3-clause')).toEqual({ id: 'BSD-3-Clause' });
    expect(normaliseLicence('GNU General Public License')).toMatchObject({ id: 'NOASSERTION' });
  });
});

describe('terminology', () => {
  it('resolves SegDB ids, our extensions and compound REGION+STRUCTURE ids', () => {
    const t = loadTerminology();
    expect(t.resolve('LIVER')).toMatchObject({
      name: 'Liver',
      category: { value: '123037004' },
      type: { scheme: 'SCT', value: '10200004' },
    });
    expect(t.resolve('LEFT_KIDNEY')!.modifier).toEqual({ scheme: 'SCT', value: '7771000', meaning: 'Left' });
    expect(t.resolve('BODY')).toMatchObject({ type: { value: '38266002', meaning: 'Entire body' } });
    expect(t.resolve('BONE')).toMatchObject({
      category: { value: '85756007' },
      type: { value: '272673000' },
    });
    const cyst = t.resolve('KIDNEY+CYST')!;
    expect(cyst).toMatchObject({
      name: 'Cyst of kidney',
      type: { value: '367643001' },
      region: { value: '64033007' },
    });
    expect(t.resolve('LEFT_LUNG+NEOPLASM')!.regionModifier).toMatchObject({ meaning: 'Left' });
    expect(t.resolve('NOPE')).toBeUndefined();
    expect(t.resolve('A+B+C')).toBeUndefined();
    expect(t.explainUnknown('LIVRE+CYST')).toEqual({ part: 'LIVRE', suggestion: 'LIVER' });
  });

  it('finds ids defined twice and references to codes nobody defines', () => {
    const entries = readTerminologyFiles(defaultTerminologyDir);
    expect(checkTerminology(entries)).toEqual([]);
    const broken = {
      source: 'test',
      categories: {},
      types: {},
      modifiers: {},
      segments: {
        LIVER: { name: 'Liver again', category: 'C_BODY_STRUCTURE', type: 'T_MISSING', color: [1, 2, 3] },
      },
    };
    const messages = checkTerminology([...entries, { file: 'broken.json', data: broken }]).map(
      (d) => d.message,
    );
    expect(messages).toContain(
      `'LIVER' is already defined in ${entries.find((e) => e.file.endsWith('segdb.json'))!.file}`,
    );
    expect(messages).toContain("refers to code 'T_MISSING', which no terminology file defines");
    const invalid = checkTerminology([
      {
        file: 'bad.json',
        data: { source: 'x', categories: {}, types: {}, modifiers: {}, segments: { liver: {} } },
      },
    ]);
    expect(invalid.length).toBeGreaterThan(0);
  });

  it('flags a new entry whose codes repeat an existing concept, and synonyms of unknown ids', () => {
    const entries = readTerminologyFiles(defaultTerminologyDir);
    const addition = {
      source: 'a contribution',
      categories: {},
      types: { T_FGT: { scheme: 'SCT', value: '1342375003', meaning: 'Fibroglandular tissue' } },
      modifiers: {},
      segments: {
        FIBRO_TISSUE: {
          name: 'Fibro tissue',
          category: 'C_BODY_STRUCTURE',
          type: 'T_FGT',
          modifier: 'M_RIGHT_AND_LEFT',
          color: [1, 2, 3],
        },
      },
      synonyms: { NOT_A_SEGMENT: ['x'], LIVER: ['SPLEEN'] },
    };
    const problems = checkTerminology([...entries, { file: 'addition.json', data: addition }]);
    expect(problems.map((d) => `${d.path}: ${d.message}`)).toEqual([
      expect.stringMatching(
        /^types\.T_FGT: code SCT 1342375003 is already defined as 'T_BREAST_FIBROGLANDULAR_TISSUE_STRUCTURE' in .*segdb\.json$/,
      ),
      "synonyms.NOT_A_SEGMENT: names synonyms of 'NOT_A_SEGMENT', which no terminology file defines",
      "synonyms.LIVER: 'SPLEEN' is a segment id of its own, not a synonym of 'LIVER'",
      expect.stringMatching(
        /^segments\.FIBRO_TISSUE: has the codes of 'BREAST_FIBROGLANDULAR_TISSUE' \(.*segdb\.json\): the same concept under a second id$/,
      ),
    ]);
    expect(problems.every((d) => d.file === 'addition.json')).toBe(true);
  });

  it('finds entries by name, synonym and SNOMED CT code, and suggests them for unknown ids', () => {
    const t = loadTerminology();
    expect(t.lookup('fgt')).toEqual(['BREAST_FIBROGLANDULAR_TISSUE']);
    expect(t.lookup('1342375003')).toEqual(['BREAST_FIBROGLANDULAR_TISSUE']);
    expect(t.lookup('Fibroglandular Tissue')).toEqual(['BREAST_FIBROGLANDULAR_TISSUE']);
    expect(t.explainUnknown('FGT')).toEqual({ part: 'FGT', suggestion: 'BREAST_FIBROGLANDULAR_TISSUE' });
  });
});
