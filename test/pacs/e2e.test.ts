// The whole path against a real Orthanc and the reference models under Docker: a CT study in the
// PACS, `mhub run <model> --input dicomweb+…/studies/<UID> --push dicomweb+…`, and the SEG back in
// the same study, read by pydicom, referencing the source series. A push that fails keeps the
// local result and says so.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSeries, retrievalDir, retrieveSeries, type SeriesInfo } from '../../src/pacs/index.ts';
import { ensureImages, hasDocker } from '../runner/support.ts';
import { runCli } from '../support/cli.ts';
import { freePort, hasOrthanc, type Orthanc, startOrthanc } from './orthanc.ts';
import { ctPhantomStudy, filesIn, PYTHON, tempDir } from './support.ts';

const home = tempDir('pacs-e2e-home');
process.env.MHUB_HOME = home;
process.env.MHUB_DICOMWEB_CONFIG = path.join(home, 'no-config.json');
delete process.env.MHUB_DICOMWEB_TOKEN;
delete process.env.MHUB_DICOMWEB_USER;

/** What pydicom (independent of our code) reads from a SEG file. */
function readSeg(file: string): {
  modality: string;
  study: string;
  referencedSeries: string;
  segments: number;
} {
  const code = `
import json, sys, pydicom
ds = pydicom.dcmread(sys.argv[1])
print(json.dumps({"modality": ds.Modality, "study": ds.StudyInstanceUID,
  "referencedSeries": ds.ReferencedSeriesSequence[0].SeriesInstanceUID,
  "segments": len(ds.SegmentSequence)}))`;
  return JSON.parse(execFileSync(PYTHON, ['-c', code, file], { encoding: 'utf8' }));
}

describe.runIf(hasOrthanc && hasDocker)('mhub run from and to a real Orthanc', () => {
  let orthanc: Orthanc;
  let study: string;
  let ct: string;
  let localCt: string;
  const segSeries = async () =>
    (await listSeries({ base: `${orthanc.http}/dicom-web` }, study)).filter((s) => s.modality === 'SEG');

  beforeAll(async () => {
    ensureImages();
    const phantom = await ctPhantomStudy();
    const files = phantom.files;
    localCt = path.dirname(files[0]!);
    study = phantom.study;
    ct = phantom.series;
    orthanc = await startOrthanc();
    await orthanc.upload(files);
  });
  afterAll(() => orthanc?.stop());

  /** `mhub run` with --push to the test Orthanc; expects success and returns its stdout. */
  async function runAndPush(model: string, input: string, out: string, ...extra: string[]): Promise<string> {
    const run = await runCli([
      'run',
      model,
      '-i',
      input,
      '-o',
      out,
      '--push',
      orthanc.dicomweb,
      '-q',
      ...extra,
    ]);
    expect(run.err).not.toMatch(/mhub: /);
    expect(run.code).toBe(0);
    return run.out;
  }

  async function segFrom(series: SeriesInfo): Promise<string> {
    const dir = path.join(tempDir('pacs-seg'), 'seg');
    await retrieveSeries({ base: `${orthanc.http}/dicom-web` }, study, series.uid, dir, () => {});
    const files = filesIn(dir);
    expect(files).toHaveLength(1);
    return files[0]!;
  }

  it('runs an mhub image on the study and stores its SEG in the same study', async () => {
    const out = path.join(tempDir('pacs-e2e-out'), 'results');
    const stdout = await runAndPush('classical_ct_mhub', `${orthanc.dicomweb}/studies/${study}`, out);
    expect(stdout).toMatch(/stored 1 result\(s\) on dicomweb\+http/);
    const local = stdout
      .split('\n')
      .find((l) => l.trim().endsWith('.seg.dcm'))!
      .trim();
    expect(existsSync(local)).toBe(true);
    const segs = await segSeries();
    expect(segs).toHaveLength(1);
    const seg = readSeg(await segFrom(segs[0]!));
    expect(seg).toMatchObject({ modality: 'SEG', study, referencedSeries: ct });
    expect(seg.segments).toBeGreaterThanOrEqual(3);
    // The retrieved copy of the CT (patient data) is gone once the run ended.
    expect(existsSync(retrievalDir(home, { base: `${orthanc.http}/dicom-web`, study }))).toBe(false);
    expect(statSync(path.join(home, 'dicomweb')).mode & 0o777).toBe(0o700);
  });

  it('asks a NIfTI model for a DICOM SEG when pushing, referencing the retrieved series', async () => {
    const before = (await segSeries()).map((s) => s.uid);
    const out = path.join(tempDir('pacs-e2e-files'), 'results');
    await runAndPush(
      'classical_ct',
      `${orthanc.dicomweb}/studies/${study}/series/${ct}`,
      out,
      '--backend',
      'docker',
    );
    expect(readdirSync(out).sort()).toEqual(['segmentation.nii.gz', 'segmentation.seg.dcm']);
    const added = (await segSeries()).filter((s) => !before.includes(s.uid));
    expect(added).toHaveLength(1);
    const seg = readSeg(await segFrom(added[0]!));
    expect(seg).toMatchObject({ modality: 'SEG', study, referencedSeries: ct, segments: 4 });
  });

  it('pushes the results of a run on a local DICOM folder', async () => {
    const before = (await segSeries()).length;
    const out = path.join(tempDir('pacs-e2e-local'), 'results');
    const stdout = await runAndPush('classical_ct_mhub', localCt, out);
    expect(stdout).toMatch(/stored 1 result\(s\)/);
    expect((await segSeries()).length).toBe(before + 1);
  });

  it('a push that fails keeps the local result, says where, and stores nothing (exit 4)', async () => {
    const before = (await segSeries()).length;
    const out = path.join(tempDir('pacs-e2e-nopush'), 'results');
    const port = await freePort();
    const run = await runCli([
      'run',
      'classical_ct_mhub',
      '-i',
      `${orthanc.dicomweb}/studies/${study}`,
      '-o',
      out,
      '--push',
      `dicomweb+http://127.0.0.1:${port}/dicom-web`,
      '-q',
    ]);
    expect(run.code).toBe(4);
    expect(run.err).toMatch(
      new RegExp(
        `mhub: push failed: cannot reach http://127.0.0.1:${port}/dicom-web .*; the results are kept in ${out}`,
      ),
    );
    const kept = readdirSync(out, { recursive: true }).map(String);
    expect(kept.some((f) => f.endsWith('classical_ct.seg.dcm'))).toBe(true);
    expect((await segSeries()).length).toBe(before);
  });
});
