// Helpers for the deep-learning reference model's tests: the model's venv (created or reused by
// models/unet_ct/ensure-venv.sh), Python runs with the `files` interface, and Docker presence.
import { execFile, execFileSync } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../../src/registry/paths.ts';

const exec = promisify(execFile);
export const modelsDir = path.join(repoRoot, 'models');
const maxBuffer = 64 * 1024 * 1024;

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command and resolves with its exit code and output (never rejects on a non-zero exit). */
export async function runCommand(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<Ran> {
  try {
    const { stdout, stderr } = await exec(cmd, args, { env: { ...process.env, ...env }, maxBuffer });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number | string; stdout?: string; stderr?: string; message: string };
    if (typeof e.code !== 'number') throw error;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? e.message };
  }
}

/** The unet_ct venv's python (the venv is installed on first use, then reused by hash). */
export async function unetPython(): Promise<string> {
  const ran = await runCommand('bash', [path.join(modelsDir, 'unet_ct', 'ensure-venv.sh')]);
  if (ran.code !== 0) throw new Error(`models/unet_ct/ensure-venv.sh failed: ${ran.stderr}`);
  return path.join(ran.stdout.trim(), 'bin', 'python');
}

/** `python -m <module> <input> <output>` with the model's folder on PYTHONPATH, as the venv backend runs it. */
export function runPythonModel(python: string, module: string, input: string, output: string): Promise<Ran> {
  const source = path.join(modelsDir, module);
  return runCommand(python, ['-m', module, input, output], { PYTHONPATH: source });
}

export interface Progress {
  phase: string;
  done: number;
  total: number;
  message: string;
}

export function progressLines(stdout: string): Progress[] {
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Progress);
}

export function dockerAvailable(): boolean {
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}
