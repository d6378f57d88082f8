// End to end: the reference model through both backends on the phantom (identical label
// maps, correct masks), the CLI, and the mhub interface (DICOM in, DICOM SEG out).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { LABEL_PREFIX } from '../../src/runner/contract/index.ts';
import { passThroughConverter } from '../../src/runner/convert.ts';
import type { ProgressEvent } from '../../src/runner/progress-events.ts';
import { runModel } from '../../src/runner/run.ts';
import {
  containersWithLabel,
  ensureImages,
  hasDocker,
  makePhantom,
  niftiGeometry,
  niftiVoxels,
  tempDir,
  testHome,
  writePhantomDicom,
} from './support.ts';

const session = `e2e-${process.pid}`;
const labels = { [`${LABEL_PREFIX}test-session`]: session };

describe.skipIf(!hasDocker)('reference model end to end', () => {
  let phantom: string;
  beforeAll(async () => {
    ensureImages();
    phantom = await tempDir('e2e-phantom');
    makePhantom(phantom);
  });

  it('gives identical, correct label maps through Docker and the venv', async () => {
    const out = await tempDir('e2e-out');
    const events: ProgressEvent[] = [];
    const docker = await runModel({
      model: 'classical_ct',
      input: path.join(phantom, 'ct.nii.gz'),
      output: path.join(out, 'docker'),
      backend: 'docker',
      labels,
      progress: (e) => events.push(e),
    });
    const venv = await runModel({
      model: 'classical_ct',
      input: path.join(phantom, 'ct.nii.gz'),
      output: path.join(out, 'venv'),
      backend: 'venv',
      home: testHome,
      progress: (e) => events.push(e),
    });
    expect(docker.outputs).toEqual([path.join(out, 'docker/segmentation.nii.gz')]);
    expect(venv.outputs).toEqual([path.join(out, 'venv/segmentation.nii.gz')]);
    const viaDocker = niftiVoxels(docker.outputs[0]!);
    expect(viaDocker.equals(niftiVoxels(venv.outputs[0]!))).toBe(true);
    expect(viaDocker.equals(niftiVoxels(path.join(phantom, 'expected.nii.gz')))).toBe(true);
    expect(niftiGeometry(docker.outputs[0]!)).toEqual(niftiGeometry(path.join(phantom, 'ct.nii.gz')));
    // The model's JSON progress lines came through both backends as events.
    expect(events.filter((e) => e.phase === 'model' && e.done === 5)).toHaveLength(2);
    // Nothing but the results in the output folders; no container left.
    expect(readdirSync(path.join(out, 'docker'))).toEqual(['segmentation.nii.gz']);
    expect(containersWithLabel(`${LABEL_PREFIX}test-session=${session}`)).toEqual([]);
  });

  it('runs from the CLI with JSON output, reusing the warm environment', async () => {
    const out = await tempDir('e2e-cli');
    const lines: string[] = [];
    const errors: string[] = [];
    process.env.MHUB_HOME = testHome;
    const code = await main(
      [
        'run',
        'classical_ct',
        '--input',
        path.join(phantom, 'ct.nii.gz'),
        '--output',
        out,
        '--backend',
        'venv',
        '--json',
      ],
      { out: (l) => lines.push(l), err: (l) => errors.push(l), isTTY: false },
    );
    delete process.env.MHUB_HOME;
    expect(code).toBe(0);
    const result = JSON.parse(lines.at(-1)!);
    expect(result).toMatchObject({
      model: 'classical_ct',
      backend: 'venv',
      outputs: [path.join(out, 'segmentation.nii.gz')],
    });
    // --json: every progress line on stderr is a JSON event; no install happened (warm).
    const events = errors.map((l) => JSON.parse(l));
    expect(events.some((e) => e.phase === 'model')).toBe(true);
    expect(events.some((e) => e.phase === 'install')).toBe(false);
  });

  it('runs an mhub-interface image: DICOM in, DICOM SEG out, --workflow default', async () => {
    const work = await tempDir('e2e-mhub');
    writePhantomDicom(work);
    const logs: string[] = [];
    const result = await runModel({
      model: 'classical_ct_mhub',
      input: path.join(work, 'phantom/ct'),
      output: path.join(work, 'out'),
      labels,
      log: (l) => logs.push(l),
    });
    expect(result.backend).toBe('docker');
    expect(result.outputs).toHaveLength(1);
    const seg = result.outputs[0]!;
    expect(seg).toMatch(/out\/[0-9.]+\/classical_ct\.seg\.dcm$/);
    const bytes = readFileSync(seg);
    expect(bytes.subarray(128, 132).toString()).toBe('DICM');
    expect(bytes.includes(Buffer.from('1.2.840.10008.5.1.4.1.1.66.4'))).toBe(true); // Segmentation Storage
    expect(bytes.includes(Buffer.from('Lung structure'))).toBe(true);
    expect(statSync(seg).size).toBeGreaterThan(1000);
    expect(logs.some((l) => l.includes('segmenting series'))).toBe(true);
    expect(containersWithLabel(`${LABEL_PREFIX}test-session=${session}`)).toEqual([]);
  });

  it('converts through the standard I/O: DICOM in for a NIfTI model, SEG and .seg.nrrd out', async () => {
    const work = await tempDir('e2e-conv');
    writePhantomDicom(work);
    const result = await runModel({
      model: 'classical_ct',
      input: path.join(work, 'phantom/ct'),
      output: path.join(work, 'out'),
      backend: 'docker',
      outputFormats: ['native', 'seg.nrrd', 'dicomseg'],
      labels,
    });
    expect(result.outputs.map((f) => path.basename(f)).sort()).toEqual([
      'segmentation.nii.gz',
      'segmentation.seg.dcm',
      'segmentation.seg.nrrd',
    ]);
    // DICOM -> NIfTI kept the geometry: the label map is exactly the phantom's.
    const got = niftiVoxels(path.join(work, 'out/segmentation.nii.gz'));
    expect(got.equals(niftiVoxels(path.join(work, 'phantom/expected.nii.gz')))).toBe(true);
    const segNrrd = readFileSync(path.join(work, 'out/segmentation.seg.nrrd'))
      .subarray(0, 4000)
      .toString('latin1');
    expect(segNrrd).toMatch(/Segment1_Name:=Right lung/);
  });

  it('converts NIfTI in to DICOM for an mhub image, and its SEG back to NIfTI', async () => {
    const out = path.join(await tempDir('e2e-seg2nii'), 'out');
    const result = await runModel({
      model: 'classical_ct_mhub',
      input: path.join(phantom, 'ct.nii.gz'),
      output: out,
      outputFormats: ['nifti'],
      labels,
    });
    const nifti = result.outputs.find((f) => f.endsWith('.nii.gz'))!;
    expect(nifti).toMatch(/classical_ct\.nii\.gz$/);
    expect(niftiVoxels(nifti).equals(niftiVoxels(path.join(phantom, 'expected.nii.gz')))).toBe(true);
  });

  it('without the standard I/O, refuses a conversion before running anything', async () => {
    const out = path.join(await tempDir('e2e-noconv'), 'results');
    const run = runModel(
      { model: 'classical_ct_mhub', input: path.join(phantom, 'ct.nii.gz'), output: out, labels },
      passThroughConverter(),
    );
    await expect(run).rejects.toThrow(/is nifti but the model reads dicom/);
    expect(() => statSync(out)).toThrow();
  });
});
