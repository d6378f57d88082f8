// One Python environment per model and version under the cache: built from hash-pinned
// requirements, weights checked by sha256, stamped with the spec's hash when complete.
// A missing or different stamp means "half-built or outdated": rebuilt under a file lock.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MhubError } from '../../errors.ts';
import type { CardRecord, VenvRuntime } from '../../registry/index.ts';
import type { Progress } from '../progress-events.ts';
import { downloadVerified, sha256File } from './download.ts';
import { acquireLock } from './lock.ts';
import { findPython, type PythonInfo, satisfies } from './python.ts';

export interface ModelEnv {
  root: string;
  python: string;
  /** Added to PYTHONPATH: the model's source folder, when the card names one. */
  sourceDir: string | undefined;
  weightsDir: string;
}

export const STAMP = '.mhub-stamp.json';

/** $MHUB_HOME, else $XDG_CACHE_HOME/mhub, else ~/.cache/mhub. */
export function mhubHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MHUB_HOME) return path.resolve(env.MHUB_HOME);
  const cache = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cache, 'mhub');
}

export function envPaths(home: string, name: string, version: string): { root: string; lock: string } {
  const base = path.join(home, 'venvs', name);
  return { root: path.join(base, version), lock: path.join(base, `${version}.lock`) };
}

/** The source folder named by the card, relative to the registry's repository root. */
export function sourceDir(record: CardRecord, runtime: VenvRuntime): string | undefined {
  if (runtime.source?.url && !runtime.source.path) {
    throw new MhubError(
      'ENVIRONMENT',
      `${record.file}: runtimes.venv.source.url (a code archive) is not supported by this mhub yet`,
      'install the code as a hash-pinned requirement, or use --backend docker',
    );
  }
  if (!runtime.source?.path) return undefined;
  return path.resolve(path.dirname(record.file), '..', '..', runtime.source.path);
}

export function specHash(runtime: VenvRuntime, pythonVersion: string): string {
  const minor = pythonVersion.split('.').slice(0, 2).join('.');
  const spec = {
    python: minor,
    requirements: runtime.requirements,
    weights: runtime.weights ?? [],
    source: runtime.source,
  };
  return createHash('sha256').update(JSON.stringify(spec)).digest('hex');
}

interface Stamp {
  hash?: string;
  python?: string;
  version?: string;
}

async function readStamp(root: string): Promise<Stamp | undefined> {
  try {
    return JSON.parse(await readFile(path.join(root, STAMP), 'utf8')) as Stamp;
  } catch {
    return undefined;
  }
}

function exec(
  command: string,
  args: string[],
  onLine: (line: string) => void,
  signal?: AbortSignal,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = execFile(command, args, { maxBuffer: 64 * 2 ** 20, signal }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
    child.stdout?.on('data', (c: Buffer) => {
      for (const line of c.toString().split('\n')) if (line.trim()) onLine(line.trim());
    });
  });
}

