// Shared helpers for the batch suites: phantom studies, a broken one, ledger reading.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { expect } from 'vitest';
import { readLedger } from '../../src/batch/index.ts';
import type { LedgerEntry } from '../../src/batch/types.ts';
import { runModel } from '../../src/runner/index.ts';
import { makePhantom, niftiVoxels, testHome } from '../runner/support.ts';

export { makePhantom, niftiVoxels, repo, spawnMhub, tempDir, testHome } from '../runner/support.ts';

/**
 * `<root>/case01 .. caseNN`, each holding ct.nii.gz (and the phantom's expected.nii.gz);
 * `broken` (when given) holds a ct.nii.gz that is gzip of text: it exists and is readable,
 * so planning accepts it, and mhub refuses it before the model starts ("not a readable NIfTI file").
 */
export function makeStudies(root: string, count: number, broken?: string): string[] {
  mkdirSync(root, { recursive: true });
  const first = path.join(root, 'case01');
  makePhantom(first);
  const ids = ['case01'];
  for (let n = 2; n <= count; n++) {
    const id = `case${String(n).padStart(2, '0')}`;
    // The phantom is deterministic (seeded): copy the first instead of running Python again.
    mkdirSync(path.join(root, id));
    for (const f of ['ct.nii.gz', 'expected.nii.gz'])
      copyFileSync(path.join(first, f), path.join(root, id, f));
    ids.push(id);
  }
  if (broken) {
    mkdirSync(path.join(root, broken));
    writeFileSync(path.join(root, broken, 'ct.nii.gz'), gzipSync('not an image\n'));
    ids.push(broken);
  }
  return ids;
}

export function ledgerOf(out: string): LedgerEntry[] {
  return readLedger(out);
}

export function statesOf(out: string, item: string): string[] {
  return readLedger(out)
    .filter((e) => e.item === item)
    .map((e) => e.state);
}

/** Every item but `broken` has the label map a plain `runModel` (venv) gives for `input`. */
export async function expectSameLabelMaps(
  out: string,
  ids: readonly string[],
  broken: string,
  input: string,
  scratch: string,
): Promise<void> {
  await runModel({ model: 'classical_ct', input, output: scratch, backend: 'venv', home: testHome });
  const expected = niftiVoxels(path.join(scratch, 'segmentation.nii.gz'));
  for (const id of ids.filter((i) => i !== broken)) {
    expect(niftiVoxels(path.join(out, id, 'segmentation.nii.gz')).equals(expected), id).toBe(true);
  }
}

/** `mhub batch classical_ct --inputs <inputs> --out <out> --backend venv ...extra`. */
export const venvBatchArgs = (inputs: string, out: string, ...extra: string[]): string[] => [
  'batch',
  'classical_ct',
  '--inputs',
  inputs,
  '--out',
  out,
  '--backend',
  'venv',
  ...extra,
];

/** A single-node Slurm (scripts/ci/slurm.sh) that answers and has a usable node. */
export function slurmUp(): boolean {
  const r = spawnSync('sinfo', ['-h', '-o', '%T'], { encoding: 'utf8', timeout: 20_000 });
  return r.status === 0 && /idle|mixed|allocated/.test(r.stdout);
}

/** Polls `probe` every 0.5 s until it gives a value, or fails after `timeoutMs`. */
export async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
