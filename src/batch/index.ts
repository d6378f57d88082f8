// Batch runs over many studies: plan (folder or manifest), run locally with a ledger and
// resume, or as a Slurm job array whose tasks run one shard each.
import path from 'node:path';
import { MhubError } from '../errors.ts';
import { resolveModel } from '../runner/index.ts';
import { type BatchResult, runItems } from './local.ts';
import { type Plan, planBatch, readPlan } from './plan.ts';
import { type BatchStatus, batchStatus, writeSummary } from './status.ts';
import type { BatchOptions } from './types.ts';

export { ITEM_MARKER } from './item-folder.ts';
export { defaultJobs } from './jobs.ts';
export { emitK8s, type K8sRequest, k8sFiles, k8sObjects, stagedInputs } from './k8s.ts';
export { foldLedger, ledgerPath, readLedger } from './ledger.ts';
export type { BatchResult } from './local.ts';
export { parseCsvManifest, parseJsonlManifest } from './manifest.ts';
export { type Plan, type PlanRequest, planBatch, readPlan } from './plan.ts';
export { cancelSlurm, type SlurmRequest, slurmJobs, slurmScript, submitSlurm } from './slurm.ts';
export {
  type BatchStatus,
  batchStatus,
  formatSeconds,
  type ItemStatus,
  oneLine,
  statusLine,
  summaryCsv,
  summaryMarkdown,
  writeSummary,
} from './status.ts';
export type { BatchItem, BatchMeta, BatchOptions, ItemOptions, LedgerEntry, PlannedItem } from './types.ts';
export { emitWdl, type WdlRequest, wdlInputs, wdlText } from './wdl.ts';

export interface BatchRequest extends BatchOptions {
  /** A folder of studies or a manifest; not needed with `shard` (the plan is in `out`). */
  inputs?: string;
  shardSize?: number;
}

export interface BatchOutcome {
  result: BatchResult;
  status: BatchStatus;
  /** summary.csv and summary.md, written when no item is left pending or running. */
  summary: string[];
}

/** Plans (unless running one shard of an existing plan), runs, and summarises. */
export async function runBatch(request: BatchRequest): Promise<BatchOutcome> {
  const out = path.resolve(request.out);
  let plan: Pick<Plan, 'meta' | 'items' | 'record'>;
  if (request.shard !== undefined && request.inputs === undefined) {
    const { meta, items } = await readPlan(out);
    if (meta.model !== request.model) {
      throw new MhubError(
        'INVALID_INPUT',
        `${out} belongs to a batch of ${meta.model}, not ${request.model}`,
        `run mhub batch ${meta.model} --shard ...`,
      );
    }
    plan = { meta, items, record: await resolveModel(meta.model, request.registry) };
  } else {
    if (request.inputs === undefined)
      throw new MhubError('USAGE', 'give --inputs (a folder of studies or a manifest)');
    plan = await planBatch({
      model: request.model,
      inputs: request.inputs,
      out,
      shardSize: request.shardSize,
      registry: request.registry,
    });
  }
  const result = await runItems(plan, { ...request, out });
  const status = await batchStatus(out);
  const c = status.counts;
  const summary = c.pending + c.running + c.interrupted === 0 ? await writeSummary(status) : [];
  return { result, status, summary };
}
