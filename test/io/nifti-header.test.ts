// What the NIfTI writer claims in its header (issue 19): the space a volume is in (never
// "scanner" for a file that had no transform), and no qform that disagrees with a sheared sform.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { convert, readNifti, type Volume, writeNifti } from '../../src/io/index.ts';
import { niftiHeader } from '../../src/io/nifti.ts';
import { tempDir } from './support.ts';

const codes = (h: Buffer) => ({ qform: h.readInt16LE(252), sform: h.readInt16LE(254) });
const srow = (h: Buffer) =>
  [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => h.readFloatLE(280 + 16 * r + 4 * c)));

function volume(axes: Volume['axes'], extra: Partial<Volume> = {}): Volume {
  return {
    size: [4, 3, 2],
    spacing: [0.5, 0.5, 2],
    origin: [10, 20, 30],
    axes,
    data: new Int16Array(24),
    ...extra,
  };
}

describe('NIfTI header codes', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('writes scanner (1/1) with a matching qform for DICOM-like orthogonal grids', () => {
    const h = niftiHeader(
      volume([
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
      ]),
    );
    expect(codes(h)).toEqual({ qform: 1, sform: 1 });
  });

  it('writes qform code 0 for a sheared grid (tilted gantry): the sform alone places the slices', () => {
    const tilt = (15 * Math.PI) / 180;
    const h = niftiHeader(
      volume([
        [1, 0, 0],
        [0, 1, 0],
        [0, Math.sin(tilt), Math.cos(tilt)],
      ]),
    );
    expect(codes(h)).toEqual({ qform: 0, sform: 1 });
    // sform column k follows the slices: LPS (0, sin, cos) * 2 mm -> RAS (0, -2 sin, 2 cos).
    expect(srow(h)[1]![2]).toBeCloseTo(-2 * Math.sin(tilt), 6);
    expect(srow(h)[2]![2]).toBeCloseTo(2 * Math.cos(tilt), 6);
    expect([256, 260, 264].map((o) => h.readFloatLE(o))).toEqual([0, 0, 0]);
  });

  it('keeps a file without a transform honest: read as method 1, written back with codes 0/0', async () => {
    const file = path.join(tmp.dir, 'none.nii');
    const h = niftiHeader(
      volume(
        [
          [-1, 0, 0],
          [0, -1, 0],
          [0, 0, 1],
        ],
        { origin: [0, 0, 0] },
      ),
    );
    h.writeInt16LE(0, 252);
    h.writeInt16LE(0, 254);
    h.fill(0, 256, 328); // no quaternion, no sform
    writeFileSync(file, Buffer.concat([h, Buffer.alloc(48)]));
    const v = await readNifti(file);
    expect(v.space).toBe('none');
    expect(v.spacing).toEqual([0.5, 0.5, 2]);
    expect(v.origin).toEqual([-0, -0, 0]);
    const out = path.join(tmp.dir, 'none-out.nii');
    await writeNifti(out, v);
    expect(codes(readFileSync(out))).toEqual({ qform: 0, sform: 0 });
    // NRRD cannot say so: the user is told.
    const nrrd = await convert(file, { to: 'nrrd', out: path.join(tmp.dir, 'none.nrrd') });
    expect(nrrd.warnings).toEqual([
      expect.stringMatching(/no spatial transform .* not at patient positions/),
    ]);
    expect((await convert(file, { to: 'nifti', out: path.join(tmp.dir, 'none2.nii') })).warnings).toEqual([]);
  });

  it('keeps the space a file names (MNI stays 4, aligned stays 2)', async () => {
    for (const [space, code] of [
      ['mni', 4],
      ['aligned', 2],
    ] as const) {
      const h = niftiHeader(
        volume(
          [
            [1, 0, 0],
            [0, 1, 0],
            [0, 0, 1],
          ],
          { space },
        ),
      );
      expect(codes(h)).toEqual({ qform: code, sform: code });
      const file = path.join(tmp.dir, `${space}.nii`);
      writeFileSync(file, Buffer.concat([h, Buffer.alloc(48)]));
      expect((await readNifti(file)).space).toBe(space);
    }
  });
});
