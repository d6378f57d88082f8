// Symlinked inputs are resolved, the same under both backends: a symlinked NIfTI, a DICOM folder
// whose slices are symlinks, and an MHub-interface DICOM input (mounted as it is unless it holds
// symlinks) all give the label map the real files give. A broken link is refused by name.
import { mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runModel } from '../../src/runner/run.ts';
import { makeSeries, tools } from '../io/support.ts';
import { ensureImages, hasDocker, makePhantom, niftiVoxels, testHome } from '../runner/support.ts';
import { expectSafe, mhub, reportTally, snapshot, tempDir } from './support.ts';

reportTally('symlinks');

const BACKENDS = ['docker', 'venv'] as const;

async function segment(input: string, backend: (typeof BACKENDS)[number], out: string): Promise<Buffer> {
  const r = await runModel({ model: 'classical_ct', input, output: out, backend, home: testHome });
  return niftiVoxels(r.outputs[0]!);
}

describe.skipIf(!hasDocker || !tools.ok)('symlinked inputs under Docker and venv', () => {
  let root: string;
  beforeAll(() => {
    ensureImages();
    root = tempDir('symlinks');
  });

  it('a symlinked .nii.gz gives the same label map as the file itself, under both backends', async () => {
    const real = path.join(root, 'real');
    makePhantom(real);
    const links = path.join(root, 'links');
    mkdirSync(links);
    symlinkSync(path.join(real, 'ct.nii.gz'), path.join(links, 'ct.nii.gz'));
    const expected = niftiVoxels(path.join(real, 'expected.nii.gz'));
    for (const backend of BACKENDS) {
      const got = await segment(path.join(links, 'ct.nii.gz'), backend, path.join(root, `nii-${backend}`));
      expect(got.equals(expected), backend).toBe(true);
    }
  }, 300_000);

  it('a DICOM folder of symlinked slices (and a symlinked sub-folder) reads as the real series, under both backends', async () => {
    const series = makeSeries(path.join(root, 'series'), { size: [32, 32, 24] });
    const links = path.join(root, 'series-links');
    mkdirSync(path.join(links, 'more'), { recursive: true });
    const files = readdirSync(series).sort();
    for (const f of files.slice(0, 12)) symlinkSync(path.join('..', 'series', f), path.join(links, f));
    const rest = path.join(root, 'rest');
    mkdirSync(rest);
    for (const f of files.slice(12)) symlinkSync(path.join(series, f), path.join(rest, f));
    symlinkSync(rest, path.join(links, 'more', 'rest'));
    const results: Buffer[] = [];
    for (const backend of BACKENDS) {
      results.push(await segment(series, backend, path.join(root, `dcm-real-${backend}`)));
      results.push(await segment(links, backend, path.join(root, `dcm-links-${backend}`)));
    }
    for (const r of results) expect(r.equals(results[0]!)).toBe(true);
  }, 300_000);

  it('an MHub-interface DICOM input holding symlinks is staged (resolved), not mounted with dangling links', async () => {
    // classical_ct_mhub reads the DICOM folder inside the container: absolute links would dangle there.
    const links = path.join(root, 'series-links');
    const viaLinks = await runModel({
      model: 'classical_ct_mhub',
      input: links,
      output: path.join(root, 'mhub-links'),
    });
    const viaFiles = await runModel({
      model: 'classical_ct_mhub',
      input: path.join(root, 'series'),
      output: path.join(root, 'mhub-files'),
    });
    expect(viaLinks.outputs.map((o) => path.relative(path.join(root, 'mhub-links'), o))).toEqual(
      viaFiles.outputs.map((o) => path.relative(path.join(root, 'mhub-files'), o)),
    );
    expect(viaLinks.outputs.length).toBeGreaterThan(0);
  }, 120_000);

  it('a broken symlink in a DICOM input is refused by name (exit 3), under both backends', async () => {
    const input = path.join(root, 'broken');
    mkdirSync(input);
    for (const f of readdirSync(path.join(root, 'series')).slice(0, 4))
      symlinkSync(path.join(root, 'series', f), path.join(input, f));
    symlinkSync(path.join(root, 'gone.dcm'), path.join(input, 'gone.dcm'));
    const before = snapshot(path.join(root, 'series'));
    for (const backend of BACKENDS) {
      const out = path.join(root, `broken-${backend}`);
      const saved = process.env.MHUB_HOME;
      process.env.MHUB_HOME = testHome;
      const r = await mhub('run', 'classical_ct', '-i', input, '-o', out, '--backend', backend).finally(
        () => {
          process.env.MHUB_HOME = saved;
        },
      );
      expectSafe(
        r,
        { code: 3, message: /gone\.dcm is a symbolic link to something that does not exist/ },
        [{ target: path.join(root, 'series'), before }],
        [out],
      );
    }
  }, 300_000);
});
