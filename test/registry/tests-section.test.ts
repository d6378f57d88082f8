// The card's `tests` section: schema messages name the field and the fix, the semantic checks
// tie references to the card's outputs and workflows, and the MHub importer fills it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importMhubMeta, type MhubMeta } from '../../src/registry/import-mhub.ts';
import { loadTerminology } from '../../src/registry/terminology.ts';
import { validateCardText } from '../../src/registry/validate.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const base = readFileSync(path.join(repo, 'registry/models/classical_ct.md'), 'utf8').replace(
  /\ntests:\n[\s\S]*?(?=\n---\n)/,
  '',
);

function diagnose(tests: string): string[] {
  const text = base.replace(/\n---\n\n## Intended/, `\n${tests.trimEnd()}\n---\n\n## Intended`);
  return validateCardText(text, 'classical_ct.md', loadTerminology()).diagnostics.map(
    (d) => `${d.path}: ${d.message} -- ${d.hint}`,
  );
}

describe('the tests section of a card', () => {
  it('accepts a repository sample with a Dice rule, and url+sha256 with a tolerance', () => {
    expect(
      diagnose(`tests:
  - input: {path: models/classical_ct/tests/sample/ct.nii.gz}
    reference:
      - path: models/classical_ct/tests/reference/segmentation.nii.gz
        compare: {dice: {min: 0.99}}
  - input: {url: "https://example.org/a.zip", sha256: "${'a'.repeat(64)}", member: case1}
    reference:
      - {url: "https://example.org/b.nii.gz", sha256: "${'b'.repeat(64)}", compare: {exact: true}}`),
    ).toEqual([]);
  });

  it('asks for exactly one source, in one sentence with the fix', () => {
    expect(diagnose('tests:\n  - input: {}\n    reference:\n      - compare: {exact: true}')).toEqual([
      'tests[0].input: must give exactly one of the alternatives -- give exactly one of path (a file in this repository), url with sha256, idcSeriesInstanceUid, or mhubTestZip with member',
      'tests[0].reference[0]: must give exactly one of the alternatives -- give exactly one of path (a file in this repository), url with sha256, or mhubTestZip with member',
    ]);
    const two = diagnose(`tests:
  - input: {path: a/b, idcSeriesInstanceUid: "1.2"}
    reference:
      - url: https://x.org/a
        compare: {exact: true, dice: {min: 2}}`);
    expect(two).toContain(
      'tests[0].input: must give exactly one of the alternatives -- give exactly one of path (a file in this repository), url with sha256, idcSeriesInstanceUid, or mhubTestZip with member',
    );
    expect(two).toContain(
      "tests[0].reference[0]: has 'url' but not 'sha256' -- give exactly one of path (a file in this repository), url with sha256, or mhubTestZip with member",
    );
    expect(
      two.some((d) =>
        d.startsWith('tests[0].reference[0].compare: has more than 1 field -- give one of exact'),
      ),
    ).toBe(true);
    expect(two).toContain(
      'tests[0].reference[0].compare.dice.min: number 2 must be <= 1 -- give the lowest acceptable Dice per segment, between 0 and 1, e.g. 0.99',
    );
  });

  it('refuses paths that leave the repository and negative tolerances', () => {
    expect(
      diagnose(`tests:
  - input: {path: ../x}
    reference:
      - path: a
        compare: {tolerance: {relative: -1}}`),
    ).toEqual([
      "tests[0].input.path: '../x' is not in the expected form -- give a path relative to the repository root, e.g. models/my_model/tests/sample/ct.nii.gz (no .. and no leading /)",
      'tests[0].reference[0].compare.tolerance.relative: number -1 must be >= 0 -- give the allowed relative difference |a-b|/|b|, a number >= 0 (default 0.001)',
    ]);
  });

  it("ties references to the card's outputs and compares segmentations only by Dice", () => {
    expect(
      diagnose(`tests:
  - input: {path: a}
    reference:
      - {output: segmentaton, path: b, compare: {exact: true}}`),
    ).toEqual([
      "tests[0].reference[0].output: output 'segmentaton' is not one of the card's outputs -- use one of segmentation",
    ]);
  });
});

describe('the MHub importer', () => {
  const meta: MhubMeta = {
    name: 'synthetic_model',
    title: 'Synthetic',
    summary: {
      description: 'A synthetic model.',
      inputs: [
        { label: 'CT', description: 'CT', format: 'DICOM', modality: 'CT', bodypartexamined: 'Chest' },
      ],
      outputs: [{ type: 'Segmentation', classes: ['LIVER'] }],
    },
    details: { version: '1.0', license: { code: 'MIT', weights: 'MIT' } },
  } as MhubMeta;
  const zip = 'https://zenodo.org/record/1/files/synthetic.test.zip';

  it("fills tests from MHub's test definitions: IDC input for a one-series sample, else the archive", () => {
    const { card } = importMhubMeta(meta, {
      terminology: loadTerminology(),
      workflows: {
        test_zip: zip,
        workflows: [
          {
            workflow: 'default',
            sample_input: ['dicom/'],
            sample_output: ['1.2.3/out.seg.dcm'],
            sample_idc: { dicom: { SeriesInstanceUID: '1.2.3' } },
          },
          { workflow: 'two', sample_input: ['p1/ct/', 'p1/pt/'], sample_output: ['p1/out.seg.dcm'] },
          { workflow: 'none' },
        ],
      },
    });
    expect(card.tests).toEqual([
      {
        workflow: 'default',
        description: "MHub's test case for the default workflow",
        input: { idcSeriesInstanceUid: '1.2.3' },
        reference: [
          {
            mhubTestZip: zip,
            member: 'default/reference/1.2.3/out.seg.dcm',
            compare: { dice: { min: 0.99 } },
          },
        ],
      },
      {
        workflow: 'two',
        description: "MHub's test case for the two workflow",
        input: { mhubTestZip: zip, member: 'two/sample' },
        reference: [
          { mhubTestZip: zip, member: 'two/reference/p1/out.seg.dcm', compare: { dice: { min: 0.99 } } },
        ],
      },
    ]);
  });

  it('leaves tests out where MHub defines no test archive', () => {
    const { card } = importMhubMeta(meta, {
      terminology: loadTerminology(),
      workflows: { workflows: [{ workflow: 'default', sample_output: ['x.seg.dcm'] }] },
    });
    expect(card.tests).toBeUndefined();
  });
});
