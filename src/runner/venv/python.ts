// Finding a Python that satisfies the card's version range (the contract's PEP 440 rules).
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, realpath } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { MhubError } from '../../errors.ts';
import { ENV, satisfies } from '../contract/index.ts';

const run = promisify(execFile);

export interface PythonInfo {
  command: string;
  version: string;
}

export async function pythonVersion(command: string): Promise<string | undefined> {
  try {
    const { stdout } = await run(command, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], {
      timeout: 10_000,
    });
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Candidates: $MHUB_PYTHON first, then versioned pythons on PATH, then python3. */
export function pythonCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const first = env[ENV.python];
  const list = first ? [first] : [];
  for (let minor = 14; minor >= 8; minor--) list.push(`python3.${minor}`);
  list.push('python3', 'python');
  return list;
}

/** The candidate's real file on PATH (so python3 -> python3.11 is asked once), if any. */
async function onPath(command: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const dirs = command.includes('/') ? [''] : (env.PATH ?? '').split(path.delimiter).filter(Boolean);
  for (const dir of dirs) {
    const file = dir ? path.join(dir, command) : command;
    try {
      await access(file, constants.X_OK);
      return await realpath(file);
    } catch {
      // not here
    }
  }
  return undefined;
}

export async function availablePythons(env: NodeJS.ProcessEnv = process.env): Promise<PythonInfo[]> {
  const located = await Promise.all(
    pythonCandidates(env).map(async (command) => ({ command, real: await onPath(command, env) })),
  );
  const seen = new Set<string>();
  const unique = located.filter((c) => c.real && !seen.has(c.real) && seen.add(c.real));
  const found = await Promise.all(
    unique.map(async ({ command }) => ({ command, version: await pythonVersion(command) })),
  );
  const versions = new Set<string>();
  return found.filter((p): p is PythonInfo => {
    if (!p.version || versions.has(p.version)) return false;
    versions.add(p.version);
    return true;
  });
}

export async function findPython(spec: string, env: NodeJS.ProcessEnv = process.env): Promise<PythonInfo> {
  const pythons = await availablePythons(env);
  const match = pythons.find((p) => satisfies(p.version, spec));
  if (!match) {
    const have = pythons.map((p) => `${p.command} ${p.version}`).join(', ') || 'none';
    throw new MhubError(
      'ENVIRONMENT',
      `no Python matching ${spec} was found (found: ${have})`,
      `install a matching Python and put it on PATH, or point ${ENV.python} at it; or use --backend docker`,
    );
  }
  return match;
}
