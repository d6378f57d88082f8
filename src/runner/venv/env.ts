// One Python environment per model and version under the cache: built from hash-pinned
// requirements, weights checked by sha256, stamped with the spec's hash when complete.
// A missing or different stamp means "half-built or outdated": rebuilt under a file lock.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MhubError } from '../../errors.ts';
import { writeError, writeFileAtomic } from '../../fsafe/index.ts';
import { hostOs, venvPython } from '../../platform/index.ts';
import type { CardRecord, VenvRuntime } from '../../registry/index.ts';
import { isPinnedRequirement, modelSourceDir } from '../../registry/index.ts';
import {
  cacheRoot,
  ENV,
  envHash,
  envKey,
  envPaths,
  PIP_INSTALL_FLAGS,
  packageIndexFlags,
  STAMP,
  satisfies,
  WEIGHTS_DIR,
} from '../contract/index.ts';
import type { Progress } from '../progress-events.ts';
import { downloadVerified, sha256File } from './download.ts';
import { acquireLock } from './lock.ts';
import { findPython, type PythonInfo, pythonLabel } from './python.ts';
import { ensureSource, sourceArchive } from './source-archive.ts';

export interface ModelEnv {
  root: string;
  python: string;
  /** Added to PYTHONPATH: the model's source folder, when the card names one. */
  sourceDir: string | undefined;
  weightsDir: string;
}

/** The cache root (the contract's layout: $MHUB_HOME, else the user's cache folder). */
export function mhubHome(env: NodeJS.ProcessEnv = process.env): string {
  return cacheRoot(env, os.homedir());
}

/** The source folder named by the card (source.path), relative to the registry's repository root. */
export function sourceDir(record: CardRecord, runtime: VenvRuntime): string | undefined {
  if (!runtime.source?.path) return undefined;
  return modelSourceDir(
    path.resolve(path.dirname(record.file), '..', '..'),
    runtime.source.path,
    record.file,
  );
}

export function specHash(runtime: VenvRuntime, pythonVersion: string): string {
  return envHash(envKey(runtime), pythonVersion);
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
  /**
   * Build without network (`mhub load`): pip installs from the folder `wheels` only, and a file
   * the card downloads by url is taken from `files/<sha256>` when it is there.
   */
  offline?: { wheels: string; files: string };
}

export async function ensureEnv(record: CardRecord, options: EnsureOptions): Promise<ModelEnv> {
  const card = record.card;
  const runtime = card.runtimes.venv;
  if (!runtime)
    throw new MhubError('INVALID_INPUT', `${record.file} has no runtimes.venv`, 'use --backend docker');
  const { root, lock, weights } = envPaths(options.home, card.name, card.version);
  const smuggled = runtime.requirements.find((line) => !isPinnedRequirement(line));
  if (smuggled !== undefined) {
    throw new MhubError(
      'INVALID_INPUT',
      `${record.file}: runtimes.venv.requirements '${JSON.stringify(smuggled).slice(1, 61)}' is not one hash-pinned line`,
      'write name==version --hash=sha256:<64 hex>, one requirement per list item',
    );
  }
  // The code: a folder of the repository (source.path), or an archive unpacked into the cache.
  const archive = sourceArchive(record, runtime, options.home);
  const src = archive ? archive.dir : sourceDir(record, runtime);
  if (!archive && src && !(await stat(src).catch(() => undefined))?.isDirectory()) {
    throw new MhubError(
      'INVALID_INPUT',
      `${record.file}: runtimes.venv.source.path ${runtime.source?.path} is not a folder (${src})`,
      'point source.path at the model code, relative to the repository root',
    );
  }
  const result: ModelEnv = {
    root,
    python: venvPython(root, { os: hostOs() }),
    sourceDir: src,
    weightsDir: weights,
  };
  // Fast path: a complete environment for this very spec (no Python probing, no lock).
  const stamp = await readStamp(root);
  if (
    stamp?.version &&
    stamp.hash === specHash(runtime, stamp.version) &&
    satisfies(stamp.version, runtime.python) &&
    (!archive || (await stat(archive.dir).catch(() => undefined)))
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
    if (archive) await ensureSource(record, archive, python, options);
    if ((await readStamp(root))?.hash === hash) return result; // built meanwhile by the other run
    await build(record.file, root, runtime, python, hash, options, src);
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
  file: string,
  root: string,
  runtime: VenvRuntime,
  python: PythonInfo,
  hash: string,
  { progress, signal, offline }: EnsureOptions,
  src?: string,
): Promise<void> {
  const steps = 2 + (runtime.weights?.length ?? 0);
  let step = 0;
  const say = (message: string) => progress({ phase: 'install', done: step, total: steps, message });
  await rm(root, { recursive: true, force: true });
  await mkdir(path.dirname(root), { recursive: true });
  try {
    say(`creating environment (${pythonLabel(python)} ${python.version})`);
    // No requirements: no pip in the environment either (much faster to create).
    const noPip = runtime.requirements.length === 0 ? ['--without-pip'] : [];
    const venv = await exec(
      python.command,
      [...(python.args ?? []), '-m', 'venv', ...noPip, root],
      () => {},
      signal,
    );
    if (venv.code !== 0) {
      throw new MhubError(
        'ENVIRONMENT',
        `${pythonLabel(python)} -m venv failed: ${venv.output.trim().split('\n').slice(-2).join(' ')}`,
        'install the venv module (Debian/Ubuntu: apt install python3-venv)',
      );
    }
    step++;
    if (runtime.requirements.length > 0) {
      const requirements = path.join(root, 'requirements.txt');
      await writeFileAtomic(requirements, `${runtime.requirements.join('\n')}\n`, { force: true });
      say('installing requirements');
      const pip = await exec(
        venvPython(root, { os: hostOs() }),
        [
          '-m',
          'pip',
          'install',
          ...PIP_INSTALL_FLAGS,
          ...(offline
            ? ['--no-index', '--find-links', offline.wheels]
            : packageIndexFlags(runtime.requirements, process.env[ENV.torchIndex])),
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
    for (const [i, weight] of (runtime.weights ?? []).entries()) {
      const target = path.join(root, WEIGHTS_DIR, weight.path);
      const bundled = offline && path.join(offline.files, weight.sha256);
      if (weight.url && bundled && (await stat(bundled).catch(() => undefined)))
        await copyShipped(bundled, target);
      else if (weight.url)
        await downloadVerified(weight.url, target, weight.sha256, {
          progress,
          signal,
          where: `${file}: runtimes.venv.weights[${i}].url`,
        });
      // Weights shipped in the model's source folder (no url, e.g. models/unet_ct/weights/).
      else if (src) await copyShipped(path.join(src, 'weights', weight.path), target);
      const actual = await sha256File(target).catch(() => undefined);
      if (actual !== weight.sha256) {
        throw new MhubError('RUN_FAILED', `weights ${weight.path} are missing or do not match their sha256`);
      }
      step++;
    }
    await writeFileAtomic(
      path.join(root, STAMP),
      JSON.stringify({
        hash,
        python: python.command,
        version: python.version,
        built: new Date().toISOString(),
      }),
      { force: true }, // the environment's own stamp, in mhub's cache
    );
    say('environment ready');
  } catch (error) {
    // Never leave a half-built environment that looks usable.
    await rm(root, { recursive: true, force: true });
    if (signal?.aborted)
      throw new MhubError('CANCELLED', 'the run was cancelled while installing the environment');
    throw writeError(error, root);
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
