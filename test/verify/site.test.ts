// The catalog's view of the cards' tests: the "Tested" line read from the committed reports,
// the sample download with its run line, and the files the site serves for them.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIndex, loadRegistry, loadTerminology } from '../../src/registry/index.ts';
import { type TestExtras, testExtras, writeTestFiles } from '../../src/site-data/samples.ts';
import { buildSiteData, type SiteData } from '../../src/site-data/site-model.ts';

describe('the catalog and the committed test reports', () => {
  let data: SiteData;
  let extras: TestExtras;
  let out: string;
  beforeAll(async () => {
    const terminology = loadTerminology();
    const records = await loadRegistry();
    extras = await testExtras(records);
    data = buildSiteData(buildIndex(records, terminology), terminology, extras);
    out = await mkdtemp(path.join(tmpdir(), 'mhub-verify-site-'));
  });
  afterAll(() => rm(out, { recursive: true, force: true }));

  const page = (name: string) => data.pages.find((p) => p.entry.name === name)!;

  it('shows the date, backends and Dice of the committed report, and no figure without one', async () => {
    const report = JSON.parse(await readFile('registry/reports/classical_ct.json', 'utf8'));
    const backends = report.runs
      .filter((r: { status: string }) => r.status === 'passed')
      .map((r: { backend: string }) => r.backend);
    expect(page('classical_ct').tested).toEqual({
      verified: true,
      text: `reproduced on ${report.generated.slice(0, 10)} with ${backends.join(' and ')}, Dice 1.0 (identical) on 4 segments`,
      reportUrl: '/reports/classical_ct.json',
    });
    expect(page('totalsegmentator').tested).toEqual({
      verified: false,
      text: 'not verified by this registry',
    });
  });

  it('offers the sample input with a line that runs the model on it', () => {
    expect(page('classical_ct').sample).toEqual({
      url: '/samples/classical_ct/ct.nii.gz',
      file: 'ct.nii.gz',
      description: 'The small synthetic chest phantom (64 x 48 x 40 voxels); the model is deterministic',
      run: 'mhub run classical_ct --input ct.nii.gz --output classical_ct-output',
    });
    expect(page('classical_ct_mhub').sample).toMatchObject({
      url: '/samples/classical_ct_mhub/classical_ct_mhub-sample.zip',
      run: 'unzip -o classical_ct_mhub-sample.zip && mhub run classical_ct_mhub --input ct --output classical_ct_mhub-output --workflow default',
    });
    // An IDC series or MHub's unpinned archive is no download.
    expect(page('totalsegmentator').sample).toBeUndefined();
  });

  it('writes the sample file, the folder as a zip of its files, and the reports', async () => {
    await writeTestFiles(extras, path.join(out, 'samples'), path.join(out, 'reports'));
    const ct = await readFile(path.join(out, 'samples/classical_ct/ct.nii.gz'));
    expect(ct.equals(await readFile('models/classical_ct/tests/sample/ct.nii.gz'))).toBe(true);
    const zip = await readFile(path.join(out, 'samples/classical_ct_mhub/classical_ct_mhub-sample.zip'));
    expect(zip.readUInt32LE(0)).toBe(0x04034b50);
    // 40 slices: one central-directory record each.
    let entries = 0;
    for (
      let i = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
      i >= 0;
      i = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), i + 4)
    )
      entries++;
    expect(entries).toBe(40);
    expect(zip.includes(Buffer.from('ct/0001.dcm'))).toBe(true);
    expect((await stat(path.join(out, 'reports/classical_ct_mhub.json'))).size).toBeGreaterThan(100);
  });
});
