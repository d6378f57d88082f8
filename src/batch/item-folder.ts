// An item's results are published as a whole: the runner writes into a staging folder, the
// batch adds a marker listing every file with its size and sha256, then renames the folder
// to <out>/<id>. A folder named by an item id is therefore complete, or it is not ours.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MhubError } from '../errors.ts';
import type { BatchMeta } from './types.ts';

export const ITEM_MARKER = '.mhub-item.json';
export const STAGING_DIR = 'staging';

interface ItemMarker {
  model: string;
  version: string;
  batchId: string;
  item: string;
  backend: string;
  finishedAt: string;
  files: { path: string; size: number; sha256: string }[];
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A fresh staging folder for one attempt (removing this item's leftovers from killed runs). */
export async function stagingFolder(out: string, id: string, attempt: number): Promise<string> {
  const dir = path.join(out, STAGING_DIR);
  // Leftovers of this item only: other items may be in flight in other processes.
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (name.startsWith(`${id}.attempt-`)) await rm(path.join(dir, name), { recursive: true, force: true });
  }
  return path.join(dir, `${id}.attempt-${attempt}`);
}

/** Writes the marker into the staged results and renames them to <out>/<id>. */
export async function publishItem(
  staged: string,
  out: string,
  id: string,
  meta: BatchMeta,
  backend: string,
  outputs: readonly string[],
): Promise<string> {
  const files = [];
  for (const file of outputs) {
    const info = await stat(file);
    files.push({ path: path.relative(staged, file), size: info.size, sha256: await sha256(file) });
  }
  const marker: ItemMarker = {
    model: meta.model,
    version: meta.version,
    batchId: meta.batchId,
    item: id,
    backend,
    finishedAt: new Date().toISOString(),
    files,
  };
  await writeFile(path.join(staged, ITEM_MARKER), `${JSON.stringify(marker, null, 2)}\n`);
  const target = path.join(out, id);
  try {
    await rename(staged, target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new MhubError(
      'INVALID_INPUT',
      `cannot publish item ${id}: ${target} ${code === 'ENOTEMPTY' || code === 'EEXIST' ? 'already exists' : `failed (${code})`}`,
      'move that folder away and run the batch again',
    );
  }
  return target;
}

export type ItemCheck = { done: true } | { done: false; problem?: string };

/** Whether <out>/<id> holds this batch's complete, unmodified results. */
export async function checkItem(out: string, id: string, meta: BatchMeta, deep = true): Promise<ItemCheck> {
  const dir = path.join(out, id);
  const info = await stat(dir).catch(() => undefined);
  if (!info) return { done: false };
  let marker: ItemMarker;
  try {
    marker = JSON.parse(await readFile(path.join(dir, ITEM_MARKER), 'utf8')) as ItemMarker;
  } catch {
    return { done: false, problem: `${dir} exists but was not written by this batch (no ${ITEM_MARKER})` };
  }
  if (marker.batchId !== meta.batchId || marker.model !== meta.model) {
    return { done: false, problem: `${dir} holds results of ${marker.model} from another batch` };
  }
  for (const file of marker.files) {
    const full = path.join(dir, file.path);
    const s = await stat(full).catch(() => undefined);
    if (!s || s.size !== file.size)
      return { done: false, problem: `${full} is missing or changed since the item finished` };
    if (deep && (await sha256(full)) !== file.sha256)
      return { done: false, problem: `${full} changed since the item finished (sha256)` };
  }
  return { done: true };
}
