// Planning: items from a folder or a manifest, checked (ids, readable inputs, the output
// folder's owner) before anything runs, sharded, and written to <out>/batch.json and
// <out>/items.jsonl so that every later step (resume, Slurm tasks, status) reads one plan.
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { access, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MhubError } from '../errors.ts';
import { findStudies, isDicomwebUrl, usesPacs } from '../pacs/index.ts';
import type { CardRecord } from '../registry/index.ts';
import { resolveModel } from '../runner/index.ts';
import { discoverFolder } from './discover.ts';
import { checkId, checkUnique } from './ids.ts';
import { readManifest } from './manifest.ts';
import { writeOwnFile } from './own-file.ts';
import type { BatchItem, BatchMeta, PlannedItem } from './types.ts';

export const META_FILE = 'batch.json';
export const PLAN_FILE = 'items.jsonl';
/** Slurm's default MaxArraySize is 1001: one array task per shard stays under it. */
const MAX_SHARDS = 1000;

export interface Plan {
  meta: BatchMeta;
  items: PlannedItem[];
  record: CardRecord;
  /** Inputs discovery skipped, with the reason (non-image DICOM series, ...). */
  ignored: string[];
}

export interface PlanRequest {
  model: string;
  inputs: string;
  out: string;
  shardSize?: number;
  registry?: readonly string[];
}

/** --inputs as the batch records it: a DICOMweb query as given, a path made absolute. */
export function inputsKey(inputs: string): string {
  return isDicomwebUrl(inputs) ? inputs : path.resolve(inputs);
}

export function batchId(model: string, inputs: string): string {
  return createHash('sha256')
    .update(`${model}\0${inputsKey(inputs)}`)
    .digest('hex')
    .slice(0, 16);
}

/** The batch.json in `out`, or undefined for a missing or empty folder; refuses anything else. */
async function folderOwner(out: string): Promise<BatchMeta | undefined> {
  const names = await readdir(out).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw new MhubError(
      'INVALID_INPUT',
      `cannot use ${out} as the output folder: ${error.code}`,
      'give a folder you can write',
    );
  });
  if (names.length === 0) return undefined;
  if (!names.includes(META_FILE)) {
    throw new MhubError(
      'INVALID_INPUT',
      `${out} is not empty and holds no ${META_FILE}: it is not a batch folder`,
      'give an empty or new folder for --out',
    );
  }
  return readMeta(out);
}

export async function readMeta(out: string): Promise<BatchMeta> {
  const file = path.join(out, META_FILE);
  let meta: BatchMeta;
  try {
    meta = JSON.parse(await readFile(file, 'utf8')) as BatchMeta;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new MhubError(
      code === 'ENOENT' ? 'NOT_FOUND' : 'INVALID_INPUT',
      code === 'ENOENT'
        ? `${out} is not a batch folder (no ${META_FILE})`
        : `${file} is damaged: ${(error as Error).message}`,
      code === 'ENOENT'
        ? 'give the --out folder of a batch'
        : 'restore it, or start the batch in a new folder',
    );
  }
  if (meta.format !== 'mhub-batch/1') {
    throw new MhubError(
      'INVALID_INPUT',
      `${file}: format ${meta.format} is not mhub-batch/1`,
      'use a batch folder written by this mhub',
    );
  }
  return meta;
}

export async function readPlan(out: string): Promise<{ meta: BatchMeta; items: PlannedItem[] }> {
  const meta = await readMeta(out);
  const file = path.join(out, PLAN_FILE);
  const text = await readFile(file, 'utf8').catch(() => {
    throw new MhubError(
      'NOT_FOUND',
      `${file} is missing`,
      'run the batch command with --inputs again to re-plan',
    );
  });
  const items = text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as PlannedItem);
  return { meta, items };
}

async function gatherItems(
  inputs: string,
  inputIds: readonly string[],
  out: string,
): Promise<{ items: BatchItem[]; ignored: string[] }> {
  if (isDicomwebUrl(inputs)) return { items: await studyItems(inputs), ignored: [] };
  const info = await stat(inputs).catch(() => undefined);
  if (!info)
    throw new MhubError(
      'NOT_FOUND',
      `--inputs ${inputs} does not exist`,
      'give a folder of studies or a .csv/.jsonl manifest',
    );
  if (info.isDirectory()) return discoverFolder(inputs, inputIds, path.join(out, 'inputs'));
  if (!/\.(csv|jsonl?)$/i.test(inputs)) {
    throw new MhubError(
      'INVALID_INPUT',
      `--inputs ${inputs} is neither a folder nor a .csv/.jsonl manifest`,
      'give a folder of studies or a manifest',
    );
  }
  return { items: await readManifest(inputs, inputIds), ignored: [] };
}

