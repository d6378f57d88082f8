// The one way anything in mhub publishes an output: built in a temporary sibling, checked and
// fsynced, then renamed into place. An existing output is never deleted or replaced unless the
// caller passes `force` (or it is a folder this tool wrote, untouched since: see MARKER); even
// then the old one is moved aside and removed only after the new one is in place.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, lstatSync, openSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { cp, link, mkdir, rename, rm, unlink } from 'node:fs/promises';
import path from 'node:path';
import { MhubError } from '../errors.ts';
import { writeError } from './disk-errors.ts';
import { fsyncTree, writeFileChecked } from './write.ts';

/** Lists what a generated folder held when this tool wrote it (generate, index, site). */
export const MARKER = '.mhub-output.json';

export interface PublishOptions {
  /** Replace an existing non-empty output (moved aside, removed once the new one is in place). */
  force?: boolean;
  /** A generated folder: write MARKER, and replace a folder whose files all appear in its MARKER. */
  marker?: boolean;
}

function tempSibling(target: string, tag: string): string {
  return path.join(
    path.dirname(target),
    `.${path.basename(target)}.${tag}-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => !e.isDirectory())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

/** A folder holding only files its own MARKER lists: this tool's earlier output, untouched. */
function ownEarlierOutput(dir: string): boolean {
  try {
    const listed = new Set(
      (JSON.parse(readFileSync(path.join(dir, MARKER), 'utf8')) as { files: string[] }).files,
    );
    return filesUnder(dir).every((f) => f === MARKER || listed.has(f));
  } catch {
    return false;
  }
}

/**
 * Whether `target` exists and may be replaced; throws (exit 3) when it holds something this
 * command must not replace. Call it early to refuse before any slow work.
 */
export function checkOutput(target: string, options: PublishOptions = {}): 'absent' | 'replace' {
  const abs = path.resolve(target);
  let stats: import('node:fs').Stats;
  try {
    stats = lstatSync(abs);
  } catch {
    return 'absent';
  }
  if (stats.isDirectory() && readdirSync(abs).length === 0) return 'replace';
  if (options.force || (options.marker && stats.isDirectory() && ownEarlierOutput(abs))) return 'replace';
  throw new MhubError(
    'INVALID_INPUT',
    `${abs} already exists${stats.isDirectory() ? ' and is not empty' : ''}; it was left as it is`,
    'choose another output path, or add --force to replace it (the old one is removed only after the new one is complete)',
  );
}

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some file systems refuse fsync on folders; the data itself was synced already.
  }
}

/** Moves the finished `temp` to `target`, keeping the old target until the new one is in place. */
async function swapIn(temp: string, target: string, mode: 'absent' | 'replace'): Promise<void> {
  if (mode === 'absent') {
    if (lstatSync(temp).isDirectory()) await rename(temp, target);
    else {
      // link() fails when something appeared at `target` meanwhile, where rename would replace it.
      await link(temp, target);
      await unlink(temp);
    }
    return;
  }
  const aside = tempSibling(target, 'old');
  await rename(target, aside);
  try {
    await rename(temp, target);
  } catch (error) {
    await rename(aside, target).catch(() => {});
    throw error;
  }
  await rm(aside, { recursive: true, force: true });
}

/**
 * Runs `write(tempPath)` (a file, or a folder it creates), checks and fsyncs it, then publishes
 * it at `target`. On any failure the temporary is removed and nothing is published; a full disk
 * is an ENVIRONMENT error (exit 4) naming the path and the space left.
 */
export async function writeAtomic<T>(
  target: string,
  write: (tempPath: string) => Promise<T> | T,
  options: PublishOptions = {},
): Promise<T> {
  const abs = path.resolve(target);
  const mode = checkOutput(abs, options);
  await mkdir(path.dirname(abs), { recursive: true });
  const temp = tempSibling(abs, 'tmp');
  try {
    const result = await write(temp);
    if (options.marker)
      writeFileChecked(path.join(temp, MARKER), `${JSON.stringify({ files: filesUnder(temp) })}\n`);
    fsyncTree(temp);
    // Checked again: another process may have created the target while this one was writing.
    await swapIn(temp, abs, mode === 'absent' ? checkOutput(abs, options) : mode);
    fsyncDir(path.dirname(abs));
    return result;
  } catch (error) {
    await rm(temp, { recursive: true, force: true }).catch(() => {});
    throw writeError(error, abs);
  }
}

/** Publishes a finished file or folder `from` (any file system) at `target`, as writeAtomic does. */
export async function moveAtomic(from: string, target: string, options: PublishOptions = {}): Promise<void> {
  await writeAtomic(
    target,
    async (temp) => {
      try {
        await rename(from, temp);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
        await cp(from, temp, { recursive: true });
        await rm(from, { recursive: true, force: true });
      }
    },
    options,
  );
}

/** Writes a small text or binary file atomically (JSON, cards, reports). */
export async function writeFileAtomic(
  target: string,
  data: string | Uint8Array,
  options: PublishOptions = {},
): Promise<void> {
  await writeAtomic(target, (temp) => writeFileChecked(temp, data), options);
}

/** Removes an empty folder this command created; leaves anything with content. */
export function removeIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // not empty, or already gone
  }
}
