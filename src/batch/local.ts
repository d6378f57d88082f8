// The local engine: runs the plan's items (or one shard's) through the runner, up to `jobs`
// at once, each attempt recorded in the ledger, each success published whole.
import { rmdir } from 'node:fs/promises';
import path from 'node:path';
import { isMhubError, MhubError } from '../errors.ts';
import { runWithPacs, usesPacs } from '../pacs/index.ts';
import type { CardRecord } from '../registry/index.ts';
import { type BackendName, chooseBackend, runModel } from '../runner/index.ts';
import { checkItem, publishItem, STAGING_DIR, stagingFolder } from './item-folder.ts';
import { defaultJobs } from './jobs.ts';
import { foldLedger, openLedger, readLedger } from './ledger.ts';
import type { BatchMeta, BatchOptions, LedgerEntry, PlannedItem } from './types.ts';

export interface BatchResult {
  total: number;
  done: number;
  skipped: number;
  failed: { id: string; error: string }[];
  jobs: number;
  backend: BackendName;
  durationMs: number;
}

function failureFields(error: unknown): Pick<LedgerEntry, 'error' | 'errorCode' | 'exitCode'> {
  const message = error instanceof Error ? error.message : String(error);
  const exit = /exited with code (\d+)/.exec(message);
  return {
    error: message,
    errorCode: isMhubError(error) ? error.code : 'INTERNAL',
    ...(exit ? { exitCode: Number(exit[1]) } : {}),
  };
}

export async function runItems(
  plan: { meta: BatchMeta; items: readonly PlannedItem[]; record: CardRecord },
  options: BatchOptions,
): Promise<BatchResult> {
  const started = Date.now();
  const out = path.resolve(options.out);
  const { meta, record } = plan;
  const items =
    options.shard === undefined ? plan.items : plan.items.filter((i) => i.shard === options.shard);
  if (options.shard !== undefined && items.length === 0) {
    throw new MhubError('USAGE', `shard ${options.shard} has no items (the plan has ${meta.shards} shards)`);
  }
  const retries = options.retries ?? 0;
  const jobs = options.jobs ?? defaultJobs(record);
  const backend = await chooseBackend(record.card, options.backend ?? 'auto');
  const ledger = openLedger(out, options.shard);
  const history = foldLedger(readLedger(out));
  const signal = options.signal ?? new AbortController().signal;
  const append = (entry: Omit<LedgerEntry, 'time' | 'host' | 'pid'>) => {
    const written = ledger.append({ ...entry, shard: options.shard });
    options.onEntry?.(written);
  };

  const result: BatchResult = {
    total: items.length,
    done: 0,
    skipped: 0,
    failed: [],
    jobs,
    backend,
    durationMs: 0,
  };
  const queue: PlannedItem[] = [];
  for (const item of items) {
    const check = await checkItem(out, item.id, meta);
    const prev = history.get(item.id);
    if (check.done) {
      result.skipped++;
      // Only a state change goes into the ledger: a done item the ledger lost (torn line).
      if (prev?.state !== 'done') append({ item: item.id, state: 'skipped', attempt: prev?.attempts ?? 0 });
    } else if (check.problem) {
      result.failed.push({ id: item.id, error: check.problem });
      append({
        item: item.id,
        state: 'failed',
        attempt: prev?.attempts ?? 0,
        errorCode: 'INVALID_INPUT',
        error: check.problem,
      });
    } else queue.push(item);
  }

  options.onQueued?.(queue.length);

  const runOne = async (item: PlannedItem): Promise<void> => {
    let attempt = history.get(item.id)?.attempts ?? 0;
    for (let tries = 0; tries <= retries; tries++) {
      if (signal.aborted) return;
      attempt++;
      const itemStarted = Date.now();
      append({ item: item.id, state: 'running', attempt, backend });
      try {
        const staged = await stagingFolder(out, item.id, attempt);
        const opts = { ...options.defaults, ...item.options };
        // A study on a DICOMweb server is retrieved now, for this attempt only (src/pacs).
        const run = await (usesPacs(item.inputs) ? runWithPacs : runModel)({
          model: record,
          input: item.inputs,
          output: staged,
          backend,
          gpu: opts.gpu,
          workflow: opts.workflow,
          outputFormats: opts.outputFormats,
          timeoutMs: opts.timeoutMs,
          signal,
          home: options.home,
          log: options.log ? (line) => options.log!(item.id, line) : undefined,
        });
        await publishItem(staged, out, item.id, meta, run.backend, run.outputs);
        append({ item: item.id, state: 'done', attempt, backend, durationMs: Date.now() - itemStarted });
        result.done++;
        return;
      } catch (error) {
        const fields = failureFields(error);
        append({
          item: item.id,
          state: 'failed',
          attempt,
          backend,
          durationMs: Date.now() - itemStarted,
          ...fields,
        });
        // A refused input or a cancel will not change on retry.
        const final =
          tries === retries ||
          signal.aborted ||
          (isMhubError(error) && ['INVALID_INPUT', 'NOT_FOUND', 'USAGE', 'CANCELLED'].includes(error.code));
        if (final) {
          result.failed.push({ id: item.id, error: fields.error! });
          return;
        }
      }
    }
  };

  let next = 0;
  const worker = async () => {
    while (next < queue.length && !signal.aborted) await runOne(queue[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(jobs, queue.length) }, worker));
  // The staging folder goes when empty (other shards may still be using it).
  await rmdir(path.join(out, STAGING_DIR)).catch(() => {});
  result.durationMs = Date.now() - started;
  if (signal.aborted)
    throw new MhubError(
      'CANCELLED',
      `batch cancelled: ${result.done} item(s) finished this run, the rest resume next time`,
    );
  return result;
}