/**
 * One item per study matching a QIDO-RS query, named by its StudyInstanceUID; the item's input is
 * the study's address, retrieved by src/pacs when the item runs (not here).
 */
async function studyItems(inputs: string): Promise<BatchItem[]> {
  const found = await findStudies(inputs);
  if (found.studies.length === 0) {
    throw new MhubError(
      'NOT_FOUND',
      `no study on ${found.where} matches ${found.query || 'the query'}`,
      'check the query (QIDO-RS attributes such as ModalitiesInStudy=CT, StudyDate=20240101-20241231, PatientID=...)',
    );
  }
  return found.studies.map((s) => {
    const source = `${found.where} study ${s.uid}`;
    return { id: checkId(s.uid, source), inputs: s.address, source };
  });
}

async function checkReadable(items: readonly BatchItem[]): Promise<void> {
  const problems: string[] = [];
  // Checked in parallel: a 5,000-item manifest must plan in well under the 2 s goal.
  await Promise.all(
    items.map(async (item) => {
      const paths = typeof item.inputs === 'string' ? [item.inputs] : Object.values(item.inputs);
      // A study on a PACS is checked when it is retrieved.
      for (const p of paths.filter((p) => !usesPacs(p))) {
        await access(p, constants.R_OK).catch((error: NodeJS.ErrnoException) => {
          problems.push(
            `${item.source} (item ${item.id}): ${p} ${error.code === 'ENOENT' ? 'does not exist' : `cannot be read (${error.code})`}`,
          );
        });
      }
    }),
  );
  if (problems.length > 0) {
    problems.sort();
    throw new MhubError(
      'NOT_FOUND',
      `${problems.length} item${problems.length > 1 ? 's have' : ' has'} a missing or unreadable input: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? '; ...' : ''}`,
      'fix or remove those rows, then run the same command again (finished items are kept)',
    );
  }
}

export async function planBatch(request: PlanRequest): Promise<Plan> {
  const out = path.resolve(request.out);
  const record = await resolveModel(request.model, request.registry);
  const card = record.card;
  const id = batchId(card.name, request.inputs);
  const owner = await folderOwner(out);
  if (owner && (owner.model !== card.name || owner.batchId !== id)) {
    throw new MhubError(
      'INVALID_INPUT',
      owner.model !== card.name
        ? `${out} belongs to a batch of ${owner.model}, not ${card.name}`
        : `${out} belongs to another batch of ${card.name} (inputs ${owner.inputs})`,
      'give a new --out folder, or the same --inputs as before to resume',
    );
  }
  const writeMeta = (meta: BatchMeta) =>
    writeOwnFile(path.join(out, META_FILE), (tmp) => writeFile(tmp, `${JSON.stringify(meta, null, 2)}\n`));
  const created = owner?.created ?? new Date().toISOString();
  const base = {
    format: 'mhub-batch/1',
    model: card.name,
    version: card.version,
    batchId: id,
    inputs: inputsKey(request.inputs),
    created,
  } as const;
  // Claim the folder first: discovery may write links into it, and a folder holding anything
  // but a batch.json is refused next time.
  if (!owner) await writeMeta({ ...base, itemCount: 0, shardSize: 1, shards: 0 });
  const { items, ignored } = await gatherItems(
    request.inputs,
    card.inputs.map((i) => i.id),
    out,
  );
  checkUnique(items);
  await checkReadable(items);
  const shardSize = request.shardSize ?? Math.max(1, Math.ceil(items.length / MAX_SHARDS));
  if (!(Number.isInteger(shardSize) && shardSize > 0)) {
    throw new MhubError('USAGE', `--shard-size ${request.shardSize} is not a positive whole number`);
  }
  const planned = items.map((item, n) => ({ ...item, shard: Math.floor(n / shardSize) }));
  const meta: BatchMeta = {
    ...base,
    itemCount: items.length,
    shardSize,
    shards: Math.ceil(items.length / shardSize),
  };
  await writeOwnFile(path.join(out, PLAN_FILE), (tmp) =>
    writeFile(tmp, planned.map((p) => `${JSON.stringify(p)}\n`).join('')),
  );
  await writeMeta(meta);
  return { meta, items: planned, record, ignored };
}
