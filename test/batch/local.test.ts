// The local engine for real: the classical reference model under the venv backend over
// phantom studies, one deliberately broken; resume; a kill -9 of the batch process.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { batchStatus } from '../../src/batch/index.ts';
import { fixtureCards, fixtureNifti } from '../runner/support.ts';
import { runCli } from '../support/cli.ts';
import { numpyPython, venvPython } from '../support/requirements.ts';
import {
  expectSameLabelMaps,
  ledgerOf,
  makeStudies,
  repo,
  spawnMhub,
  statesOf,
  tempDir,
  testHome,
  venvBatchArgs,
} from './support.ts';

const can = venvPython() && numpyPython();
process.env.MHUB_HOME = testHome;

describe.skipIf(!can)('mhub batch, local engine (venv backend, real runs)', () => {
  let inputs: string;
  let out: string;
  let ids: string[];
  const batch = (...extra: string[]) => runCli(venvBatchArgs(inputs, out, ...extra));
  beforeAll(async () => {
    const dir = await tempDir('batch-local');
    inputs = path.join(dir, 'in');
    out = path.join(dir, 'out');
    ids = makeStudies(inputs, 4, 'zz_broken');
  }, 120_000);

  test('runs every item into its own folder; the broken one fails with its error in the ledger', async () => {
    const r = await batch('--jobs', '2', '-q');
    expect(r.code, r.err).toBe(1);
    expect(r.out).toMatch(/4\/5 done, 1 failed/);
    const failed = ledgerOf(out).filter((e) => e.state === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      item: 'zz_broken',
      attempt: 1,
      backend: 'venv',
      errorCode: 'INVALID_INPUT',
    });
    expect(failed[0]!.error).toMatch(/not a readable NIfTI file/);
    // The same label map as `mhub run` of the same item.
    const scratch = path.join(await tempDir('batch-single'), 'result');
    await expectSameLabelMaps(out, ids, 'zz_broken', path.join(inputs, 'case03', 'ct.nii.gz'), scratch);
    const csv = readFileSync(path.join(out, 'summary.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('id,state,attempts,backend,seconds,exit_code,error');
    expect(csv.find((l) => l.startsWith('zz_broken,'))).toMatch(
      /^zz_broken,failed,1,venv,[0-9.]+,[0-9]*,.*not a readable NIfTI file/,
    );
    expect(readFileSync(path.join(out, 'summary.md'), 'utf8')).toMatch(/5 items: 4 done, 1 failed/);
  }, 300_000);

  // The broken item is refused by mhub's input check (exit 3), which no retry can change: the
  // rerun tries it once more, and --retries adds no attempt for a refused input.
  test('the same command again: finished items are skipped, the failed one tried again once', async () => {
    const before = ledgerOf(out).length;
    const r = await batch('--retries', '1', '--json', '-q');
    expect(r.code).toBe(1);
    const added = ledgerOf(out).slice(before);
    expect(added.map((e) => [e.item, e.state, e.attempt])).toEqual([
      ['zz_broken', 'running', 2],
      ['zz_broken', 'failed', 2],
    ]);
    const last = JSON.parse(r.out.trim().split('\n').at(-1)!);
    expect(last.result).toMatchObject({ skipped: 4, done: 0 });
    const status = await runCli(['batch', 'status', out, '--json']);
    expect(JSON.parse(status.out).counts).toEqual({
      done: 4,
      failed: 1,
      running: 0,
      pending: 0,
      interrupted: 0,
    });
  }, 300_000);

  test('a finished folder changed since is reported, never overwritten or rerun', async () => {
    const file = path.join(out, 'case02', 'segmentation.nii.gz');
    const original = readFileSync(file);
    writeFileSync(file, Buffer.concat([original, Buffer.from('x')]));
    const r = await batch('-q');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      /failed case02: .*segmentation\.nii\.gz is missing or changed since the item finished/,
    );
    expect(readFileSync(file).length).toBe(original.length + 1);
    expect(statesOf(out, 'case02').filter((s) => s === 'running')).toHaveLength(1);
    writeFileSync(file, original);
  }, 300_000);
});

describe.skipIf(!can)('kill -9 of the batch', () => {
  test('loses at most the item in flight; the rerun never redoes finished work', async () => {
    const dir = await tempDir('batch-kill');
    const inputs = path.join(dir, 'in');
    const out = path.join(dir, 'out');
    const ids = makeStudies(inputs, 8);
    const args = venvBatchArgs(inputs, out, '--jobs', '1', '--json', '-q');
    // A real child process, killed with SIGKILL once 3 items are done.
    const child = spawn(process.execPath, [path.join(repo, 'bin/mhub.js'), ...args], {
      env: { ...process.env, MHUB_HOME: testHome },
      stdio: 'ignore',
    });
    let killed = false;
    const poll = setInterval(() => {
      if (!killed && ledgerOf(out).filter((e) => e.state === 'done').length >= 3) {
        killed = child.kill('SIGKILL');
      }
    }, 10);
    const first = {
      code: await new Promise<number | null>((resolve) => child.on('close', resolve)),
      stderr: '',
    };
    clearInterval(poll);
    expect(killed, first.stderr).toBe(true);
    expect(first.code).toBe(null);
    const doneBefore = new Set(
      ledgerOf(out)
        .filter((e) => e.state === 'done')
        .map((e) => e.item),
    );
    expect(doneBefore.size).toBeGreaterThanOrEqual(3);
    expect(doneBefore.size).toBeLessThan(ids.length);
    const status = await batchStatus(out);
    expect(status.counts.done).toBe(doneBefore.size);
    expect(status.counts.running).toBe(0); // the killed process's item shows as interrupted
    expect(status.counts.interrupted).toBeLessThanOrEqual(1);

    const second = await spawnMhub(args, { env: { MHUB_HOME: testHome } });
    expect(second.code, second.stderr).toBe(0);
    const entries = ledgerOf(out);
    for (const id of ids) {
      const runs = entries.filter((e) => e.item === id && e.state === 'running').length;
      // Finished before the kill: run once. The one in flight: at most once more.
      expect(runs, id).toBe(doneBefore.has(id) ? 1 : runs);
      expect(runs, id).toBeLessThanOrEqual(2);
      expect(readFileSync(path.join(out, id, '.mhub-item.json'), 'utf8')).toMatch(/"batchId"/);
    }
    const reruns = ids.filter(
      (id) => entries.filter((e) => e.item === id && e.state === 'running').length === 2,
    );
    expect(reruns.length).toBeLessThanOrEqual(1);
  }, 300_000);
});

