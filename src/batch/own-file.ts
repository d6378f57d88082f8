// The batch rewrites its own files in --out (batch.json, items.jsonl, summaries, emitted
// scripts) on every run. Only paths the batch names itself come here, never the user's files:
// src/fsafe's writer with `force`, so each write is checked, fsynced and swapped in whole.
import { writeAtomic } from '../fsafe/index.ts';

export async function writeOwnFile(target: string, write: (tmp: string) => Promise<unknown>): Promise<void> {
  await writeAtomic(target, write, { force: true });
}
