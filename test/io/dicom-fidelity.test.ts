// Real-world DICOM that used to be silently wrong or refused (issue 19), and hostile DICOM
// (issue 12 §3): each checked against pydicom or dcm2niix reading the same file.
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import { correctTilt, readNifti, readNrrd, readVolume, scanDicom, writeNifti } from '../../src/io/index.ts';
import { passThroughConverter } from '../../src/runner/convert.ts';
import { ioConverter } from '../../src/runner/io-converter.ts';
import { dcm2niix, makeSeries, python, pythonJson, tempDir, tools } from './support.ts';

const PYDICOM = '/usr/lib/python3/dist-packages/pydicom/data/test_files';
const MOSAIC = '/usr/share/doc/dicom3tools/examples/0051.dcm';

function capture(): CliIO & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, isTTY: false, out: (l) => stdout.push(l), err: (l) => stderr.push(l) };
}

/** One file alone in a folder (dcm2niix converts folders). */
function alone(root: string, file: string, name = path.basename(file, '.dcm')): string {
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  copyFileSync(file, path.join(dir, path.basename(file)));
  return dir;
}

/** pydicom's real values for a file, in file order (frame, row, column). */
function pydicomVoxels(root: string, file: string): { shape: number[]; values: Float64Array } {
  const raw = path.join(root, `${path.basename(file)}.f64`);
  const r = pythonJson<{ shape: number[] }>('pydicom_voxels.py', [file, raw]);
  const b = readFileSync(raw);
  return { shape: r.shape, values: new Float64Array(b.buffer, b.byteOffset, b.length / 8) };
}