export interface EnsureOptions {
  home: string;
  progress: Progress;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

export async function ensureEnv(record: CardRecord, options: EnsureOptions): Promise<ModelEnv> {
  const card = record.card;
  const runtime = card.runtimes.venv;
  if (!runtime)
    throw new MhubError('INVALID_INPUT', `${record.file} has no runtimes.venv`, 'use --backend docker');
  const { root, lock } = envPaths(options.home, card.name, card.version);
  const src = sourceDir(record, runtime);
  if (src && !(await stat(src).catch(() => undefined))?.isDirectory()) {
    throw new MhubError(
      'INVALID_INPUT',
      `${record.file}: runtimes.venv.source.path ${runtime.source?.path} is not a folder (${src})`,
      'point source.path at the model code, relative to the repository root',
    );
  }
  const result: ModelEnv = {
    root,
    python: path.join(root, 'bin', 'python'),
    sourceDir: src,
    weightsDir: path.join(root, 'weights'),
  };
  // Fast path: a complete environment for this very spec (no Python probing, no lock).
  const stamp = await readStamp(root);
  if (
    stamp?.version &&
    stamp.hash === specHash(runtime, stamp.version) &&
    satisfies(stamp.version, runtime.python)
  ) {
    return result;
  }
  const python = await findPython(runtime.python, options.env);
  const hash = specHash(runtime, python.version);

  await mkdir(path.dirname(lock), { recursive: true });
  const release = await acquireLock(lock, {
    signal: options.signal,
    onWait: () => options.progress({ phase: 'install', done: 0, message: 'waiting for another mhub run' }),
  });
  try {
    if ((await readStamp(root))?.hash === hash) return result; // built meanwhile by the other run
    await build(root, runtime, python, hash, options, src);
    return result;
  } finally {
    await release();
  }
}

async function copyShipped(from: string, to: string): Promise<void> {
  await mkdir(path.dirname(to), { recursive: true });
  await copyFile(from, to).catch(() => undefined); // missing: reported by the sha256 check below
}

async function build(
  root: string,
  runtime: VenvRuntime,
  python: PythonInfo,
  hash: string,
  { progress, signal }: EnsureOptions,
  src?: string,
): Promise<void> {
  const steps = 2 + (runtime.weights?.length ?? 0);
  let step = 0;
  const say = (message: string) => progress({ phase: 'install', done: step, total: steps, message });
  await rm(root, { recursive: true, force: true });
  await mkdir(path.dirname(root), { recursive: true });
  try {
    say(`creating environment (${python.command} ${python.version})`);
    // No requirements: no pip in the environment either (much faster to create).
    const noPip = runtime.requirements.length === 0 ? ['--without-pip'] : [];
    const venv = await exec(python.command, ['-m', 'venv', ...noPip, root], () => {}, signal);
    if (venv.code !== 0) {
      throw new MhubError(
        'ENVIRONMENT',
        `${python.command} -m venv failed: ${venv.output.trim().split('\n').slice(-2).join(' ')}`,
        'install the venv module (Debian/Ubuntu: apt install python3-venv)',
      );
    }
    step++;
    if (runtime.requirements.length > 0) {
      const requirements = path.join(root, 'requirements.txt');
      await writeFile(requirements, `${runtime.requirements.join('\n')}\n`);
      say('installing requirements');
      const pip = await exec(
        path.join(root, 'bin', 'python'),
        [
          '-m',
          'pip',
          'install',
          '--require-hashes',
          '--no-input',
          '--disable-pip-version-check',
          '--progress-bar',
          'off',
          '-r',
          requirements,
        ],
        (line) => {
          if (/^(Collecting|Downloading|Installing|Successfully|Processing)/.test(line))
            say(line.slice(0, 100));
        },
        signal,
      );
      if (pip.code !== 0) throw pipError(pip.output);
    }
    step++;
    for (const weight of runtime.weights ?? []) {
      const target = path.join(root, 'weights', weight.path);
      if (weight.url) await downloadVerified(weight.url, target, weight.sha256, progress, signal);
      // Weights shipped in the model's source folder (no url, e.g. models/unet_ct/weights/).
      else if (src) await copyShipped(path.join(src, 'weights', weight.path), target);
      const actual = await sha256File(target).catch(() => undefined);
      if (actual !== weight.sha256) {
        throw new MhubError('RUN_FAILED', `weights ${weight.path} are missing or do not match their sha256`);
      }
      step++;
    }
    await writeFile(
      path.join(root, STAMP),
      JSON.stringify({
        hash,
        python: python.command,
        version: python.version,
        built: new Date().toISOString(),
      }),
    );
    say('environment ready');
  } catch (error) {
    // Never leave a half-built environment that looks usable.
    await rm(root, { recursive: true, force: true });
    if (signal?.aborted)
      throw new MhubError('CANCELLED', 'the run was cancelled while installing the environment');
    throw error;
  }
}

function pipError(output: string): MhubError {
  const lines = output.trim().split('\n');
  if (/DO NOT MATCH THE HASHES/i.test(output)) {
    const detail = lines
      .filter((l) => /Expected sha256|Got|==/.test(l))
      .slice(0, 4)
      .map((l) => l.trim());
    return new MhubError(
      'ENVIRONMENT',
      `installing the requirements failed: a package does not match its pinned hash (${detail.join('; ')})`,
      'fix the --hash values in runtimes.venv.requirements (pip hash FILE, or pip-compile --generate-hashes)',
    );
  }
  const last =
    lines
      .filter((l) => /ERROR/.test(l))
      .slice(-2)
      .join(' ') || lines.slice(-2).join(' ');
  return new MhubError(
    'ENVIRONMENT',
    `installing the requirements failed: ${last}`,
    'check runtimes.venv.requirements, and that pip can reach its package index (PIP_INDEX_URL)',
  );
}
