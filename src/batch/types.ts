// The batch contract: items, the batch folder's identity, and the ledger's lines.
import type { BackendName, GpuMode, OutputFormat } from '../runner/index.ts';

/** One path for a one-input model, or input id -> path. */
export type ItemInputs = string | Record<string, string>;

/** Per-item run options a manifest may set (override the batch's). */
export interface ItemOptions {
  workflow?: string;
  gpu?: GpuMode;
  timeoutMs?: number;
  outputFormats?: OutputFormat[];
}

export interface BatchItem {
  id: string;
  inputs: ItemInputs;
  options?: ItemOptions;
  /** Where it came from, for messages: "cases.csv line 4" or a path. */
  source: string;
}

/** `<out>/batch.json`: what the folder belongs to. */
export interface BatchMeta {
  format: 'mhub-batch/1';
  model: string;
  version: string;
  /** sha256 of the model name and the resolved --inputs path: one batch per folder. */
  batchId: string;
  inputs: string;
  created: string;
  itemCount: number;
  shardSize: number;
  shards: number;
}

/** `<out>/items.jsonl`: the plan, one line per item, in shard order. */
export interface PlannedItem extends BatchItem {
  shard: number;
}

export type ItemState = 'running' | 'done' | 'failed' | 'skipped';

export interface LedgerEntry {
  time: string;
  item: string;
  state: ItemState;
  attempt: number;
  backend?: BackendName | 'auto';
  shard?: number;
  host: string;
  pid: number;
  durationMs?: number;
  /** The model process exit code when it ran and failed. */
  exitCode?: number;
  /** The MhubError code (RUN_FAILED, INVALID_INPUT, ...) of a failure. */
  errorCode?: string;
  error?: string;
}

export interface BatchOptions {
  model: string;
  out: string;
  backend?: BackendName | 'auto';
  jobs?: number;
  retries?: number;
  /** Only the items of this shard (a Slurm array task). */
  shard?: number;
  registry?: readonly string[];
  home?: string;
  defaults?: ItemOptions;
  signal?: AbortSignal;
  /** Called once the finished items are known: how many this run will attempt. */
  onQueued?: (queued: number) => void;
  /** Called with every ledger line this run appends. */
  onEntry?: (entry: LedgerEntry) => void;
  /** Model output lines, prefixed with the item id. */
  log?: (item: string, line: string) => void;
}
