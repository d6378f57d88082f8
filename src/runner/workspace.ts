// A run writes into a private folder inside the output folder and moves results into place
// only on success, so a failed or cancelled run leaves no half-written outputs behind.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fsError } from './fs-errors.ts';

export interface Workspace {
  root: string;
  /** Staged inputs, laid out for the runtime's interface. */
  input: string;
  /** What the model writes. */
  output: string;
  /** Converted results, published into the output folder on success. */
  final: string;
}

export const WORKSPACE_PREFIX = '.mhub-run-';

export function newRunId(): string {
  return randomBytes(6).toString('hex');
}

/** Creates the output folder (remembering whether it existed) and a workspace inside it. */
export async function createWorkspace(
  outputDir: string,
  runId: string,
): Promise<{ workspace: Workspace; createdOutput: boolean }> {
  const out = path.resolve(outputDir);
  const existing = await stat(out).catch(() => undefined);
  if (existing && !existing.isDirectory()) throw fsError({ code: 'ENOTDIR' }, out, 'write results into');
  try {
    if (!existing) await mkdir(out, { recursive: true });
    const root = path.join(out, `${WORKSPACE_PREFIX}${runId}`);
    const workspace = {
      root,
      input: path.join(root, 'input'),
      output: path.join(root, 'output'),
      final: path.join(root, 'final'),
    };
    // Not recursive: on a read-only file system recursive mkdir reports ENOENT, not EROFS.
    for (const dir of [root, workspace.input, workspace.output, workspace.final]) await mkdir(dir);
    return { workspace, createdOutput: !existing };
  } catch (error) {
    throw fsError(error, out, 'write results into');
  }
}

/** Every file under `dir`, as paths relative to it, sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

/** Moves every file of workspace.final into the output folder (same file system: renames). */
export async function publish(workspace: Workspace, outputDir: string): Promise<string[]> {
  const published: string[] = [];
  for (const rel of await listFiles(workspace.final)) {
    const target = path.join(path.resolve(outputDir), rel);
    try {
      await mkdir(path.dirname(target), { recursive: true });
      await rename(path.join(workspace.final, rel), target);
    } catch (error) {
      throw fsError(error, target, 'write');
    }
    published.push(target);
  }
  return published;
}

/** Removes the workspace; on failure also the output folder when this run created it. */
export async function disposeWorkspace(
  workspace: Workspace,
  outputDir: string,
  createdOutput: boolean,
  succeeded: boolean,
): Promise<void> {
  await rm(workspace.root, { recursive: true, force: true, maxRetries: 3 });
  if (createdOutput && !succeeded) await rmdir(path.resolve(outputDir)).catch(() => {});
}
