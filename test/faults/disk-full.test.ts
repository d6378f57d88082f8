// Full disks: a REAL tmpfs mounted by the test (root; CI is root and never skips). Every write is
// checked and fsynced before it is published: a full disk is exit 4 with a message naming the
// path and the space left, nothing is published, no temp file stays, and an output being
// replaced with --force is still the old one.
import { closeSync, existsSync, openSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeAll, writeError } from '../../src/fsafe/index.ts';
import { makeSeries, tools } from '../io/support.ts';
import { ensureImages, hasDocker } from '../runner/support.ts';
import { canMount, expectSafe, mhub, reportTally, smallDisk, snapshot, tempDir } from './support.ts';

reportTally('disk-full');

const FULL = /the disk is full \(\d+(\.\d+)? MB free\); nothing was written/;

it('a write to /dev/full (ENOSPC on every write) is an exit-4 disk-full error naming the path', () => {
  const fd = openSync('/dev/full', 'w');
  let error: unknown;
  try {
    writeAll(fd, Buffer.alloc(1 << 16), '/dev/full');
  } catch (e) {
    error = writeError(e, '/dev/full');
  } finally {
    closeSync(fd);
  }
  expect(error).toMatchObject({
    code: 'ENVIRONMENT',
    message: expect.stringMatching(/could not write \/dev\/full: the disk is full/),
  });
});

describe.skipIf(!canMount || !tools.ok)('full disk (tmpfs)', () => {
  let root: string;
  let ct: string;
  beforeAll(() => {
    root = tempDir('disk');
    // 256 x 256 x 120 x 2 bytes = 15.7 MB of voxels: the "3 of 15 MB" case.
    ct = makeSeries(path.join(root, 'ct'), { size: [256, 256, 120] });
  });

  it('convert --to nifti (15 MB, uncompressed) onto a 3 MB disk: exit 4, nothing published', async () => {
    const disk = smallDisk(path.join(root, 'd1'), 3 * 1024);
    const out = path.join(disk, 'ct.nii');
    const r = await mhub('convert', ct, '--to', 'nifti', '--out', out);
    expectSafe(r, { code: 4, message: new RegExp(`could not write ${out}: ${FULL.source}`) }, [], [out]);
    expect(readdirSync(disk)).toEqual([]);
  });

  it('convert --to dicom (a folder of 120 files) onto a 2 MB disk: exit 4, no folder, no temp', async () => {
    const disk = smallDisk(path.join(root, 'd2'), 2 * 1024);
    const out = path.join(disk, 'series');
    const r = await mhub('convert', ct, '--to', 'dicom', '--out', out);
    expectSafe(r, { code: 4, message: FULL }, [], [out]);
    expect(readdirSync(disk)).toEqual([]);
  });

  it('--force over an existing output on a full disk: exit 4 and the old output is still whole', async () => {
    const disk = smallDisk(path.join(root, 'd3'), 1024);
    const out = path.join(disk, 'ct.nii');
    writeFileSync(out, Buffer.alloc(300 * 1024, 7)); // the user's earlier file
    const before = snapshot(out);
    const r = await mhub('convert', ct, '--to', 'nifti', '--out', out, '--force');
    expectSafe(r, { code: 4, message: FULL }, [{ target: out, before }]);
    expect(readdirSync(disk)).toEqual(['ct.nii']);
  });

  it('generate slicer and registry index onto a 64 KB disk: exit 4, nothing published', async () => {
    const disk = smallDisk(path.join(root, 'd4'), 64);
    for (const [args, out] of [
      [['generate', 'slicer', '--models', 'classical_ct,unet_ct'], path.join(disk, 'ext')],
      [['registry', 'index'], path.join(disk, 'api')],
    ] as const) {
      const r = await mhub(...args, '--out', out);
      expectSafe(r, { code: 4, message: FULL }, [], [out]);
      expect(readdirSync(disk)).toEqual([]);
    }
  });
});

describe.skipIf(!canMount || !tools.ok || !hasDocker)('full disk under mhub run (real Docker)', () => {
  beforeAll(() => ensureImages());

  it('run --output-format dicomseg onto disks too small for the results: exit 4 and nothing published, or complete', async () => {
    const root = tempDir('run-disk');
    const ct = makeSeries(path.join(root, 'ct'), { size: [96, 96, 60], modality: 'CT' });
    const outcomes: number[] = [];
    // From "the staged input does not fit" up to "everything but the SEG fits".
    const failedAtSeg: number[] = [];
    // Swept by size: the staged input, the workspace, then (40-48 KB) the SEG itself does not fit.
    for (const kb of [32, 36, 40, 44, 48, 56]) {
      const disk = smallDisk(path.join(root, `d${kb}`), kb);
      const out = path.join(disk, 'out');
      const r = await mhub(
        'run',
        'classical_ct',
        '-i',
        ct,
        '-o',
        out,
        '--backend',
        'docker',
        '--output-format',
        'dicomseg',
        '-q',
      );
      outcomes.push(r.code);
      if (r.code === 0) {
        // Complete: the SEG is all there (its size is what the writer meant to write).
        expect(readdirSync(out)).toEqual(['segmentation.seg.dcm']);
        continue;
      }
      expectSafe(r, { code: 4, message: FULL }, [], [path.join(out, 'segmentation.seg.dcm')]);
      expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
      if (/could not write .*segmentation\.seg\.dcm/.test(r.err)) failedAtSeg.push(kb);
    }
    expect(failedAtSeg.length, `outcomes ${outcomes}`).toBeGreaterThan(0);
    expect(outcomes.at(-1)).toBe(0); // and with room, the same run completes
  }, 300_000);
});
