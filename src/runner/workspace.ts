// A run writes into a private folder inside the output folder and moves results into place
// only on success, so a failed or cancelled run leaves no half-written outputs behind. The output
// folder is locked for the run (a second run into it is refused), an existing file is never
// replaced without `force`, and each workspace names its owner so that what a killed run left is
// found and removed by the next run (or `mhub doctor --clean`).
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, rename, rm, rmdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { MhubError } from '../errors.ts';
import {
  acquireLock,
  fsyncTree,
  ownerIsDead,
  parseOwner,
  thisOwner,
  writeError,
  writeFileAtomic,
} from '../fsafe/index.ts';
import { fsError } from './fs-errors.ts';

export interface Workspace {
  root: string;
  /** Staged inputs, laid out for the runtime's interface. */
  input: string;
  /** What the model writes. */
  output: string;
  /** Converted results, published into the output folder on success. */
  final: string;
  /** Old files a forced run replaced: removed with the workspace, after publishing. */
  replaced: string;
  /** Releases the output folder's lock. */
  release: () => Promise<void>;
  /** The run's entry under $MHUB_HOME/runs (for `doctor --clean`). */
  record: string;
}

export const WORKSPACE_PREFIX = '.mhub-run-';
export const OUTPUT_LOCK = '.mhub-lock';
const OWNER_FILE = 'owner.json';

export function newRunId(): string {
  return randomBytes(6).toString('hex');
}

const runsDir = (home: string) => path.join(home, 'runs');

/** Removes a dead run's workspace (only folders named like ours) and its record. */
async function removeDeadRun(workspace: string): Promise<boolean> {
  if (!path.basename(workspace).startsWith(WORKSPACE_PREFIX)) return false;
  const owner = parseOwner(await readFile(path.join(workspace, OWNER_FILE), 'utf8').catch(() => ''));
  if (!ownerIsDead(owner)) return false;
  await rm(workspace, { recursive: true, force: true, maxRetries: 3 });
  return true;
}

/**
 * What killed runs left: workspaces in `outputDir` (when given) and every workspace recorded
 * under `$MHUB_HOME/runs` whose owner process is gone. Returns the folders removed.
 */
export async function removeDeadWorkspaces(home: string, outputDir?: string): Promise<string[]> {
  const removed: string[] = [];
  if (outputDir) {
    for (const name of await readdir(outputDir).catch(() => [] as string[])) {
      const dir = path.join(outputDir, name);
      if (await removeDeadRun(dir)) removed.push(dir);
    }
  }
  for (const name of await readdir(runsDir(home)).catch(() => [] as string[])) {
    const record = path.join(runsDir(home), name);
    const entry = JSON.parse(await readFile(record, 'utf8').catch(() => '{}')) as { workspace?: string };
    if (!entry.workspace) continue;
    const gone = !(await stat(entry.workspace).catch(() => undefined));
    if (gone || (await removeDeadRun(entry.workspace))) {
      if (!gone) removed.push(entry.workspace);
      await unlink(record).catch(() => {});
      // The dead run's lock on its output folder, if it still names the dead owner.
      const lock = path.join(path.dirname(entry.workspace), OUTPUT_LOCK);
      if (ownerIsDead(parseOwner(await readFile(lock, 'utf8').catch(() => ''))))
        await unlink(lock).catch(() => {});
    }
  }
  return removed;
}

