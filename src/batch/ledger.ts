// The ledger: JSON lines, one per state change, appended with O_APPEND in one write() so
// concurrent writers never interleave within a line, and a kill -9 leaves at most a torn last
// line (skipped on read). Local runs append to <out>/batch.jsonl; each Slurm array task to
// its own <out>/ledger/shard-<i>.jsonl, because appends from several NFS clients to one file
// are not atomic. Readers merge every file.
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MhubError } from '../errors.ts';
import type { ItemState, LedgerEntry } from './types.ts';

export const LEDGER_FILE = 'batch.jsonl';
export const SHARD_LEDGER_DIR = 'ledger';

export function ledgerPath(out: string, shard?: number): string {
  return shard === undefined
    ? path.join(out, LEDGER_FILE)
    : path.join(out, SHARD_LEDGER_DIR, `shard-${shard}.jsonl`);
}

export interface LedgerWriter {
  append(entry: Omit<LedgerEntry, 'time' | 'host' | 'pid'>): LedgerEntry;
}

export function openLedger(out: string, shard?: number): LedgerWriter {
  const file = ledgerPath(out, shard);
  mkdirSync(path.dirname(file), { recursive: true });
  const host = os.hostname();
  return {
    append(partial) {
      const entry: LedgerEntry = { time: new Date().toISOString(), ...partial, host, pid: process.pid };
      const line = Buffer.from(`${JSON.stringify(entry)}\n`);
      let fd: number;
      try {
        fd = openSync(file, 'a');
      } catch (error) {
        throw new MhubError(
          'ENVIRONMENT',
          `cannot write the ledger ${file}: ${(error as NodeJS.ErrnoException).code}`,
          'check the output folder is writable',
        );
      }
      try {
        const written = writeSync(fd, line);
        if (written !== line.length)
          throw new MhubError('ENVIRONMENT', `short write to the ledger ${file}`, 'check free disk space');
      } catch (error) {
        if (error instanceof MhubError) throw error;
        throw new MhubError(
          'ENVIRONMENT',
          `cannot write the ledger ${file}: ${(error as NodeJS.ErrnoException).code}`,
          'check free disk space',
        );
      } finally {
        closeSync(fd);
      }
      return entry;
    },
  };
}

/** Every ledger line of the batch folder (all files), oldest first; torn lines skipped. */
export function readLedger(out: string): LedgerEntry[] {
  const files = [path.join(out, LEDGER_FILE)];
  try {
    for (const name of readdirSync(path.join(out, SHARD_LEDGER_DIR)).sort()) {
      if (name.endsWith('.jsonl')) files.push(path.join(out, SHARD_LEDGER_DIR, name));
    }
  } catch {
    // no Slurm tasks yet
  }
  const entries: LedgerEntry[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        const entry = JSON.parse(line) as LedgerEntry;
        if (typeof entry.item === 'string' && typeof entry.state === 'string') entries.push(entry);
      } catch {
        // a line torn by a kill: the state change it recorded did not complete
      }
    }
  }
  // Stable: entries of one file keep their order when their times are equal.
  return entries.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
}

export interface ItemRecord {
  state: ItemState;
  attempts: number;
  last: LedgerEntry;
  /** When its current attempt started (running) and the finished attempt's duration. */
  startedAt?: string;
}

/** The latest state of each item. */
export function foldLedger(entries: readonly LedgerEntry[]): Map<string, ItemRecord> {
  const items = new Map<string, ItemRecord>();
  for (const entry of entries) {
    const prev = items.get(entry.item);
    const attempts = Math.max(prev?.attempts ?? 0, entry.attempt);
    // A "skipped" line (found done on resume) never hides an earlier done.
    const state = entry.state === 'skipped' ? 'done' : entry.state;
    items.set(entry.item, {
      state,
      attempts,
      last: entry,
      startedAt: entry.state === 'running' ? entry.time : prev?.startedAt,
    });
  }
  return items;
}
