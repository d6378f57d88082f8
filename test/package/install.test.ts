// The installable CLI (issue 13 §1): `npm pack`, `npm install -g --prefix <tmp> ./<tarball>`,
// then `mhub` from an unrelated folder: help, the bundled registry, the generator, conversions,
// the doctor, and the reference model run end to end through the venv backend and (where
// Docker is up, always in CI) the Docker backend. No site toolchain in the installed tree.
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureImages, hasDocker, makePhantom, niftiVoxels, tempDir, testHome } from '../runner/support.ts';
import { numpyPython, requirement } from '../support/requirements.ts';
import { type Installed, packAndInstall } from './install.ts';

let installed: Installed;
let work: string;
let phantom: string;
// Node 22 first on PATH: the installed bin's `#!/usr/bin/env node` must find it.
const env = {
  ...process.env,
  PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}`,
  MHUB_HOME: testHome,
  MHUB_REGISTRY: '',
};

function mhub(args: string[], cwd = work): SpawnSyncReturns<string> {
  return spawnSync(installed.bin, args, { cwd, env, encoding: 'utf8', timeout: 600_000 });
}

/** classical_ct on the phantom, from `work` (not the repository): the exact expected labels. */
function runReference(backend: 'venv' | 'docker'): void {
  const ct = path.join(phantom, 'ct.nii.gz');
  const run = mhub(['run', 'classical_ct', '-i', ct, '-o', `${backend}-out`, '--backend', backend, '--json']);
  expect(run.status, run.stderr).toBe(0);
  const got = niftiVoxels(path.join(work, `${backend}-out/segmentation.nii.gz`));
  expect(got.equals(niftiVoxels(path.join(phantom, 'expected.nii.gz')))).toBe(true);
}

// Installing the packed tarball fetches its dependencies: without the npm registry (a machine
// offline) npm would retry for many minutes, so ask once, quickly, whether it answers.
const registryAnswers =
  spawnSync('npm', ['ping', '--fetch-retries=0', '--fetch-timeout=10000'], {
    stdio: 'ignore',
    timeout: 30_000,
  }).status === 0;
const canInstall =
  requirement('the npm registry', registryAnswers, 'npm install needs it to install the packed CLI') &&
  numpyPython();

beforeAll(async () => {
  if (!canInstall) return;
  work = await tempDir('pack');
  installed = packAndInstall(work);
  phantom = await tempDir('pack-phantom');
  makePhantom(phantom);
}, 600_000);

describe.runIf(canInstall)('the packed and installed mhub', () => {
  it('ships compiled JavaScript and the data it reads, and no site toolchain', () => {
    const pkg = installed.packageDir;
    expect(existsSync(path.join(pkg, 'src'))).toBe(false);
    expect(existsSync(path.join(pkg, 'dist/cli/main.js'))).toBe(true);
    for (const asset of [
      'registry/models/classical_ct.md',
      'registry/schema/model-card.v1.schema.json',
      'registry/terminology/segdb.json',
      'templates/slicer',
      'models/classical_ct/classical_ct',
    ]) {
      expect(existsSync(path.join(pkg, asset)), asset).toBe(true);
    }
    for (const dev of ['astro', 'pagefind', 'marked', '@octokit/rest', 'vitest', 'typescript']) {
      expect(installed.dependencies, dev).not.toContain(dev);
    }
    console.log(
      `[package] tarball ${(installed.packedBytes / 1e6).toFixed(1)} MB, installed with dependencies ${(installed.installedBytes / 1e6).toFixed(0)} MB`,
    );
  });

  it('answers --help and --version, validates and indexes its bundled registry, and generates the Slicer extension', () => {
    const help = mhub(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/run <model>\s+Run a registered model/);
    const version = mhub(['--version']);
    const { version: packed } = JSON.parse(
      readFileSync(path.join(installed.packageDir, 'package.json'), 'utf8'),
    );
    expect(version.stdout.trim()).toBe(packed);
    const validate = mhub(['registry', 'validate']);
    expect(validate.stdout).toMatch(/^\d+ cards valid, 0 errors/);
    expect(validate.status).toBe(0);
    const index = mhub(['registry', 'index', '--out', 'index']);
    expect(index.status, index.stderr).toBe(0);
    expect(existsSync(path.join(work, 'index/models/classical_ct.json'))).toBe(true);
    const terms = mhub(['registry', 'new', '--find-segment', 'liver']);
    expect(terms.status, terms.stderr).toBe(0);
    expect(terms.stdout).toMatch(/^LIVER\t/m);
    // The wizard without prompts writes a card that the installed validator accepts.
    const flags = ['--name', 'cli_card', '--title', 'CLI card', '--description', 'From flags.'];
    flags.push('--modality', 'MR', '--output-type', 'classification', '--classes', 'benign,malignant');
    flags.push('--license-code', 'Apache-2.0', '--license-weights', 'NOASSERTION', '--image', 'example/cli');
    flags.push('--digest', `sha256:${'a'.repeat(64)}`);
    const card = mhub(['registry', 'new', '--yes', '--out', 'cards', ...flags]);
    expect(card.status, card.stderr).toBe(0);
    expect(mhub(['registry', 'validate', 'cards']).stdout).toMatch(/^1 card valid, 0 errors/);
    const slicer = mhub(['generate', 'slicer', '--out', 'ext', '--models', 'classical_ct']);
    expect(slicer.status, slicer.stderr).toBe(0);
    expect(readdirSync(path.join(work, 'ext'))).toContain('CMakeLists.txt');
  });

  it('converts, checks the machine, and says the site needs a clone', () => {
    const convert = mhub(['convert', path.join(phantom, 'ct.nii.gz'), '--to', 'nrrd', '--out', 'ct.nrrd']);
    expect(convert.status, convert.stderr).toBe(0);
    expect(existsSync(path.join(work, 'ct.nrrd'))).toBe(true);
    const doctor = mhub(['doctor', 'classical_ct', '--json']);
    expect(JSON.parse(doctor.stdout).some((c: { name: string }) => c.name.startsWith('classical_ct'))).toBe(
      true,
    );
    const site = mhub(['site', 'build']);
    expect(site.status).toBe(4);
    expect(site.stderr).toMatch(/^mhub: mhub site needs \S+, which this installation does not include/);
  });

  it('runs the reference model through the venv backend from an unrelated folder', () => {
    runReference('venv');
  });

  it.skipIf(!hasDocker)('runs the reference model through the Docker backend', () => {
    ensureImages();
    runReference('docker');
  });
});