/** Creates the output folder (remembering whether it existed), locks it, and a workspace inside. */
export async function createWorkspace(
  outputDir: string,
  runId: string,
  home: string,
): Promise<{ workspace: Workspace; createdOutput: boolean }> {
  const out = path.resolve(outputDir);
  const existing = await stat(out).catch(() => undefined);
  if (existing && !existing.isDirectory()) throw fsError({ code: 'ENOTDIR' }, out, 'write results into');
  let release: (() => Promise<void>) | undefined;
  try {
    if (!existing) await mkdir(out, { recursive: true });
    release = await acquireLock(path.join(out, OUTPUT_LOCK), {
      waitMs: 0,
      busy: (owner) =>
        new MhubError(
          'INVALID_INPUT',
          `another mhub run${owner ? ` (process ${owner.pid} on ${owner.host})` : ''} is writing into ${out}`,
          'wait for it to finish, or choose another --output folder',
        ),
    });
    await removeDeadWorkspaces(home, out);
    const root = path.join(out, `${WORKSPACE_PREFIX}${runId}`);
    // Not recursive: on a read-only file system recursive mkdir reports ENOENT, not EROFS.
    await mkdir(root);
    await writeFileAtomic(path.join(root, OWNER_FILE), JSON.stringify({ ...thisOwner(), runId }));
    const record = path.join(runsDir(home), `${runId}.json`);
    await mkdir(runsDir(home), { recursive: true });
    await writeFileAtomic(record, JSON.stringify({ ...thisOwner(), workspace: root, output: out }));
    const workspace = {
      root,
      input: path.join(root, 'input'),
      output: path.join(root, 'output'),
      final: path.join(root, 'final'),
      replaced: path.join(root, 'replaced'),
      release,
      record,
    };
    for (const dir of [workspace.input, workspace.output, workspace.final]) await mkdir(dir);
    return { workspace, createdOutput: !existing };
  } catch (error) {
    await release?.();
    if (!existing) await rmdir(out).catch(() => {});
    if (error instanceof MhubError) throw error;
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

/**
 * Moves every file of workspace.final into the output folder (same file system: renames). A file
 * already there is refused unless `force`; forced, it is moved into the workspace and goes with it
 * once everything is published. A failure part-way puts every old file back.
 */
export async function publish(
  workspace: Workspace,
  outputDir: string,
  options: { force?: boolean } = {},
): Promise<string[]> {
  const out = path.resolve(outputDir);
  const files = await listFiles(workspace.final);
  const exists = async (p: string) => Boolean(await lstat(p).catch(() => undefined));
  const taken: string[] = [];
  for (const rel of files) if (await exists(path.join(out, rel))) taken.push(rel);
  if (taken.length > 0 && !options.force) {
    throw new MhubError(
      'INVALID_INPUT',
      `${out} already holds ${taken.slice(0, 3).join(', ')}${taken.length > 3 ? ` and ${taken.length - 3} more` : ''}; nothing was written there`,
      'choose another --output folder, or add --force to replace them (the old files go only once every new one is in place)',
    );
  }
  try {
    fsyncTree(workspace.final);
  } catch (error) {
    throw writeError(error, out);
  }
  const done: { rel: string; hadOld: boolean }[] = [];
  try {
    for (const rel of files) {
      const target = path.join(out, rel);
      await mkdir(path.dirname(target), { recursive: true });
      const hadOld = taken.includes(rel);
      if (hadOld) {
        await mkdir(path.dirname(path.join(workspace.replaced, rel)), { recursive: true });
        await rename(target, path.join(workspace.replaced, rel));
      }
      await rename(path.join(workspace.final, rel), target);
      done.push({ rel, hadOld });
    }
  } catch (error) {
    for (const { rel, hadOld } of done.reverse()) {
      await rename(path.join(out, rel), path.join(workspace.final, rel)).catch(() => {});
      if (hadOld) await rename(path.join(workspace.replaced, rel), path.join(out, rel)).catch(() => {});
    }
    throw fsError(error, out, 'write results into');
  }
  return files.map((rel) => path.join(out, rel));
}

/** Removes the workspace and the lock; on failure also the output folder when this run created it. */
export async function disposeWorkspace(
  workspace: Workspace,
  outputDir: string,
  createdOutput: boolean,
  succeeded: boolean,
): Promise<void> {
  await rm(workspace.root, { recursive: true, force: true, maxRetries: 3 });
  await unlink(workspace.record).catch(() => {});
  await workspace.release();
  if (createdOutput && !succeeded) await rmdir(path.resolve(outputDir)).catch(() => {});
}
