// The batch rewrites its own files in --out (batch.json, items.jsonl, summaries, emitted
// scripts) on every run: a temporary sibling renamed over the previous version. Only paths the
// batch names itself come here, never the user's files (src/io's writer refuses to replace).
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';

export async function writeOwnFile(target: string, write: (tmp: string) => Promise<unknown>): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  const tmp = path.join(
    path.dirname(target),
    `.${path.basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  try {
    await write(tmp);
    await rename(tmp, target);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}
