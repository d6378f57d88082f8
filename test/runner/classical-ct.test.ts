// The reference model itself (python3 + numpy on this machine): exact masks on phantoms with
// known geometry, orientation, merged lungs, and a clear error on bad input.
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { numpyPython } from '../support/requirements.ts';
import { labelCounts, makePhantom, niftiVoxels, repo, tempDir } from './support.ts';

const env = {
  ...process.env,
  PYTHONPATH: path.join(repo, 'models/classical_ct'),
  PYTHONDONTWRITEBYTECODE: '1',
};
const py = (code: string) => execFileSync('python3', ['-c', code], { env, encoding: 'utf8' });

describe.runIf(numpyPython())('classical_ct reference model', () => {
  it('segments the phantom exactly and prints JSON progress lines', async () => {
    const dir = await tempDir('cct');
    makePhantom(dir);
    const run = spawnSync('python3', ['-m', 'classical_ct', dir, path.join(dir, 'out')], {
      env,
      encoding: 'utf8',
    });
    expect(run.status).toBe(0);
    const events = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events.at(-1)).toEqual({ phase: 'model', done: 5, total: 5, message: 'done' });
    const got = niftiVoxels(path.join(dir, 'out/segmentation.nii.gz'));
    const want = niftiVoxels(path.join(dir, 'expected.nii.gz'));
    expect(got.equals(want)).toBe(true);
    // body, right lung, left lung, bone all present; the lungs are mirror images.
    const [, body, right, left, bone] = labelCounts(got);
    expect(body).toBeGreaterThan(40_000);
    expect(right).toBe(left);
    expect(bone).toBeGreaterThan(1000);
  });

  it('reads left and right from the affine, and splits merged lungs at the midline', () => {
    const out = py(`
import numpy as np
from classical_ct import phantom, segment
ct, expected, affine = phantom.make()
# Same voxels, x axis no longer flipped: the patient's right (RAS +x) is now at large i.
flipped = affine.copy(); flipped[0, 0] = -flipped[0, 0]
labels = segment.segment(ct, flipped)
swapped = expected.copy(); swapped[expected == 2] = 3; swapped[expected == 3] = 2
print(int((labels != swapped).sum()))
# A bridge of air joins the lungs: one component, split at the body's midline (i = 32).
bridged = ct.copy(); bridged[20:44, 20:24, 18:22] = -850
labels = segment.segment(bridged, affine)
i = np.broadcast_to(np.arange(ct.shape[0])[:, None, None], ct.shape)
print(int((labels == 2).sum() > 4000), int((labels == 3).sum() > 4000))
print(int(((labels == 2) & (i >= 32)).sum()), int(((labels == 3) & (i < 32)).sum()))
`);
    const [mismatch, both, sides] = out.trim().split('\n');
    expect(mismatch).toBe('0');
    expect(both).toBe('1 1');
    expect(sides).toBe('0 0'); // x flipped: right lung only at i < 32 (RAS x > 0), left only above
  });

  it('reads an uncompressed ct.nii and keeps the geometry', async () => {
    const dir = await tempDir('cct-nii');
    py(`
import numpy as np
from classical_ct import nifti, phantom
ct, _, affine = phantom.make()
nifti.write_volume('${dir}/ct.nii', ct, affine)
`);
    execFileSync('python3', ['-m', 'classical_ct', dir, path.join(dir, 'out')], { env });
    const geometry = py(`
from classical_ct import nifti
a = nifti.read('${dir}/ct.nii'); b = nifti.read('${dir}/out/segmentation.nii.gz')
print(bool((a.affine == b.affine).all()), b.data.dtype, b.data.shape)
`);
    expect(geometry.trim()).toBe('True uint8 (64, 48, 40)');
  });

  it('rejects a missing or malformed input with exit 2 and one line', async () => {
    const dir = await tempDir('cct-bad');
    let run = spawnSync('python3', ['-m', 'classical_ct', dir, path.join(dir, 'out')], {
      env,
      encoding: 'utf8',
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/no ct.nii.gz or ct.nii in/);
    writeFileSync(path.join(dir, 'ct.nii'), Buffer.alloc(400));
    run = spawnSync('python3', ['-m', 'classical_ct', dir, path.join(dir, 'out')], { env, encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/not a NIfTI-1 file/);
  });
});
