// Left and right from first principles, not from the model's own phantom: DICOM patient
// coordinates are LPS (+x towards the patient's LEFT, PS3.3 C.7.6.2.1.1) and NIfTI world
// coordinates are RAS (+x towards the patient's RIGHT). A phantom is built here in world
// coordinates with its right lung at LPS x = -45 mm (RAS x = +45), written through src/io (as
// NIfTI on two voxel layouts, and as DICOM converted by dcm2niix, an independent converter),
// segmented by classical_ct, and the RIGHT_LUNG label's centroid is measured in world space
// from the output file's own header (src/io, and the raw sform rows read by python).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  readDicomSeg,
  readNifti,
  type Vec3,
  type Volume,
  writeDicomSeries,
  writeNifti,
} from '../../src/io/index.ts';
import { indexToPoint } from '../../src/io/volume.ts';
import { LABEL_PREFIX } from '../../src/runner/contract/index.ts';
import { runModel } from '../../src/runner/run.ts';
import { numpyPython, requirement } from '../support/requirements.ts';
import { ensureImages, hasDocker, repo, tempDir } from './support.ts';

const RIGHT_LUNG = 2;
const LEFT_LUNG = 3;
const LUNG_X = 45; // mm from the midline, LPS: the right lung at x = -45, the left at x = +45

const env = {
  ...process.env,
  PYTHONPATH: path.join(repo, 'models/classical_ct'),
  PYTHONDONTWRITEBYTECODE: '1',
};

/** A chest phantom defined in LPS millimetres; `iAxis` is the LPS direction of voxel axis i. */
function phantom(iAxis: Vec3): Volume {
  const size: Vec3 = [48, 40, 24];
  const spacing: Vec3 = [4, 4, 5];
  const jAxis: Vec3 = [0, 1, 0];
  const axes: [Vec3, Vec3, Vec3] = [iAxis, jAxis, [0, 0, 1]];
  // Centre voxel (23.5, 19.5, 11.5) at the world origin.
  const origin = [0, 1, 2].map(
    (r) => -(axes[0][r]! * 4 * 23.5 + axes[1][r]! * 4 * 19.5 + axes[2][r]! * 5 * 11.5),
  );
  const volume: Volume = { size, spacing, origin: origin as Vec3, axes, data: new Int16Array(48 * 40 * 24) };
  for (let k = 0; k < size[2]; k++)
    for (let j = 0; j < size[1]; j++)
      for (let i = 0; i < size[0]; i++) {
        const [x, y, z] = indexToPoint(volume, i, j, k);
        const inBody = (x / 80) ** 2 + (y / 65) ** 2 <= 1;
        const lung = (cx: number) => ((x - cx) / 25) ** 2 + ((y + 5) / 35) ** 2 + (z / 45) ** 2 <= 1;
        const spine = (x / 10) ** 2 + ((y - 45) / 12) ** 2 <= 1;
        let hu = -1000;
        if (inBody) hu = 40;
        if (lung(-LUNG_X) || lung(LUNG_X)) hu = -850;
        if (spine) hu = 700;
        volume.data[i + size[0] * (j + size[1] * k)] = hu;
      }
  return volume;
}

/** Mean LPS x (mm) of the voxels labelled `label`, from src/io's reading of the file. */
async function lpsCentroidX(file: string, label: number): Promise<{ x: number; voxels: number }> {
  return centroidX(await readNifti(file), label);
}

function centroidX(v: Volume, label: number): { x: number; voxels: number } {
  let sum = 0;
  let voxels = 0;
  for (let k = 0; k < v.size[2]; k++)
    for (let j = 0; j < v.size[1]; j++)
      for (let i = 0; i < v.size[0]; i++)
        if (v.data[i + v.size[0] * (j + v.size[1] * k)] === label) {
          sum += indexToPoint(v, i, j, k)[0];
          voxels++;
        }
  return { x: sum / voxels, voxels };
}

/** Mean RAS x of `label` from the raw header (sform row x), and the x axis code of the i axis. */
function rasCentroidX(file: string, label: number): { x: number; iAxis: string } {
  const code = `
import gzip, struct, sys, numpy as np
raw = gzip.open(sys.argv[1]).read()
dims = struct.unpack('<8h', raw[40:56]); off = int(struct.unpack('<f', raw[108:112])[0])
assert struct.unpack('<h', raw[254:256])[0] > 0, 'no sform'
srow_x = np.array(struct.unpack('<4f', raw[280:296]))
nx, ny, nz = dims[1:4]
data = np.frombuffer(raw[off:off + nx * ny * nz], np.uint8).reshape((nz, ny, nx)).transpose(2, 1, 0)
i, j, k = np.nonzero(data == int(sys.argv[2]))
x = srow_x[0] * i + srow_x[1] * j + srow_x[2] * k + srow_x[3]
srow = [np.array(struct.unpack('<4f', raw[280 + 16 * r:296 + 16 * r]))[:3] for r in range(3)]
col = np.array([srow[r][0] for r in range(3)]); r = int(np.argmax(np.abs(col)))
print(float(x.mean()), ('LR', 'PA', 'IS')[r][int(col[r] > 0)])
`;
  const [x, iAxis] = execFileSync('python3', ['-c', code, file, String(label)], { encoding: 'utf8' })
    .trim()
    .split(' ');
  return { x: Number(x), iAxis: iAxis! };
}