describe.skipIf(!tools.ok)('DICOM fidelity with real files', () => {
  const tmp = tempDir('mhub-dicom-');
  const root = tmp.dir;
  afterAll(() => tmp.cleanup());

  it('demosaics a Siemens MOSAIC into 72x72x20, matching dcm2niix voxel for voxel', async () => {
    const dir = alone(root, MOSAIC, 'mosaic');
    const { volume } = await readVolume(dir);
    expect(volume.size).toEqual([72, 72, 20]);
    const ours = path.join(root, 'mosaic.nii');
    await writeNifti(ours, volume);
    mkdirSync(path.join(root, 'mosaic-ref'));
    const cmp = pythonJson<{
      shapeA: number[];
      shapeB: number[];
      maxValueDiff: number;
      maxAffineDiff: number;
    }>('compare_nifti.py', [ours, dcm2niix(dir, path.join(root, 'mosaic-ref'), false)]);
    expect(cmp.shapeA).toEqual(cmp.shapeB);
    expect(cmp.maxValueDiff).toBe(0);
    expect(cmp.maxAffineDiff).toBeLessThan(1e-3);
  });

  it('refuses several MOSAIC volumes in one series (exit 3) instead of stacking them as 2-D slices', async () => {
    const dir = alone(root, MOSAIC, 'mosaic4d');
    python('make_hostile.py', ['mosaic2', MOSAIC, path.join(dir, 'second.dcm')]);
    const io = capture();
    const out = path.join(root, 'mosaic4d.nii');
    expect(await main(['convert', dir, '--to', 'nifti', '--out', out], io)).toBe(3);
    expect(io.stderr.join('\n')).toMatch(/2 Siemens MOSAIC volumes[\s\S]*giving its file/);
    expect(existsSync(out)).toBe(false);
  });

  for (const name of ['rtdose_1frame', 'rtdose', 'rtdose_expb', 'rtdose_rle_1frame']) {
    it(`applies RT Dose DoseGridScaling and frame offsets (${name}), as pydicom does`, async () => {
      const file = path.join(PYDICOM, `${name}.dcm`);
      const { volume } = await readVolume(file);
      const ref = pydicomVoxels(root, file);
      expect([...volume.size].reverse()).toEqual(ref.shape);
      const slope = volume.rescale?.slope ?? 1;
      const intercept = volume.rescale?.intercept ?? 0;
      let worst = 0;
      for (let n = 0; n < ref.values.length; n++)
        worst = Math.max(worst, Math.abs(volume.data[n]! * slope + intercept - ref.values[n]!));
      expect(worst).toBeLessThan(1e-6);
      expect(slope).not.toBe(1);
    });
  }

  it('places RT Dose frames along GridFrameOffsetVector (5 mm apart in rtdose.dcm)', async () => {
    // dcm2niix 1.0.20220720 writes these frames 1 mm apart: the standard (PS3.3 C.8.8.3.2) is the reference.
    const { volume } = await readVolume(path.join(PYDICOM, 'rtdose.dcm'));
    expect(volume.size).toEqual([10, 10, 15]);
    expect(volume.spacing).toEqual([10, 10, 5]);
    expect(volume.origin).toEqual([189.43125, 199.43125, -761.87]);
    expect(volume.axes[2]).toEqual([0, 0, 1]);
  });

  it('reads explicit VR big endian and deflated files as their little endian originals', async () => {
    const little = await readVolume(path.join(PYDICOM, 'MR_small.dcm'));
    for (const name of ['MR_small_bigendian', 'MR_small_expb']) {
      const { volume } = await readVolume(path.join(PYDICOM, `${name}.dcm`));
      expect(volume.size).toEqual(little.volume.size);
      expect(volume.origin).toEqual(little.volume.origin);
      expect(Array.from(volume.data)).toEqual(Array.from(little.volume.data));
    }
    const deflated = path.join(root, 'MR_small_deflated.dcm');
    const { execFileSync } = await import('node:child_process');
    execFileSync('dcmconv', ['+td', path.join(PYDICOM, 'MR_small.dcm'), deflated]);
    const { volume } = await readVolume(deflated);
    expect(Array.from(volume.data)).toEqual(Array.from(little.volume.data));
  });

  it('parses an implicit VR dataset stored under a JPEG transfer syntax (SC_rgb_jpeg.dcm)', async () => {
    const scan = await scanDicom(path.join(PYDICOM, 'SC_rgb_jpeg.dcm'));
    expect(scan.unreadable).toEqual([]);
    expect(scan.series[0]!.modality).toBe('OT');
  });

  it("--tilt-correct resamples a gantry-tilted series onto dcm2niix's orthogonal grid, voxels exact", async () => {
    const dir = makeSeries(path.join(root, 'tilt'), { size: [32, 24, 12], tilt: 15 });
    const { volume } = await readVolume(dir);
    const { volume: fixed, correction } = correctTilt(volume);
    expect(correction!.angleDegrees).toBeCloseTo(15, 3);
    // The phantom is linear, so bilinear resampling must reproduce it: value = 3i + 5y + 7k - 1000.
    const dv = (Math.tan((15 * Math.PI) / 180) * 2.5) / 0.7;
    const [mx, my, nz] = fixed.size;
    let worst = 0;
    for (let k = 0; k < nz; k++)
      for (let j = 0; j < my; j++)
        for (let i = 0; i < mx; i++) {
          const y = j - k * dv;
          if (y < 0 || y > 23) continue;
          worst = Math.max(
            worst,
            Math.abs(fixed.data[i + mx * (j + my * k)]! - (3 * i + 5 * y + 7 * k - 1000)),
          );
        }
    expect(worst).toBeLessThanOrEqual(0.5);
    // Geometry: dcm2niix's _Tilt_1 output (same matrix growth, same affine).
    const ours = path.join(root, 'tilt.nii');
    await writeNifti(ours, fixed);
    mkdirSync(path.join(root, 'tilt-ref'));
    dcm2niix(dir, path.join(root, 'tilt-ref'), false);
    const cmp = pythonJson<{ shapeA: number[]; shapeB: number[]; maxAffineDiff: number }>(
      'compare_nifti.py',
      [ours, path.join(root, 'tilt-ref', 'ref_Tilt_1.nii')],
    );
    expect(cmp.shapeA).toEqual(cmp.shapeB);
    expect(cmp.maxAffineDiff).toBeLessThan(1e-3);
    // The CLI warns without the option and records the choice with it.
    const plain = capture();
    expect(
      await main(['convert', dir, '--to', 'nrrd', '--out', path.join(root, 'tilt-plain.nrrd')], plain),
    ).toBe(0);
    expect(plain.stderr.join('\n')).toMatch(/15\.00 degrees off[\s\S]*--tilt-correct/);
    const io = capture();
    const out = path.join(root, 'tilt-fixed.nrrd');
    expect(await main(['convert', dir, '--to', 'nrrd', '--out', out, '--tilt-correct'], io)).toBe(0);
    expect(io.stderr.join('\n')).toMatch(/note: resampled from a 15\.00 degree/);
    expect((await readNrrd(out)).fields.mhub_tilt_correction).toMatch(/15\.00 degree/);
  });

  it('mhub run --tilt-correct: the runner converts inputs with it, and refuses it where nothing is converted', async () => {
    const dir = makeSeries(path.join(root, 'tilt-run'), { size: [16, 12, 6], tilt: 10 });
    const converter = passThroughConverter(ioConverter());
    const target = path.join(root, 'tilt-run.nii');
    const source = { path: dir, format: 'dicom' as const };
    await converter.convertInput({
      source,
      target,
      targetFormat: 'nifti',
      tiltCorrect: true,
      progress: () => {},
    });
    const staged = await readNifti(target);
    expect(staged.size[1]).toBeGreaterThan(12); // grown to hold the shifted slices
    await expect(
      converter.convertInput({
        source,
        target: path.join(root, 'tilt-run-dicom'),
        targetFormat: 'dicom',
        tiltCorrect: true,
        progress: () => {},
      }),
    ).rejects.toThrow(/--tilt-correct resamples while converting/);
  });

  it('skips an unreadable file with a warning naming it, and converts the good series', async () => {
    const dir = alone(root, path.join(PYDICOM, 'CT_small.dcm'), 'with-broken');
    copyFileSync(path.join(PYDICOM, 'MR_truncated.dcm'), path.join(dir, 'MR_truncated.dcm'));
    writeFileSync(path.join(dir, 'notes.txt'), 'not dicom');
    const listed = capture();
    expect(await main(['convert', dir, '--list'], listed)).toBe(0);
    expect(listed.stdout.join('\n')).toMatch(/MR_truncated\.dcm/);
    expect(listed.stdout.join('\n')).toMatch(/1 unreadable/);
    const io = capture();
    const out = path.join(root, 'with-broken.nii');
    expect(await main(['convert', dir, '--to', 'nifti', '--out', out], io)).toBe(0);
    expect(io.stderr.join('\n')).toMatch(/warning: .*MR_truncated\.dcm was skipped/);
    expect(existsSync(out)).toBe(true);
  });

  it('names every series and the --series fix (exit 3) when a folder holds several', async () => {
    const dir = alone(root, path.join(PYDICOM, 'CT_small.dcm'), 'two-series');
    copyFileSync(path.join(PYDICOM, 'MR_small.dcm'), path.join(dir, 'MR_small.dcm'));
    const io = capture();
    expect(await main(['convert', dir, '--to', 'nifti', '--out', path.join(root, 'two.nii')], io)).toBe(3);
    const text = io.stderr.join('\n');
    expect(text).toMatch(/holds 2 image series/);
    expect(text).toMatch(/1\.3\.6\.1\.4\.1\.5962\.1\.3\.4\.1\.20040826185059\.5457/);
    expect(text).toMatch(/--series/);
  });

  it('treats a non-DICOM file the same for --list and --to (exit 3), and names a header-less dataset', async () => {
    const text = path.join(root, 'notes.txt');
    writeFileSync(text, 'hello, not an image');
    for (const args of [['--list'], ['--to', 'nifti', '--out', path.join(root, 'notes.nii')]]) {
      const io = capture();
      expect(await main(['convert', text, ...args], io)).toBe(3);
      expect(io.stderr.join('\n')).toMatch(/notes\.txt is not a format mhub reads/);
    }
    for (const name of ['ExplVR_LitEndNoMeta.dcm', 'ExplVR_BigEndNoMeta.dcm']) {
      const bare = capture();
      expect(await main(['convert', path.join(PYDICOM, name), '--list'], bare)).toBe(3);
      expect(bare.stderr.join('\n')).toMatch(/without the Part 10 header[\s\S]*dcmconv \+F/);
    }
  });

  it('lists an object without a SeriesInstanceUID under a key --series accepts', async () => {
    const scan = await scanDicom(path.join(PYDICOM, 'UN_sequence.dcm'));
    expect(scan.series[0]!.key).not.toBe('');
    expect(scan.series[0]!.key).not.toBe('?');
    const io = capture();
    expect(await main(['convert', path.join(PYDICOM, 'UN_sequence.dcm'), '--list'], io)).toBe(0);
    expect(io.stdout.join('\n')).toMatch(/no SeriesInstanceUID/);
  });
});

