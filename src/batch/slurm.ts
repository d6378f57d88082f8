// The Slurm engine: a self-contained job-array script (one array task per shard, each running
// `mhub batch --shard $SLURM_ARRAY_TASK_ID` on the shared output folder), submitted with
// sbatch; status from squeue/sacct, cancel with scancel. Job ids are kept in
// <out>/slurm/jobs.jsonl so that status and cancel find them.
import { execFile } from 'node:child_process';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { MhubError } from '../errors.ts';
import type { CardRecord } from '../registry/index.ts';
import { imageReference } from '../runner/index.ts';
import { ITEM_MARKER } from './item-folder.ts';
import { foldLedger, readLedger } from './ledger.ts';
import { writeOwnFile } from './own-file.ts';
import { requireLocalInputs } from './remote.ts';
import type { BatchMeta, PlannedItem } from './types.ts';

const run = promisify(execFile);
export const SLURM_DIR = 'slurm';
const MHUB_BIN = fileURLToPath(new URL('../../bin/mhub.js', import.meta.url));

export interface SlurmRequest {
  out: string;
  meta: BatchMeta;
  items: readonly PlannedItem[];
  record: CardRecord;
  backend: 'docker' | 'venv' | 'auto';
  retries: number;
  /** Extra sbatch options, e.g. ['--partition=gpu', '--time=04:00:00']; they win over ours. */
  sbatchArgs?: readonly string[];
  /** Run each item with Apptainer from the card's Docker image instead of mhub's backends. */
  container?: 'apptainer';
  registry?: readonly string[];
  /** Environment passed into the tasks (MHUB_HOME, MHUB_PYTHON, PIP_*). */
  env?: NodeJS.ProcessEnv;
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Array indices "0-3,7" of the shards that still have unfinished items. */
export function openShards(out: string, items: readonly PlannedItem[]): number[] {
  const records = foldLedger(readLedger(out));
  const shards = new Set<number>();
  for (const item of items) if (records.get(item.id)?.state !== 'done') shards.add(item.shard);
  return [...shards].sort((a, b) => a - b);
}

function ranges(indices: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < indices.length; i++) {
    let j = i;
    while (j + 1 < indices.length && indices[j + 1] === indices[j]! + 1) j++;
    parts.push(i === j ? `${indices[i]}` : `${indices[i]}-${indices[j]}`);
    i = j;
  }
  return parts.join(',');
}

function resources(record: CardRecord): string[] {
  const req = record.card.requirements;
  const lines = ['--cpus-per-task=1'];
  if (req.ramGb) lines.push(`--mem=${Math.ceil(req.ramGb * 1024)}M`);
  if (req.gpu === 'required') lines.push('--gres=gpu:1');
  return lines;
}

const PASSED_ENV = /^(MHUB_HOME|MHUB_PYTHON|XDG_CACHE_HOME|PIP_[A-Z_]+|DOCKER_HOST)$/;

