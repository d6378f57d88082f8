import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  convert,
  pickSeries,
  rasAffine,
  readDicomSeries,
  readNifti,
  readNrrd,
  readVolume,
  reorientTo,
  scanDicom,
  writeDicomSeries,
  writeNifti,
  writeNrrd,
} from '../../src/io/index.ts';
import { dcm2niix, makeSeries, phantomValue, pythonJson, tempDir, tools } from './support.ts';

interface Comparison {
  shapeA: number[];
  shapeB: number[];
  maxValueDiff?: number;
  maxAffineDiff: number;
}

const OBLIQUE = [0.9, 0.1, 0.1, -0.1, 0.95, 0.2];

describe.skipIf(!tools.ok)('volume conversions', () => {
  const tmp = tempDir();
  const root = tmp.dir;
  let axial: string;
  let oblique: string;
  beforeAll(() => {
    axial = makeSeries(path.join(root, 'axial'), { size: [64, 64, 20] });
    oblique = makeSeries(path.join(root, 'oblique'), {
      size: [48, 40, 12],
      orientation: OBLIQUE,
      spacing: [0.9, 0.75, 3],
      origin: [12.5, -40.25, 88],
      slope: 2,
      intercept: -1000,
    });
  });
  afterAll(() => tmp.cleanup());

  for (const [name, gz] of [
    ['axial', true],
    ['oblique', true],
    ['oblique', false],
  ] as const) {
    it(`DICOM -> NIfTI matches dcm2niix voxel for voxel (${name}, ${gz ? '.nii.gz' : '.nii'})`, async () => {
      const input = name === 'axial' ? axial : oblique;
      const ours = path.join(root, `${name}-ours${gz ? '.nii.gz' : '.nii'}`);
      const result = await convert(input, { to: 'nifti', out: ours });
      expect(result.outputs).toEqual([ours]);
      const refDir = path.join(root, `${name}-dcm2niix-${gz}`);
      mkdirSync(refDir);
      const ref = dcm2niix(input, refDir, gz);
      const cmp = pythonJson<Comparison>('compare_nifti.py', [ours, ref]);
      expect(cmp.shapeA).toEqual(cmp.shapeB);
      expect(cmp.maxValueDiff).toBe(0);
      expect(cmp.maxAffineDiff).toBeLessThan(1e-4);
    });
  }

  it('decodes an RLE-compressed series through itk-wasm, matching dcm2niix', async () => {
    const input = makeSeries(path.join(root, 'rle'), { size: [40, 32, 9], orientation: OBLIQUE, rle: true });
    const scan = await scanDicom(input);
    expect(scan.series[0]!.transferSyntaxes).toEqual(['1.2.840.10008.1.2.5']);
    expect(scan.series[0]!.problems).toEqual([]);
    const ours = path.join(root, 'rle.nii.gz');
    await convert(input, { to: 'nifti', out: ours });
    const refDir = path.join(root, 'rle-dcm2niix');
    mkdirSync(refDir);
    const cmp = pythonJson<Comparison>('compare_nifti.py', [ours, dcm2niix(input, refDir)]);
    expect(cmp.shapeA).toEqual(cmp.shapeB);
    expect(cmp.maxValueDiff).toBe(0);
    expect(cmp.maxAffineDiff).toBeLessThan(1e-4);
  });

  it('keeps the phantom geometry exactly (origin, spacing, directions)', async () => {
    const v = await readDicomSeries(pickSeries(await scanDicom(oblique)));
    expect(v.origin).toEqual([12.5, -40.25, 88]);
    expect(v.spacing[0]).toBeCloseTo(0.9, 9);
    expect(v.spacing[1]).toBeCloseTo(0.75, 9);
    expect(v.spacing[2]).toBeCloseTo(3, 5);
    expect(v.rescale).toEqual({ slope: 2, intercept: -1000 });
    const norm = Math.hypot(...OBLIQUE.slice(0, 3));
    expect(v.axes[0][0]).toBeCloseTo(0.9 / norm, 6);
  });

  it('NIfTI <-> NRRD round trip keeps values and geometry', async () => {
    const nii = path.join(root, 'rt.nii.gz');
    await convert(oblique, { to: 'nifti', out: nii });
    const nrrd = path.join(root, 'rt.nrrd');
    await convert(nii, { to: 'nrrd', out: nrrd });
    const back = path.join(root, 'rt-back.nii');
    await convert(nrrd, { to: 'nifti', out: back });
    const a = await readNifti(nii);
    const n = await readNrrd(nrrd);
    const b = await readNifti(back);
    // NRRD has no rescale: it holds the real values (2 * stored - 1000), as int16.
    expect(n.data).toBeInstanceOf(Int16Array);
    expect(n.data[5]).toBe(a.data[5]! * 2 - 1000);
    expect(b.data[5]).toBe(n.data[5]);
    const cmp = pythonJson<Comparison>('compare_nifti.py', [nii, back]);
    expect(cmp.maxValueDiff).toBe(0);
    expect(cmp.maxAffineDiff).toBeLessThan(1e-4);
    const ra = rasAffine(a);
    const rn = rasAffine(n);
    for (let r = 0; r < 3; r++)
      for (let c = 0; c < 4; c++) expect(Math.abs(ra[r]![c]! - rn[r]![c]!)).toBeLessThan(1e-4);
  });

  it('uncompressed NRRD is raw and readable', async () => {
    const { volume } = await readVolume(axial);
    const file = path.join(root, 'raw.nrrd');
    await writeNrrd(file, volume, { gzip: false });
    expect(readFileSync(file, 'latin1')).toContain('encoding: raw');
    const back = await readNrrd(file);
    expect(back.data[100]).toBe(volume.data[100]! - 1024);
  });

  it('NIfTI -> DICOM series carries identifiers and reads back in pydicom and dcm2niix', async () => {
    const nii = path.join(root, 'to-dicom.nii.gz');
    await convert(oblique, { to: 'nifti', out: nii });
    const out = path.join(root, 'series-out');
    const result = await convert(nii, { to: 'dicom', out, reference: oblique });
    expect(result.frames).toBe(12);
    const py = pythonJson<{
      count: number;
      patientId: string;
      studyUid: string;
      seriesUids: string[];
      first: number;
    }>('read_series.py', [out]);
    const ref = pickSeries(await scanDicom(oblique));
    expect(py.count).toBe(12);
    expect(py.patientId).toBe('PHANTOM1');
    expect(py.studyUid).toBe(ref.studyInstanceUid);
    expect(py.seriesUids).toHaveLength(1);
    expect(py.seriesUids[0]).not.toBe(ref.seriesInstanceUid);
    expect(py.first).toBe(phantomValue(0, 0, 0) * 2 - 1000);
    const refDir = path.join(root, 'series-out-dcm2niix');
    mkdirSync(refDir);
    const cmp = pythonJson<Comparison>('compare_nifti.py', [nii, dcm2niix(out, refDir)]);
    expect(cmp.maxValueDiff).toBe(0);
    expect(cmp.maxAffineDiff).toBeLessThan(1e-4);
  });

  it('writes float volumes as a rescaled int16 series', async () => {
    const { volume } = await readVolume(axial);
    const real = new Float32Array(volume.data.length);
    for (let n = 0; n < real.length; n++) real[n] = volume.data[n]! * 0.25 + 0.125;
    const out = path.join(root, 'float-series');
    await writeDicomSeries(out, { ...volume, data: real, rescale: undefined }, { modality: 'MR' });
    const back = await readDicomSeries(pickSeries(await scanDicom(out)));
    const { slope, intercept } = back.rescale!;
    for (const n of [0, 777, real.length - 1]) {
      expect(Math.abs(back.data[n]! * slope + intercept - real[n]!)).toBeLessThan(0.01);
    }
  });

  it('puts a RAS-ordered copy back onto the DICOM grid', async () => {
    const { volume } = await readVolume(oblique);
    // Flip i and k: the same image stored in another voxel order.
    const [nx, ny, nz] = volume.size;
    const flipped = new Int16Array(volume.data.length);
    for (let k = 0; k < nz; k++)
      for (let j = 0; j < ny; j++)
        for (let i = 0; i < nx; i++)
          flipped[nx - 1 - i + nx * (j + ny * (nz - 1 - k))] = volume.data[i + nx * (j + ny * k)]!;
    const last = (a: number, n: number) => a * (n - 1);
    const moved = {
      ...volume,
      data: flipped,
      origin: volume.origin.map(
        (o, r) =>
          o +
          last(volume.axes[0][r]! * volume.spacing[0], nx) +
          last(volume.axes[2][r]! * volume.spacing[2], nz),
      ) as [number, number, number],
      axes: [
        volume.axes[0].map((x) => -x),
        volume.axes[1],
        volume.axes[2].map((x) => -x),
      ] as typeof volume.axes,
    };
    const back = reorientTo(moved, volume)!;
    expect(back).toBeDefined();
    expect(Buffer.from(back.data.buffer).equals(Buffer.from(volume.data.buffer))).toBe(true);
    const shifted = {
      ...volume,
      origin: [volume.origin[0] + 5, volume.origin[1], volume.origin[2]] as typeof volume.origin,
    };
    expect(reorientTo(shifted, volume)).toBeUndefined();
  });

  it('writes .nii and .nii.gz that read back identically', async () => {
    const { volume } = await readVolume(axial);
    const a = path.join(root, 'same.nii');
    const b = path.join(root, 'same.nii.gz');
    await writeNifti(a, volume);
    await writeNifti(b, volume, { level: 1 });
    const [va, vb] = await Promise.all([readNifti(a), readNifti(b)]);
    expect(Buffer.from(va.data.buffer).equals(Buffer.from(vb.data.buffer))).toBe(true);
    expect(va.rescale).toEqual({ slope: 1, intercept: -1024 });
  });
});