describe.skipIf(!can)('one environment, cancel', () => {
  test('a fresh cache: the venv is built once for the batch, before any item finishes', async () => {
    const dir = await tempDir('batch-fresh');
    const home = path.join(dir, 'home');
    makeStudies(path.join(dir, 'in'), 4);
    const out = path.join(dir, 'out');
    const r = await spawnMhub(venvBatchArgs(path.join(dir, 'in'), out, '--jobs', '2', '-q'), {
      env: { MHUB_HOME: home },
    });
    expect(r.code, r.stderr).toBe(0);
    const envs = readdirSync(path.join(home, 'venvs', 'classical_ct'));
    expect(envs.filter((e) => !e.startsWith('.'))).toEqual(['1.0.0']);
    const stamp = statSync(path.join(home, 'venvs', 'classical_ct', '1.0.0', '.mhub-stamp.json'));
    const firstDone = Math.min(
      ...ledgerOf(out)
        .filter((e) => e.state === 'done')
        .map((e) => Date.parse(e.time)),
    );
    expect(stamp.mtimeMs).toBeLessThanOrEqual(firstDone);
  }, 300_000);

  test('Ctrl-C: exit 130, the item in flight recorded as cancelled, finished ones kept; the rerun completes', async () => {
    const dir = await tempDir('batch-sigint');
    makeStudies(path.join(dir, 'in'), 6);
    const out = path.join(dir, 'out');
    const args = venvBatchArgs(path.join(dir, 'in'), out, '--jobs', '1', '-q');
    let sent = false;
    const first = await spawnMhub(args, {
      env: { MHUB_HOME: testHome },
      onStderr: (stderr, child) => {
        if (!sent && /case02: done/.test(stderr)) sent = child.kill('SIGINT');
      },
    });
    expect(sent).toBe(true);
    expect(first.code, first.stderr).toBe(130);
    const cancelled = ledgerOf(out).filter((e) => e.errorCode === 'CANCELLED');
    expect(cancelled.length).toBeLessThanOrEqual(1);
    const doneBefore = ledgerOf(out)
      .filter((e) => e.state === 'done')
      .map((e) => e.item);
    expect(doneBefore).toEqual(expect.arrayContaining(['case01', 'case02']));
    const second = await spawnMhub(args, { env: { MHUB_HOME: testHome } });
    expect(second.code, second.stderr).toBe(0);
    for (const id of doneBefore)
      expect(
        statesOf(out, id).filter((s) => s === 'running'),
        id,
      ).toHaveLength(1);
  }, 300_000);
});

// The faulty fixture model (test/runner/fixtures/faulty) in its `flaky` behaviour: the real model
// process exits 3 on its first run and succeeds on the next (a state file next to the inputs).
describe.runIf(venvPython())('retries', () => {
  test('a flaky item (fails once, then succeeds) with --retries 1 ends done with attempts 2', async () => {
    const dir = await tempDir('batch-flaky');
    const state = path.join(dir, 'flaky.state');
    for (const [id, what] of [
      ['flaky', `flaky ${state}`],
      ['steady', 'ok'],
    ] as const) {
      mkdirSync(path.join(dir, 'in', id), { recursive: true });
      fixtureNifti(path.join(dir, 'in', id), what);
    }
    const out = path.join(dir, 'out');
    const r = await runCli([
      'batch',
      'faulty_venv',
      '--registry',
      fixtureCards,
      '--inputs',
      path.join(dir, 'in'),
      '--out',
      out,
      '--backend',
      'venv',
      '--jobs',
      '1',
      '--retries',
      '1',
      '-q',
    ]);
    expect(r.code, r.err).toBe(0);
    expect(existsSync(state)).toBe(true); // the first attempt really ran and failed
    expect(r.out).toMatch(/2\/2 done/);
    expect(
      ledgerOf(out)
        .filter((e) => e.item === 'flaky')
        .map((e) => [e.state, e.attempt, e.errorCode, e.exitCode]),
    ).toEqual([
      ['running', 1, undefined, undefined],
      ['failed', 1, 'RUN_FAILED', 3],
      ['running', 2, undefined, undefined],
      ['done', 2, undefined, undefined],
    ]);
    expect(statesOf(out, 'steady')).toEqual(['running', 'done']);
    const status = await batchStatus(out);
    expect(status.items.find((i) => i.id === 'flaky')).toMatchObject({ state: 'done', attempts: 2 });
    expect(readFileSync(path.join(out, 'summary.csv'), 'utf8')).toMatch(/^flaky,done,2,venv,/m);
    expect(readFileSync(path.join(out, 'flaky', 'case', 'result.txt'), 'utf8')).toBe('ok\n');
    // The failed attempt's staging folder is gone; only the published results remain.
    expect(existsSync(path.join(out, 'staging'))).toBe(false);
  }, 300_000);
});
