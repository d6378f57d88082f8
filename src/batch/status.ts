// `mhub batch status`: the plan joined with the merged ledger: counts by state, throughput,
// ETA, and the per-item table written as summary.csv / summary.md when a batch ends.

import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ownerIsDead } from '../fsafe/index.ts';
import { foldLedger, readLedger } from './ledger.ts';
import { writeOwnFile } from './own-file.ts';
import { readPlan } from './plan.ts';
import type { ItemState } from './types.ts';

/** `interrupted`: the ledger says running, but its process on this host is gone (a kill). */
export type StatusState = ItemState | 'pending' | 'interrupted';

export interface ItemStatus {
  id: string;
  shard: number;
  state: Exclude<StatusState, 'skipped'>;
  attempts: number;
  backend?: string;
  durationMs?: number;
  exitCode?: number;
  error?: string;
}

export interface BatchStatus {
  out: string;
  model: string;
  version: string;
  total: number;
  counts: Record<'done' | 'failed' | 'running' | 'pending' | 'interrupted', number>;
  /** Items finished per hour since the first started; undefined before any finished. */
  perHour?: number;
  etaSeconds?: number;
  firstStart?: string;
  lastChange?: string;
  items: ItemStatus[];
}

export async function batchStatus(outDir: string, now = Date.now()): Promise<BatchStatus> {
  const out = path.resolve(outDir);
  const { meta, items } = await readPlan(out);
  const entries = readLedger(out);
  const records = foldLedger(entries);
  const statuses: ItemStatus[] = items.map((item) => {
    const r = records.get(item.id);
    if (!r) return { id: item.id, shard: item.shard, state: 'pending', attempts: 0 };
    let state: ItemStatus['state'] = r.state === 'skipped' ? 'done' : r.state;
    // The runner's rule for a dead owner: on this host, and its process gone.
    if (state === 'running' && ownerIsDead({ host: r.last.host, pid: r.last.pid })) state = 'interrupted';
    return {
      id: item.id,
      shard: item.shard,
      state,
      attempts: r.attempts,
      backend: r.last.backend,
      durationMs: r.last.durationMs,
      exitCode: r.last.exitCode,
      error: state === 'failed' ? r.last.error : undefined,
    };
  });
  const counts = { done: 0, failed: 0, running: 0, pending: 0, interrupted: 0 };
  for (const s of statuses) counts[s.state]++;
  const firstStart = entries.find((e) => e.state === 'running')?.time;
  const lastChange = entries.at(-1)?.time;
  const status: BatchStatus = {
    out,
    model: meta.model,
    version: meta.version,
    total: items.length,
    counts,
    firstStart,
    lastChange,
    items: statuses,
  };
  const finished = entries.filter((e) => e.state === 'done').length;
  if (firstStart && finished > 0) {
    const active = counts.running > 0 || counts.pending > 0 ? now : Date.parse(lastChange!);
    const hours = Math.max(1, active - Date.parse(firstStart)) / 3_600_000;
    status.perHour = finished / hours;
    const left = counts.pending + counts.running + counts.interrupted;
    status.etaSeconds = Math.round((left / status.perHour) * 3600);
  }
  return status;
}

/** A multi-line error (model output tail) as one line for tables and progress. */
export const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, ' ').trim();

const csvField = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
const mdField = (v: string) => v.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function rows(status: BatchStatus): string[][] {
  return status.items.map((i) => [
    i.id,
    i.state,
    String(i.attempts),
    i.backend ?? '',
    i.durationMs === undefined ? '' : (i.durationMs / 1000).toFixed(1),
    i.exitCode === undefined ? '' : String(i.exitCode),
    oneLine(i.error ?? ''),
  ]);
}

const HEADER = ['id', 'state', 'attempts', 'backend', 'seconds', 'exit_code', 'error'];

export function summaryCsv(status: BatchStatus): string {
  return `${[HEADER, ...rows(status)].map((r) => r.map(csvField).join(',')).join('\n')}\n`;
}

export function summaryMarkdown(status: BatchStatus): string {
  const c = status.counts;
  const lines = [
    `# Batch of ${status.model} ${status.version}`,
    '',
    `${status.total} items: ${c.done} done, ${c.failed} failed, ${c.pending + c.interrupted} not run, ${c.running} running.`,
    '',
    `| ${HEADER.join(' | ')} |`,
    `|${HEADER.map(() => ' --- ').join('|')}|`,
    ...rows(status).map((r) => `| ${r.map(mdField).join(' | ')} |`),
  ];
  return `${lines.join('\n')}\n`;
}

/** Writes <out>/summary.csv and <out>/summary.md; returns their paths. */
export async function writeSummary(status: BatchStatus): Promise<string[]> {
  const files: [string, string][] = [
    [path.join(status.out, 'summary.csv'), summaryCsv(status)],
    [path.join(status.out, 'summary.md'), summaryMarkdown(status)],
  ];
  for (const [file, text] of files) await writeOwnFile(file, (tmp) => writeFile(tmp, text));
  return files.map(([f]) => f);
}

export function statusLine(status: BatchStatus): string {
  const c = status.counts;
  const parts = [`${c.done}/${status.total} done`, `${c.failed} failed`, `${c.running} running`];
  if (c.interrupted) parts.push(`${c.interrupted} interrupted`);
  if (status.perHour !== undefined) parts.push(`${status.perHour.toFixed(1)} items/h`);
  if (status.etaSeconds !== undefined && c.done + c.failed < status.total)
    parts.push(`ETA ${formatSeconds(status.etaSeconds)}`);
  return parts.join(', ');
}

export function formatSeconds(s: number): string {
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}
