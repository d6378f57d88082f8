// The importer on meta.json shapes the 30 reference files do not all show.
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MhubError } from '../../src/errors.ts';
import { formatCard } from '../../src/registry/card-writer.ts';
import { importMhubMeta, type MhubMeta } from '../../src/registry/import-mhub.ts';
import {
  defaultTerminologyDir,
  loadTerminology,
  readTerminologyFiles,
  Terminology,
} from '../../src/registry/terminology.ts';
import type { TerminologyFile } from '../../src/registry/types.gen.ts';
import { validateCardText } from '../../src/registry/validate.ts';
import { runCli } from '../support/cli.ts';

function meta(overrides: Partial<MhubMeta['summary']> = {}): MhubMeta {
  return {
    id: '11111111-2222-4333-8444-555555555555',
    name: 'synthetic_model',
    title: 'Synthetic',
    summary: {
      description: 'A synthetic model.',
      inputs: [
        {
          label: 'CT',
          description: 'CT',
          format: 'DICOM',
          modality: 'CT',
          bodypartexamined: 'Whole Body',
          slicethickness: '1mm',
          'non-contrast': true,
          contrast: true,
        },
      ],
      outputs: [{ type: 'Segmentation', classes: ['LIVER'] }],
      ...overrides,
    },
    details: {
      version: '2.0',
      devteam: 'Team',
      date: { code: '2024-01-31', pub: 'March 2022' },
      license: { code: 'MIT', weights: 'CC BY 4.0' },
      cite: 'Cite me.',
    },
    info: { use: { title: 'Intended Use', text: 'Testing.' } },
  };
}

function roundTrip(m: MhubMeta, terminology = loadTerminology()) {
  const { card, body, warnings } = importMhubMeta(m, { terminology, file: 'synthetic/meta.json' });
  const text = formatCard(card, body);
  const { record, diagnostics } = validateCardText(text, 'synthetic_model.md', terminology);
  return { card, record, diagnostics, warnings };
}