describe.skipIf(!tools.ok)('hostile DICOM (issue 12 §3)', () => {
  const tmp = tempDir('mhub-dicom-hostile-');
  const root = tmp.dir;
  afterAll(() => tmp.cleanup());

  it('refuses absurd dimensions (65535x65535) with exit 3 and the numbers', async () => {
    const file = path.join(root, 'dims.dcm');
    python('make_hostile.py', ['dims', path.join(PYDICOM, 'CT_small.dcm'), file]);
    const io = capture();
    const out = path.join(root, 'dims.nii');
    expect(await main(['convert', file, '--to', 'nifti', '--out', out], io)).toBe(3);
    expect(io.stderr.join('\n')).toMatch(/65535x65535/);
    expect(io.stderr.join('\n')).not.toMatch(/allocation failed/i);
    expect(existsSync(out)).toBe(false);
  });

  for (const [kind, says] of [
    ['bomb', /bomb\.dcm[\s\S]*268435456 bytes[\s\S]*declares 32768/],
    ['bombtail', /bombtail\.dcm[\s\S]*decompresses to more than \d+ bytes/],
  ] as const) {
    it(`refuses a deflated file that inflates past what its header declares (${kind}), bounded`, async () => {
      const file = path.join(root, `${kind}.dcm`);
      python('make_hostile.py', [kind, path.join(PYDICOM, 'CT_small.dcm'), file]);
      const before = process.memoryUsage().rss;
      const io = capture();
      const out = path.join(root, `${kind}.nii`);
      expect(await main(['convert', file, '--to', 'nifti', '--out', out], io)).toBe(3);
      expect(io.stderr.join('\n')).toMatch(says);
      // The 256 MB of zeros were never inflated in full.
      expect(process.memoryUsage().rss - before).toBeLessThan(128 * 1024 * 1024);
      expect(existsSync(out)).toBe(false);
    });
  }
});