/** Runs classical_ct on the folder holding ct.nii.gz; returns its segmentation file. */
function segment(dir: string): string {
  const run = spawnSync('python3', ['-m', 'classical_ct', dir, path.join(dir, 'out')], {
    env,
    encoding: 'utf8',
  });
  expect(run.status, run.stderr).toBe(0);
  return path.join(dir, 'out/segmentation.nii.gz');
}

async function expectRightLungOnPatientRight(seg: string, iAxisCode: string): Promise<void> {
  const right = await lpsCentroidX(seg, RIGHT_LUNG);
  const left = await lpsCentroidX(seg, LEFT_LUNG);
  expect(right.voxels).toBeGreaterThan(500);
  expect(left.voxels).toBeGreaterThan(500);
  // LPS: the patient's right is x < 0.
  expect(right.x).toBeCloseTo(-LUNG_X, 0);
  expect(left.x).toBeCloseTo(LUNG_X, 0);
  // The same from the raw sform (RAS: the patient's right is x > 0), and the axis code of i
  // (what nibabel's aff2axcodes would say for the first axis).
  const ras = rasCentroidX(seg, RIGHT_LUNG);
  expect(ras.x).toBeCloseTo(LUNG_X, 0);
  expect(ras.iAxis).toBe(iAxisCode);
}

describe.runIf(numpyPython())("classical_ct puts RIGHT_LUNG on the patient's right", () => {
  it('NIfTI with voxel i along RAS +x (towards the patient right): i axis code R', async () => {
    const dir = await tempDir('lat-ras');
    await writeNifti(path.join(dir, 'ct.nii.gz'), phantom([-1, 0, 0]));
    await expectRightLungOnPatientRight(segment(dir), 'R');
  });

  it('NIfTI with voxel i along LPS +x (towards the patient left): i axis code L', async () => {
    const dir = await tempDir('lat-lps');
    await writeNifti(path.join(dir, 'ct.nii.gz'), phantom([1, 0, 0]));
    await expectRightLungOnPatientRight(segment(dir), 'L');
  });

  const hasDcm2niix = requirement(
    'dcm2niix',
    spawnSync('dcm2niix', ['-h'], { stdio: 'ignore' }).error === undefined,
    'Debian: dcm2niix',
  );
  it.runIf(hasDcm2niix)('DICOM (rows along LPS +x) converted by dcm2niix', async () => {
    const dir = await tempDir('lat-dcm');
    await writeDicomSeries(path.join(dir, 'dicom'), phantom([1, 0, 0]));
    const conv = path.join(dir, 'conv');
    mkdirSync(conv);
    execFileSync('dcm2niix', ['-z', 'y', '-f', 'ct', '-o', conv, path.join(dir, 'dicom')], { stdio: 'pipe' });
    expect(readdirSync(conv)).toContain('ct.nii.gz');
    // Whatever voxel order dcm2niix chooses, its sform says where each voxel is.
    const seg = segment(conv);
    const right = await lpsCentroidX(seg, RIGHT_LUNG);
    expect(right.x).toBeCloseTo(-LUNG_X, 0);
    expect(rasCentroidX(seg, RIGHT_LUNG).x).toBeCloseTo(LUNG_X, 0);
  });

  it.runIf(hasDocker)('classical_ct_mhub (DICOM in, DICOM SEG out) in Docker', async () => {
    ensureImages();
    const dir = await tempDir('lat-mhub');
    await writeDicomSeries(path.join(dir, 'dicom'), phantom([1, 0, 0]));
    const result = await runModel({
      model: 'classical_ct_mhub',
      input: path.join(dir, 'dicom'),
      output: path.join(dir, 'out'),
      labels: { [`${LABEL_PREFIX}test-session`]: `laterality-${process.pid}` },
    });
    const seg = await readDicomSeg(result.outputs[0]!);
    const value = (name: string) => seg.labels.find((l) => l.name === name)?.value ?? -1;
    expect(centroidX(seg.labelMap, value('Right lung')).x).toBeCloseTo(-LUNG_X, 0);
    expect(centroidX(seg.labelMap, value('Left lung')).x).toBeCloseTo(LUNG_X, 0);
  });
});
