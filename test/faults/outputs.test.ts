// Outputs never replace what the command did not create: existing outputs are refused (exit 3)
// unless --force, --force swaps only once the new output is complete, an output never sits on or
// in an input, and every command that writes goes through src/fsafe. Real files, real commands.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  labelsFromSegments,
  pickSeries,
  scanDicom,
  seriesGeometry,
  writeLabelMapNifti,
} from '../../src/io/index.ts';
import { makeSeries, tools } from '../io/support.ts';
import { expectSafe, leftovers, mhub, reportTally, snapshot, tempDir } from './support.ts';

reportTally('outputs');

const userFolder = (dir: string) => {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'notes.txt'), 'the user wrote this\n');
  writeFileSync(path.join(dir, 'scan.nii.gz'), 'a result from last week\n');
  return dir;
};

describe.skipIf(!tools.ok)('convert never replaces an input or an existing output', () => {
  let root: string;
  let ct: string;
  let seg: string;
  beforeAll(async () => {
    root = tempDir('convert');
    ct = makeSeries(path.join(root, 'study', 'ct'), { size: [24, 24, 40] });
    const grid = seriesGeometry(pickSeries(await scanDicom(ct)));
    const data = new Uint8Array(grid.size[0] * grid.size[1] * grid.size[2]);
    data.fill(1, 0, data.length / 2);
    await writeLabelMapNifti(path.join(root, 'seg.nii.gz'), { ...grid, data }, labelsFromSegments(['LIVER']));
    seg = path.join(root, 'seg.nii.gz');
  });

  it('--to dicomseg --out <the reference series>: refused, even with --force; the 40 files stay', async () => {
    const before = snapshot(ct);
    expect(Object.keys(before)).toHaveLength(40);
    for (const force of [[], ['--force']]) {
      const r = await mhub('convert', seg, '--to', 'dicomseg', '--reference', ct, '--out', ct, ...force);
      expectSafe(r, { code: 3, message: /is the input .*writing there would destroy it/ }, [
        { target: ct, before },
      ]);
    }
    expect(leftovers(path.dirname(ct))).toEqual([]);
  });

  it('--out <a folder holding other files>: refused with the fix, the folder untouched', async () => {
    const other = userFolder(path.join(root, 'results'));
    const before = snapshot(other);
    const r = await mhub('convert', seg, '--to', 'dicomseg', '--reference', ct, '--out', other);
    expectSafe(r, { code: 3, message: /already exists and is not empty.*\n.*--force/ }, [
      { target: other, before },
    ]);
  });

  it('--to dicom --out <a folder inside the input>: refused', async () => {
    const before = snapshot(ct);
    const inside = path.join(ct, 'converted');
    const r = await mhub('convert', ct, '--to', 'dicom', '--out', inside, '--force');
    expectSafe(r, { code: 3, message: /lies inside the input/ }, [{ target: ct, before }], [inside]);
  });

  it('--out <an existing file>: refused; --force replaces it only once the new one is complete', async () => {
    const target = path.join(root, 'ct.nii.gz');
    writeFileSync(target, 'an older conversion the user kept\n');
    const before = snapshot(target);
    const r = await mhub('convert', ct, '--to', 'nifti', '--out', target);
    expectSafe(r, { code: 3, message: /ct\.nii\.gz already exists; it was left as it is/ }, [
      { target, before },
    ]);
    const forced = await mhub('convert', ct, '--to', 'nifti', '--out', target, '--force');
    expect(forced.code, forced.err).toBe(0);
    expect(snapshot(target)).not.toEqual(before);
    expect(leftovers(root)).toEqual([]);
  });

  it('a label map with its sidecar: an existing sidecar is refused before the image is written', async () => {
    const out = path.join(root, 'labels', 'seg.nii.gz');
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(path.join(root, 'labels', 'seg.json'), '{"mine": true}\n');
    const before = snapshot(path.join(root, 'labels'));
    const r = await mhub(
      'convert',
      seg,
      '--to',
      'nifti',
      '--labels',
      path.join(root, 'seg.json'),
      '--out',
      out,
    );
    expectSafe(
      r,
      { code: 3, message: /seg\.json already exists/ },
      [{ target: path.join(root, 'labels'), before }],
      [out],
    );
  });
});

describe('generated folders: generate slicer, registry index, site build', () => {
  it('generate slicer --out <a user folder>: refused; its own earlier output is replaced; --force swaps safely', async () => {
    const base = tempDir('generate');
    const user = userFolder(path.join(base, 'mine'));
    const before = snapshot(user);
    const r = await mhub('generate', 'slicer', '--out', user, '--models', 'classical_ct');
    expectSafe(r, { code: 3, message: /already exists and is not empty/ }, [{ target: user, before }]);

    const ext = path.join(base, 'ext');
    expect((await mhub('generate', 'slicer', '--out', ext, '--models', 'classical_ct')).code).toBe(0);
    const again = await mhub('generate', 'slicer', '--out', ext, '--models', 'classical_ct');
    expect(again.code, again.err).toBe(0); // its own, untouched output: rebuilt in place
    writeFileSync(path.join(ext, 'my-edit.py'), '# the user added this\n');
    const edited = snapshot(ext);
    const r2 = await mhub('generate', 'slicer', '--out', ext, '--models', 'classical_ct');
    expectSafe(r2, { code: 3, message: /already exists and is not empty/ }, [
      { target: ext, before: edited },
    ]);
    const forced = await mhub('generate', 'slicer', '--out', ext, '--models', 'classical_ct', '--force');
    expect(forced.code, forced.err).toBe(0);
    expect(readdirSync(ext)).not.toContain('my-edit.py');
    expect(leftovers(base)).toEqual([]);
  });

  it('registry index --out <a user folder>: refused, untouched', async () => {
    const user = userFolder(path.join(tempDir('index'), 'api'));
    const before = snapshot(user);
    const r = await mhub('registry', 'index', '--out', user);
    expectSafe(r, { code: 3, message: /already exists and is not empty/ }, [{ target: user, before }]);
  });

  it('site build --out <a user folder>: refused before building; --out <the checkout> refused even with --force', async () => {
    const user = userFolder(path.join(tempDir('site'), 'www'));
    const before = snapshot(user);
    const r = await mhub('site', 'build', '--out', user);
    expectSafe(r, { code: 3, message: /already exists and is not empty/ }, [{ target: user, before }]);
    const repoRoot = path.resolve('.');
    const r2 = await mhub('site', 'build', '--out', repoRoot, '--force');
    tallyOnly(r2, /holds the input/);
  });
});

/** A refusal where no user data was at stake beyond the checkout itself (still counted). */
function tallyOnly(r: { code: number; err: string }, message: RegExp) {
  expectSafe({ ...r, out: '' }, { code: 3, message }, []);
}