/** The job-array script's text (written to <out>/slurm/batch.sbatch). */
export function slurmScript(request: SlurmRequest, shards: readonly number[]): string {
  const { meta, record } = request;
  const out = path.resolve(request.out);
  const lines = [
    '#!/bin/bash',
    `# mhub batch of ${meta.model} ${meta.version} (batch ${meta.batchId}), written by mhub.`,
    '# Each array task runs one shard of the plan in this folder; resubmitting skips finished items.',
    `#SBATCH --job-name=mhub-${meta.model}`,
    `#SBATCH --array=${ranges(shards)}`,
    ...resources(record).map((r) => `#SBATCH ${r}`),
    `#SBATCH --output=${out}/${SLURM_DIR}/task-%A_%a.log`,
    ...(request.sbatchArgs ?? []).map((a) => `#SBATCH ${a}`),
    'set -euo pipefail',
  ];
  for (const [k, v] of Object.entries(request.env ?? {})) {
    if (PASSED_ENV.test(k) && v !== undefined) lines.push(`export ${k}=${q(v)}`);
  }
  if (request.container === 'apptainer') lines.push(...apptainerBody(request, out));
  else {
    const args = [
      'batch',
      meta.model,
      '--out',
      out,
      '--backend',
      request.backend,
      '--retries',
      String(request.retries),
      '--jobs',
      '1',
      ...(request.registry?.length ? ['--registry', ...request.registry.map((r) => path.resolve(r))] : []),
    ];
    lines.push(
      `exec ${q(process.execPath)} ${q(MHUB_BIN)} ${args.map(q).join(' ')} --shard "$SLURM_ARRAY_TASK_ID"`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Apptainer (clusters without Docker): each item runs the card's image directly, inputs bound
 * read-only at /app/data/input_data and the results at /app/data/output_data, as the MHub
 * container contract has it. The task records its items in its own ledger file.
 */
function apptainerBody(request: SlurmRequest, out: string): string[] {
  const docker = request.record.card.runtimes.docker;
  if (!docker) {
    throw new MhubError(
      'USAGE',
      `${request.meta.model} has no Docker image for Apptainer to run`,
      'leave out --container apptainer',
    );
  }
  if (docker.interface !== 'mhub') {
    throw new MhubError(
      'USAGE',
      `${request.meta.model}'s image uses the ${docker.interface} interface; Apptainer runs MHub-contract images (interface: mhub)`,
      'leave out --container apptainer and use --backend venv on the cluster',
    );
  }
  requireLocalInputs(request.items, '--container apptainer');
  const image = `docker://${imageReference(docker)}`;
  const cases = new Map<number, string[]>();
  for (const item of request.items) {
    const input = typeof item.inputs === 'string' ? item.inputs : Object.values(item.inputs)[0]!;
    const list = cases.get(item.shard) ?? [];
    list.push(`    run_item ${q(item.id)} ${q(input)}`);
    cases.set(item.shard, list);
  }
  return [
    `ledger=${q(`${out}/ledger`)}/apptainer-shard-"$SLURM_ARRAY_TASK_ID".jsonl`,
    'mkdir -p "$(dirname "$ledger")"',
    'note() { printf \'{"time":"%s","item":"%s","state":"%s","attempt":1,"backend":"apptainer","shard":%s,"host":"%s","pid":%s}\\n\' "$(date -u +%FT%T.000Z)" "$1" "$2" "$SLURM_ARRAY_TASK_ID" "$(hostname)" "$$" >>"$ledger"; }',
    'run_item() {',
    `  local id="$1" input="$2" result=${q(out)}/"$1"`,
    '  [[ -e "$result" ]] && return 0',
    `  local staged=${q(`${out}/staging`)}/"$id".apptainer`,
    '  rm -rf "$staged" && mkdir -p "$staged"',
    '  note "$id" running',
    `  if apptainer run --containall --no-home --cleanenv --bind "$input":/app/data/input_data:ro,"$staged":/app/data/output_data ${q(image)}; then`,
    // The marker without file hashes: resume then skips the item (nothing to verify).
    `    printf '{"model":"${request.meta.model}","version":"${request.meta.version}","batchId":"${request.meta.batchId}","item":"%s","backend":"apptainer","finishedAt":"%s","files":[]}\\n' "$id" "$(date -u +%FT%T.000Z)" >"$staged/${ITEM_MARKER}"`,
    '    mv "$staged" "$result" && note "$id" done',
    '  else',
    '    note "$id" failed',
    '  fi',
    '}',
    'case "$SLURM_ARRAY_TASK_ID" in',
    ...[...cases.entries()].flatMap(([shard, calls]) => [`  ${shard})`, ...calls, '    ;;']),
    'esac',
  ];
}

/** How long sbatch, squeue, sacct or scancel may take before Slurm counts as not answering. */
const SLURM_TIMEOUT_MS = 60_000;

async function slurmCommand(command: string, args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await run(command, [...args], { timeout: SLURM_TIMEOUT_MS });
    return stdout;
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string; killed?: boolean };
    if (e.killed) {
      throw new MhubError(
        'ENVIRONMENT',
        `${command} did not answer within ${SLURM_TIMEOUT_MS / 1000} s: the Slurm controller is not answering`,
        'check slurmctld (sinfo, scontrol ping), then run the same command again (finished items are kept)',
      );
    }
    if (e.code === 'ENOENT') {
      throw new MhubError(
        'ENVIRONMENT',
        `${command} was not found: Slurm is not installed here`,
        'run on a Slurm login node, or use --engine local',
      );
    }
    const text = (e.stderr || e.message).trim().split('\n').slice(-3).join(' ');
    throw new MhubError(
      'ENVIRONMENT',
      `${command} failed: ${text}`,
      'check that slurmctld is up (sinfo) and the options you passed',
    );
  }
}

/** Writes the array script for the unfinished shards and submits it; returns the job id. */
export async function submitSlurm(
  request: SlurmRequest,
): Promise<{ jobId: string; script: string; shards: number[] }> {
  const out = path.resolve(request.out);
  const shards = openShards(out, request.items);
  const dir = path.join(out, SLURM_DIR);
  await mkdir(dir, { recursive: true });
  const script = path.join(dir, 'batch.sbatch');
  if (shards.length === 0) return { jobId: '', script, shards };
  await writeOwnFile(script, (tmp) => writeFile(tmp, slurmScript(request, shards), { mode: 0o755 }));
  const stdout = await slurmCommand('sbatch', ['--parsable', ...(request.sbatchArgs ?? []), script]);
  const jobId = stdout.trim().split(';')[0]!;
  if (!/^[0-9]+$/.test(jobId))
    throw new MhubError('ENVIRONMENT', `sbatch answered '${stdout.trim()}', not a job id`);
  await appendFile(
    path.join(dir, 'jobs.jsonl'),
    `${JSON.stringify({ jobId, shards, submitted: new Date().toISOString() })}\n`,
  );
  return { jobId, script, shards };
}

async function jobIds(out: string): Promise<string[]> {
  const text = await readFile(path.join(path.resolve(out), SLURM_DIR, 'jobs.jsonl'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { jobId: string }).jobId);
}

export interface SlurmTask {
  /** "123_4": job 123, array task 4. */
  id: string;
  state: string;
  source: 'squeue' | 'sacct';
}

/** The batch's Slurm tasks still known to squeue, plus sacct's record when accounting is on. */
export async function slurmJobs(out: string): Promise<{ jobs: string[]; tasks: SlurmTask[]; note?: string }> {
  const jobs = await jobIds(out);
  if (jobs.length === 0) return { jobs, tasks: [] };
  const tasks = new Map<string, SlurmTask>();
  let note: string | undefined;
  try {
    const acct = await slurmCommand('sacct', ['-n', '-P', '-X', '-j', jobs.join(','), '-o', 'JobID,State']);
    for (const line of acct.split('\n').filter(Boolean)) {
      const [id, state] = line.split('|');
      tasks.set(id!, { id: id!, state: state!.split(' ')[0]!, source: 'sacct' });
    }
  } catch (error) {
    note = `sacct: ${(error as Error).message}`;
  }
  const queue = await slurmCommand('squeue', ['-h', '-r', '-j', jobs.join(','), '-o', '%i|%T']).catch(
    (error: Error) => {
      note = [note, `squeue: ${error.message}`].filter(Boolean).join('; ');
      return '';
    },
  );
  for (const line of queue.split('\n').filter(Boolean)) {
    const [id, state] = line.split('|');
    tasks.set(id!, { id: id!, state: state!, source: 'squeue' });
  }
  return { jobs, tasks: [...tasks.values()], note };
}

/** scancel every job this batch submitted; returns their ids. */
export async function cancelSlurm(out: string): Promise<string[]> {
  const jobs = await jobIds(out);
  if (jobs.length === 0) {
    throw new MhubError(
      'NOT_FOUND',
      `${out} has no Slurm jobs (no ${SLURM_DIR}/jobs.jsonl)`,
      'submit with --engine slurm first',
    );
  }
  await slurmCommand('scancel', jobs);
  return jobs;
}