describe('importMhubMeta', () => {
  it('normalises body part, contrast, dates and licences into a valid card', () => {
    const { card, record, diagnostics } = roundTrip(meta());
    expect(diagnostics).toEqual([]);
    expect(record).toBeDefined();
    expect(card.inputs[0]).toMatchObject({
      id: 'ct',
      bodyPart: 'WHOLEBODY',
      contrast: 'any',
      sliceThickness: '1 mm',
    });
    expect(card.dates).toEqual({ code: '2024-01-31', publication: '2022-03' });
    expect(card.license).toEqual({ code: 'MIT', weights: 'CC-BY-4.0' });
  });

  it('imports multi-input PET/CT, classification and pathology models', () => {
    const { card, diagnostics } = roundTrip(
      meta({
        inputs: [
          { label: 'CT image', format: 'DICOM', modality: 'CT', bodypartexamined: 'Chest' },
          { label: 'PET image', format: 'DICOM', modality: 'PET', bodypartexamined: 'Chest' },
          { label: 'Slide', format: 'DICOM', modality: 'SM', bodypartexamined: 'Breast' },
        ],
        outputs: [
          { type: 'Classification', label: 'Tumour grade', classes: ['low', 'high'] },
          { type: 'Prediction', label: 'Risk score', valueType: 'float', description: 'Risk.' },
        ],
      }),
    );
    expect(diagnostics).toEqual([]);
    expect(card.inputs.map((i) => [i.id, i.modality])).toEqual([
      ['ct', ['CT']],
      ['pet', ['PT']],
      ['wsi', ['SM']],
    ]);
    expect(card.outputs).toEqual([
      { id: 'tumour_grade', type: 'classification', label: 'Tumour grade', classes: ['low', 'high'] },
      {
        id: 'risk_score',
        type: 'prediction',
        label: 'Risk score',
        description: 'Risk.',
        valueType: 'number',
      },
    ]);
  });

  it('names the unknown class id and the file, with the fix', () => {
    const run = () =>
      importMhubMeta(meta({ outputs: [{ type: 'Segmentation', classes: ['LIVER', 'SPLEEN_CAPSULE'] }] }), {
        terminology: loadTerminology(),
        file: 'x/meta.json',
      });
    expect(run).toThrow(MhubError);
    expect(run).toThrow(
      "x/meta.json: summary.outputs[0].classes[1]: 'SPLEEN_CAPSULE' is not in the terminology",
    );
  });

  it('suggests the entry an unknown class id names by synonym or code, or keeps it for the wizard', () => {
    const fgt = meta({ outputs: [{ type: 'Segmentation', classes: ['FGT'] }] });
    const terminology = loadTerminology();
    const error = (() => {
      try {
        importMhubMeta(fgt, { terminology, file: 'x/meta.json' });
      } catch (e) {
        return e as MhubError;
      }
      throw new Error('expected the import to fail');
    })();
    expect(error.message).toBe("x/meta.json: summary.outputs[0].classes[0]: 'FGT' is not in the terminology");
    expect(error.hint).toMatch(
      /^if it means BREAST_FIBROGLANDULAR_TISSUE \(Fibroglandular Tissue, SCT 1342375003\), use that id/,
    );
    const kept = importMhubMeta(fgt, { terminology, file: 'x/meta.json', keepUnknownClasses: true });
    expect(kept.card.outputs[0]).toMatchObject({ segments: ['FGT'] });
    expect(kept.warnings).toContain(
      "x/meta.json: summary.outputs[0].classes[0]: 'FGT' is not in the terminology; it may be BREAST_FIBROGLANDULAR_TISSUE (Fibroglandular Tissue, SCT 1342375003): map it to a terminology id",
    );
  });

  it('accepts a class outside SegDB once the terminology gains a correct entry', () => {
    const entries = readTerminologyFiles(defaultTerminologyDir) as { file: string; data: TerminologyFile }[];
    const extra: TerminologyFile = {
      source: 'test',
      categories: {},
      types: { T_SPLENIC_CAPSULE: { scheme: 'SCT', value: '84059004', meaning: 'Splenic capsule' } },
      modifiers: {},
      segments: {
        SPLEEN_CAPSULE: {
          name: 'Splenic capsule',
          category: 'C_BODY_STRUCTURE',
          type: 'T_SPLENIC_CAPSULE',
          color: [157, 108, 162],
        },
      },
    };
    const terminology = new Terminology([...entries, { file: 'extra.json', data: extra }]);
    const { diagnostics } = roundTrip(
      meta({ outputs: [{ type: 'Segmentation', classes: ['LIVER', 'SPLEEN_CAPSULE'] }] }),
      terminology,
    );
    expect(diagnostics).toEqual([]);
  });

  it('rejects a modality it cannot map, naming the field', () => {
    expect(() =>
      importMhubMeta(meta({ inputs: [{ label: 'x', format: 'DICOM', modality: 'ULTRASONIC' }] }), {
        terminology: loadTerminology(),
        file: 'm.json',
      }),
    ).toThrow("m.json: summary.inputs[0].modality 'ULTRASONIC' is not a DICOM modality");
  });
});

describe('mhub registry import-mhub', () => {
  it('writes a card from one meta.json and reports bad JSON clearly', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mhub-import-'));
    await mkdir(path.join(dir, 'in'));
    await writeFile(path.join(dir, 'in', 'meta.json'), JSON.stringify(meta()));
    const ok = await runCli([
      'registry',
      'import-mhub',
      path.join(dir, 'in', 'meta.json'),
      '--out',
      path.join(dir, 'cards'),
    ]);
    expect(ok.code).toBe(0);
    const text = await readFile(path.join(dir, 'cards', 'synthetic_model.md'), 'utf8');
    expect(text).toMatch(/^---\nname: synthetic_model\n/);
    expect((await runCli(['registry', 'validate', path.join(dir, 'cards')])).code).toBe(0);

    await writeFile(path.join(dir, 'in', 'meta.json'), '{"name": ');
    const bad = await runCli([
      'registry',
      'import-mhub',
      path.join(dir, 'in', 'meta.json'),
      '--out',
      path.join(dir, 'cards'),
    ]);
    expect(bad.code).toBe(3);
    expect(bad.err).toMatch(/meta\.json is not valid JSON/);
  });
});
