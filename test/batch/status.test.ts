// `mhub batch status` on a ledger written here line by line (the ledger is our own format):
// counts, interrupted items, items/h and ETA, torn lines, several ledger files merged.
import { appendFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { batchStatus, planBatch, summaryMarkdown } from '../../src/batch/index.ts';
import { numpyPython } from '../support/requirements.ts';
import { makeStudies, tempDir } from './support.ts';

// Its studies are classical_ct phantoms, written by python3 with numpy.
describe.runIf(numpyPython())('batch status', () => {
  test('counts by state, interrupted items, items/h and ETA from the merged ledgers', async () => {
    const dir = await tempDir('batch-status');
    makeStudies(path.join(dir, 'in'), 5);
    const out = path.join(dir, 'out');
    await planBatch({ model: 'classical_ct', inputs: path.join(dir, 'in'), out });
    const t0 = Date.parse('2026-12-01T10:00:00.000Z');
    const at = (s: number) => new Date(t0 + s * 1000).toISOString();
    const line = (file: string, e: Record<string, unknown>) =>
      appendFileSync(
        file,
        `${JSON.stringify({ host: 'elsewhere', pid: 1, attempt: 1, backend: 'venv', ...e })}\n`,
      );
    const local = path.join(out, 'batch.jsonl');
    line(local, { time: at(0), item: 'case01', state: 'running' });
    line(local, { time: at(10), item: 'case01', state: 'done', durationMs: 10_000 });
    line(local, { time: at(10), item: 'case02', state: 'running' });
    line(local, { time: at(12), item: 'case02', state: 'failed', exitCode: 2, error: 'bad\nvolume' });
    // A Slurm task's own file; its item still running on another host.
    mkdirSync(path.join(out, 'ledger'));
    const shard = path.join(out, 'ledger', 'shard-0.jsonl');
    line(shard, { time: at(12), item: 'case03', state: 'running' });
    line(shard, { time: at(20), item: 'case03', state: 'done', durationMs: 8000 });
    line(shard, { time: at(20), item: 'case04', state: 'running' });
    // Running here under a pid that no longer exists: a killed batch.
    line(local, { time: at(21), item: 'case05', state: 'running', host: os.hostname(), pid: 2 ** 22 + 1 });
    appendFileSync(local, '{"time":"2026-12-01T10:00:22.000Z","item":"case05","sta'); // torn by a kill
    const status = await batchStatus(out, t0 + 30_000);
    expect(status.counts).toEqual({ done: 2, failed: 1, running: 1, pending: 0, interrupted: 1 });
    // 2 done in the 30 s since the first start: 240/h; 2 left (running + interrupted): 30 s.
    expect(status.perHour).toBeCloseTo(240, 6);
    expect(status.etaSeconds).toBe(30);
    expect(status.items.find((i) => i.id === 'case02')).toMatchObject({
      state: 'failed',
      exitCode: 2,
      error: 'bad\nvolume',
    });
    // No duration recorded for it: an empty cell; the error on one line.
    expect(summaryMarkdown(status)).toContain('| case02 | failed | 1 | venv |  | 2 | bad volume |');
  });
});
