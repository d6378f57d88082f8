// Shared helpers for the runner suites: real Docker (never silently skipped in CI), the
// reference images, phantoms, a shared venv cache, and leftover checks by label / marker.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll } from 'vitest';
import { niftiHeader } from '../../src/io/nifti.ts';
import type { Volume } from '../../src/io/volume.ts';
import { requirement } from '../support/requirements.ts';

export const repo = fileURLToPath(new URL('../../', import.meta.url));
export const fixtureCards = path.join(repo, 'test/runner/fixtures/cards');
export const modelsDir = path.join(repo, 'registry/models');
/** One venv cache for every suite and run: environments are reused by their spec hash. */
export const testHome = path.join(os.tmpdir(), 'mhub-runner-test-home');

// pip: this machine has a local index; don't wait on retries against an unreachable PyPI.
process.env.PIP_RETRIES ??= '0';
process.env.PIP_TIMEOUT ??= '5';

function dockerUp(): boolean {
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

/** True when the Docker suites can run (see test/support/requirements.ts). */
export const hasDocker: boolean = requirement(
  'a running Docker daemon',
  dockerUp(),
  'scripts/ci/runner.sh installs and starts it',
);

/** Builds (or reuses by source hash) the reference and fixture images. */
export function ensureImages(): void {
  execFileSync('bash', [path.join(repo, 'models/build-images.sh')], { stdio: 'inherit' });
  execFileSync('bash', [path.join(repo, 'test/runner/fixtures/build-test-images.sh')], { stdio: 'inherit' });
}

export function containersWithLabel(label: string): string[] {
  return execFileSync('docker', ['ps', '-aq', '--filter', `label=${label}`], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean);
}

/** Pids of live processes whose command line contains `marker`. */
export function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const state = /State:\s*(\w)/.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1];
      if (cmd.includes(marker) && state !== 'Z') pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

const made: string[] = [];
// Temporary folders go after each test file (registered on the importing file's root suite).
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `mhub-${prefix}-`));
  made.push(dir);
  return dir;
}

/**
 * A tiny, valid ct.nii.gz whose header description tells the faulty fixture model what to do
 * (its first word: the behaviour; the second: a marker for leftover processes).
 */
export function fixtureNifti(dir: string, description: string): string {
  const volume: Volume = {
    size: [2, 2, 2],
    spacing: [1, 1, 1],
    origin: [0, 0, 0],
    axes: [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ],
    data: new Int16Array(8),
  };
  const file = path.join(dir, 'ct.nii.gz');
  writeFileSync(
    file,
    gzipSync(Buffer.concat([niftiHeader(volume, description), Buffer.from(volume.data.buffer)])),
  );
  return file;
}

/** Writes the classical_ct phantom (ct.nii.gz, expected.nii.gz) with the machine's python3. */
export function makePhantom(dir: string, size: 'small' | 'large' = 'small'): void {
  execFileSync('python3', ['-m', 'classical_ct.phantom', dir, '--size', size], {
    env: { ...process.env, PYTHONPATH: path.join(repo, 'models/classical_ct'), PYTHONDONTWRITEBYTECODE: '1' },
  });
}

/** The voxel bytes of a NIfTI-1 file (.nii.gz), after its vox_offset. */
export function niftiVoxels(file: string): Buffer {
  const raw = gunzipSync(readFileSync(file));
  const offset = raw.readFloatLE(108);
  return raw.subarray(offset);
}

/** The header fields that place the voxels in space: dims, pixdim, qform/sform codes and rows. */
export function niftiGeometry(file: string): number[] {
  const raw = gunzipSync(readFileSync(file));
  const dims = Array.from({ length: 4 }, (_, i) => raw.readInt16LE(40 + 2 * i));
  const pixdim = Array.from({ length: 4 }, (_, i) => raw.readFloatLE(76 + 4 * i));
  const codes = [raw.readInt16LE(252), raw.readInt16LE(254)];
  const srow = Array.from({ length: 12 }, (_, i) => raw.readFloatLE(280 + 4 * i));
  return [...dims, ...pixdim, ...codes, ...srow];
}

export function labelCounts(voxels: Buffer): number[] {
  const counts = [0, 0, 0, 0, 0];
  for (const v of voxels) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}

/** Runs `mhub ARGS` as a real process; `onStderr` sees the stderr so far (e.g. to send SIGINT). */
export async function spawnMhub(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; onStderr?: (stderr: string, child: ChildProcess) => void } = {},
): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [path.join(repo, 'bin/mhub.js'), ...args], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c) => {
    stderr += c;
    options.onStderr?.(stderr, child);
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stderr };
}

/** Whether Debian's docker-registry is installed (asked only by the files that need it; CI must have it). */
export function registryAvailable(): boolean {
  try {
    execFileSync('docker-registry', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env.CI) throw new Error('docker-registry is missing: scripts/ci/runner.sh installs it');
    console.warn('[registry tests] skipped: the docker-registry package is not installed');
    return false;
  }
}

/** A 127.0.0.1 port nothing listens on (taken, then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const registries: ChildProcess[] = [];

/** Starts docker-registry on a free 127.0.0.1 port, storing under `dir`; `extra`: config lines. */
export async function startRegistry(dir: string, extra = ''): Promise<string> {
  const at = `127.0.0.1:${await freePort()}`;
  const config = path.join(dir, 'config.yml');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/store\nhttp:\n  addr: ${at}\n${extra}`,
  );
  registries.push(spawn('docker-registry', ['serve', config], { stdio: 'ignore' }));
  for (let i = 0; i < 100; i++) {
    // Any answer (200, or 401 from a registry with auth) means it is up.
    if (
      await fetch(`http://${at}/v2/`).then(
        () => true,
        () => false,
      )
    )
      return at;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`docker-registry did not answer on ${at}`);
}

/** Stops every registry this test file started. */
export function stopRegistries(): void {
  for (const r of registries.splice(0)) r.kill();
}

export { writePhantomDicom } from './phantom-dicom.ts';
