// Shared helpers for the fault-injection suite: real files, a real tmpfs for full disks (root
// only; CI runs as root and never skips), and the checks every fault ends with: the user's data
// is byte-for-byte what it was, and nothing partial was published.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { requirement } from '../support/requirements.ts';

export const isRoot = process.getuid?.() === 0;

/** Whether the full-disk faults can mount a tmpfs. In CI a missing one fails the suite. */
/** Full-disk faults mount a tmpfs, which needs root (see test/support/requirements.ts). */
export const canMount: boolean = requirement(
  'root (to mount a tmpfs for full-disk faults)',
  isRoot,
  'run as root',
);

const made: string[] = [];
const mounts: string[] = [];
afterAll(() => {
  for (const m of mounts.splice(0)) execFileSync('umount', ['-l', m]);
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `mhub-faults-${prefix}-`));
  made.push(dir);
  return dir;
}

/** A fresh tmpfs of `sizeKb` at `dir`, unmounted after the file's tests. */
export function smallDisk(dir: string, sizeKb: number): string {
  mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k,mode=0777`, 'tmpfs', dir]);
  mounts.push(dir);
  return dir;
}

/** Every file below `dir` (or `dir` itself) with its sha256: what "no data lost" compares. */
export function snapshot(target: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (p: string, rel: string) => {
    const s = statSync(p);
    if (s.isDirectory())
      for (const name of readdirSync(p).sort()) walk(path.join(p, name), rel ? `${rel}/${name}` : name);
    else out[rel || '.'] = createHash('sha256').update(readFileSync(p)).digest('hex');
  };
  walk(target, '');
  return out;
}

/** Names a failed write may leave: our temp and aside siblings, workspaces, locks. */
export function leftovers(dir: string): string[] {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => /\.tmp-|\.old-|\.mhub-run-|\.mhub-lock|\.stale-/.test(f));
}

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** `mhub ARGS` in this process, as the user sees it. */
export async function mhub(...args: string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (s) => out.push(s), err: (s) => err.push(s), isTTY: false });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** Tally for the README figures: every fault records its outcome here. */
export const tally = { faults: 0, dataLost: 0, partialPublished: 0 };

/**
 * The end of every fault: the exit code, the message, the user's data unchanged and no partial
 * output. `before` is a snapshot taken before the command; `published` lists what must not exist.
 */
export function expectSafe(
  result: CliResult,
  expected: { code: number; message: RegExp },
  data: { target: string; before: Record<string, string> }[],
  published: string[] = [],
): void {
  tally.faults++;
  const lost = data.filter((d) => JSON.stringify(snapshot(d.target)) !== JSON.stringify(d.before));
  const partial = published.filter((p) => {
    try {
      statSync(p);
      return true;
    } catch {
      return false;
    }
  });
  tally.dataLost += lost.length;
  tally.partialPublished += partial.length;
  expect(result.err).toMatch(expected.message);
  expect(result.code, result.err).toBe(expected.code);
  expect(lost.map((d) => d.target)).toEqual([]);
  expect(partial).toEqual([]);
}

/** Prints this file's figures (the README and the closing note quote them). */
export function reportTally(file: string): void {
  afterAll(() => {
    console.log(
      `[faults] ${file}: ${tally.faults} faults tried, data lost ${tally.dataLost}, partial outputs published ${tally.partialPublished}`,
    );
  });
}
