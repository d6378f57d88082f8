// Helpers for the Slicer generator suites: which python3 to use, running it, CMake with the
// FAKE Slicer package, and what the machine offers (Docker, a venv-capable Python).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pythonCan, requirement } from '../support/requirements.ts';

export const repo = fileURLToPath(new URL('../../', import.meta.url));
export const here = fileURLToPath(new URL('./', import.meta.url));
export const fixtures = path.join(here, 'fixtures');

/** Debian's python3 has numpy and nibabel (the fake Slicer needs them); pyenv's may not. */
export const python =
  process.env.MHUB_TEST_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

/** The FAKE slicer package stores volumes as numpy arrays and reads NIfTI with nibabel. */
export const fakeSlicerPython = (): boolean =>
  requirement(
    `${python} with numpy and nibabel (the FAKE Slicer needs them)`,
    pythonCan(python, ['numpy', 'nibabel']),
    'Debian: python3-numpy python3-nibabel',
  );

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), `mhub-slicer-${prefix}-`));
}

export function runPython(args: string[], env: Record<string, string> = {}, timeout = 600_000) {
  const result = spawnSync(python, args, {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

export function checkGenerated(dir: string, extra: string[] = []) {
  const out = runPython([
    path.join(here, 'py/check_generated.py'),
    dir,
    path.join(fixtures, 'slicer-python-api.json'),
    ...extra,
  ]);
  if (out.status !== 0) throw new Error(out.stderr);
  return JSON.parse(out.stdout) as { files: number; errors: string[]; util: string[]; slm: string[] };
}

export function has(command: string, args: string[]): boolean {
  return spawnSync(command, args, { stdio: 'ignore', timeout: 30_000 }).status === 0;
}

/** Fails in CI when a tool the suite needs is missing; elsewhere the suite is skipped. */
export function need(what: string, available: boolean): boolean {
  return requirement(what, available, 'scripts/ci/slicer.sh installs it');
}

/** Configures the extension with real CMake and the FAKE Slicer package. */
export function cmakeConfigure(extensionDir: string) {
  const build = tempDir('cmake');
  const listing = path.join(build, 'listing.txt');
  const result = spawnSync(
    'cmake',
    [
      '-S',
      extensionDir,
      '-B',
      build,
      `-DSlicer_DIR=${path.join(fixtures, 'fake-slicer-cmake')}`,
      `-DFAKE_SLICER_LISTING=${listing}`,
      '-DBUILD_TESTING=ON',
    ],
    { encoding: 'utf8', timeout: 120_000 },
  );
  return { build, listing, status: result.status, output: `${result.stdout}${result.stderr}` };
}

export function walk(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? walk(full, base) : [path.relative(base, full)];
  });
}

export function dockerImageReady(image: string): boolean {
  if (!has('docker', ['info'])) return false;
  if (!has('docker', ['image', 'inspect', image])) {
    try {
      execFileSync('bash', [path.join(repo, 'models/build-images.sh')], {
        stdio: 'inherit',
        timeout: 1_200_000,
      });
    } catch {
      return false;
    }
  }
  return has('docker', ['image', 'inspect', image]);
}

/** A cache ($MHUB_HOME: venvs stamped with their pins) so repeated runs reuse environments. */
export const testCache = path.join(repo, '.cache', 'mhub-test');

let backendsMemo: string[] | undefined;

/** The launcher backends this machine can run the reference model with (docker, venv). In CI
 * both must work. */
export function availableBackends(): string[] {
  if (backendsMemo) return backendsMemo;
  const found: string[] = [];
  if (need('docker with the reference image', dockerImageReady('mhub-registry/classical_ct:1.0.0')))
    found.push('docker');
  const py311 = ['python3.11', 'python3'].some((p) =>
    has(p, ['-c', 'import sys, venv, ensurepip; sys.exit(sys.version_info[:2] != (3, 11))']),
  );
  if (need('a Python 3.11 with venv and ensurepip (the reference model pins it)', py311)) found.push('venv');
  backendsMemo = found;
  return found;
}
