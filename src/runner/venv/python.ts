// Finding a Python that satisfies the card's version range (the contract's PEP 440 rules).
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, realpath } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { MhubError } from '../../errors.ts';
import { executableNames, hostOs, pythonCommands } from '../../platform/index.ts';
import { pool } from '../../pool.ts';
import { ENV, satisfies } from '../contract/index.ts';

const run = promisify(execFile);

export interface PythonInfo {
  command: string;
  /** Leading arguments (the Windows py launcher's -3.11); none for a plain interpreter. */
  args?: string[];
  version: string;
}

/** How the user reads the interpreter: the command and its leading arguments. */
export const pythonLabel = (p: { command: string; args?: string[] }) =>
  [p.command, ...(p.args ?? [])].join(' ');

// A version probe starts the interpreter; behind pyenv's shims that is a bash script and pyenv
// itself, seconds on a busy machine. Probes run two at a time (not all at once, which made every
// one time out under load and reported "found: none") with a generous limit.
const PROBE_TIMEOUT_MS = 30_000;
const PROBES_AT_ONCE = 2;

interface Probe {
  version?: string;
  /** The interpreter did not answer within PROBE_TIMEOUT_MS (named in findPython's error). */
  timedOut: boolean;
}

async function probe(command: string, args: string[]): Promise<Probe> {
  try {
    const { stdout } = await run(
      command,
      [...args, '-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'],
      { timeout: PROBE_TIMEOUT_MS },
    );
    return { version: stdout.trim() || undefined, timedOut: false };
  } catch (error) {
    return { timedOut: Boolean((error as { killed?: boolean }).killed) };
  }
}

/** Candidates for this OS (src/platform): $MHUB_PYTHON first, then what is usually on PATH. */
export function pythonCandidates(env: NodeJS.ProcessEnv = process.env) {
  return pythonCommands({ os: hostOs(), env }, env[ENV.python]);
}

/** The candidate's real file on PATH (so python3 -> python3.11 is asked once), if any. */
async function onPath(command: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const dirs = /[\\/]/.test(command)
    ? ['']
    : (env.PATH ?? env.Path ?? '').split(path.delimiter).filter(Boolean);
  const files = dirs.flatMap((dir) =>
    executableNames(command, { os: hostOs(), env }).map((name) => (dir ? path.join(dir, name) : name)),
  );
  for (const file of files) {
    try {
      await access(file, constants.X_OK);
      return await realpath(file);
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The distinct Pythons found, and the candidates that did not answer in time. */
async function probePythons(env: NodeJS.ProcessEnv): Promise<{ pythons: PythonInfo[]; silent: string[] }> {
  const located = await Promise.all(
    pythonCandidates(env).map(async (c) => ({ ...c, real: await onPath(c.command, env) })),
  );
  const seen = new Set<string>();
  // The py launcher is one file for every version: it is asked once per version it is given.
  const unique = located.filter((c) => {
    const key = `${c.real}\n${c.args.join(' ')}`;
    return c.real && !seen.has(key) && seen.add(key);
  });
  const found = await pool(unique, PROBES_AT_ONCE, async ({ command, args }) => ({
    command,
    ...(args.length ? { args } : {}),
    ...(await probe(command, args)),
  }));
  const versions = new Set<string>();
  const pythons = found
    .filter((p): p is typeof p & { version: string } => {
      if (!p.version || versions.has(p.version)) return false;
      versions.add(p.version);
      return true;
    })
    .map(({ timedOut: _t, ...p }) => p);
  return { pythons, silent: found.filter((p) => p.timedOut).map(pythonLabel) };
}

export async function availablePythons(env: NodeJS.ProcessEnv = process.env): Promise<PythonInfo[]> {
  return (await probePythons(env)).pythons;
}

export async function findPython(spec: string, env: NodeJS.ProcessEnv = process.env): Promise<PythonInfo> {
  const { pythons, silent } = await probePythons(env);
  const match = pythons.find((p) => satisfies(p.version, spec));
  if (!match) {
    const have = pythons.map((p) => `${pythonLabel(p)} ${p.version}`).join(', ') || 'none';
    const slow = silent.length
      ? `; ${silent.join(', ')} did not answer within ${PROBE_TIMEOUT_MS / 1000} s (a busy machine?)`
      : '';
    throw new MhubError(
      'ENVIRONMENT',
      `no Python matching ${spec} was found (found: ${have}${slow})`,
      `install a matching Python and put it on PATH, or point ${ENV.python} at it; or use --backend docker`,
    );
  }
  return match;
}
