// mhub batch, one short run (under two minutes on 2 cores):
//   planning a 5,000-item manifest (validation, readable inputs, sharding, plan and ledger
//   files), goal < 2 s;
//   local engine overhead per item on the classical model: `runBatch --jobs 1` over N items vs
//   N `runModel` calls on the same items in the same process (what `mhub run` does after Node
//   starts), interleaved; goal <= 0.2 s per item;
//   throughput --jobs 2 vs --jobs 1 on the small phantom (the goal: >= 1.6x on 2 cores);
//   Slurm, when a cluster answers: sbatch to the first item running, and overhead per task.
// Usage: node bench/batch.bench.ts [--items N] [--reps R]
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { planBatch, readLedger, runBatch, submitSlurm } from '../src/batch/index.ts';
import { runModel } from '../src/runner/index.ts';

const repo = fileURLToPath(new URL('../', import.meta.url));
const args = process.argv.slice(2);
const n = args.includes('--items') ? Number(args[args.indexOf('--items') + 1]) : 8;
const reps = args.includes('--reps') ? Number(args[args.indexOf('--reps') + 1]) : 2;
const work = mkdtempSync(path.join(os.tmpdir(), 'mhub-bench-batch-'));
const home = process.env.MHUB_HOME ?? path.join(os.tmpdir(), 'mhub-runner-test-home');
process.env.PIP_RETRIES ??= '0';

try {
  // 1. Planning 5,000 items.
  const many = path.join(work, 'many');
  mkdirSync(many);
  const rows = ['id,input'];
  for (let i = 0; i < 5000; i++) {
    writeFileSync(path.join(many, `c${i}.nii.gz`), '');
    rows.push(`case${i},many/c${i}.nii.gz`);
  }
  writeFileSync(path.join(work, 'm.csv'), `${rows.join('\n')}\n`);
  const plans: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t = performance.now();
    await planBatch({
      model: 'classical_ct',
      inputs: path.join(work, 'm.csv'),
      out: path.join(work, `plan${r}`),
      shardSize: 10,
    });
    plans.push((performance.now() - t) / 1000);
  }
  const t = performance.now();
  await planBatch({
    model: 'classical_ct',
    inputs: path.join(work, 'm.csv'),
    out: path.join(work, 'plan0'),
    shardSize: 10,
  });
  const replan = (performance.now() - t) / 1000;
  console.log(
    `plan 5,000 items: ${plans.map((s) => s.toFixed(2)).join(' / ')} s (new folder), ${replan.toFixed(2)} s (re-plan); goal < 2 s`,
  );

  // 2. and 3. Real runs of the small phantom.
  const studies = path.join(work, 'studies');
  execFileSync('python3', ['-m', 'classical_ct.phantom', path.join(studies, 'c00')], {
    env: { ...process.env, PYTHONPATH: path.join(repo, 'models/classical_ct') },
  });
  for (let i = 1; i < n; i++) {
    const dir = path.join(studies, `c${String(i).padStart(2, '0')}`);
    mkdirSync(dir);
    copyFileSync(path.join(studies, 'c00', 'ct.nii.gz'), path.join(dir, 'ct.nii.gz'));
  }
  const cts = Array.from({ length: n }, (_, i) =>
    path.join(studies, `c${String(i).padStart(2, '0')}`, 'ct.nii.gz'),
  );
  // Warm-up (the venv is built once, not timed).
  await runModel({
    model: 'classical_ct',
    input: cts[0]!,
    output: path.join(work, 'warm'),
    backend: 'venv',
    home,
  });
  let k = 0;
  const single = async () => {
    const t0 = performance.now();
    for (const ct of cts)
      await runModel({
        model: 'classical_ct',
        input: ct,
        output: path.join(work, `single${k++}`),
        backend: 'venv',
        home,
      });
    return (performance.now() - t0) / 1000;
  };
  const batch = async (jobs: number) => {
    const t0 = performance.now();
    const { result } = await runBatch({
      model: 'classical_ct',
      inputs: studies,
      out: path.join(work, `batch${k++}`),
      backend: 'venv',
      jobs,
      home,
    });
    if (result.done !== n) throw new Error(`batch finished ${result.done} of ${n}`);
    return (performance.now() - t0) / 1000;
  };
  const singles: number[] = [];
  const ones: number[] = [];
  const twos: number[] = [];
  for (let r = 0; r < reps; r++) {
    singles.push(await single());
    ones.push(await batch(1));
    twos.push(await batch(2));
  }
  const best = (xs: number[]) => Math.min(...xs);
  const overhead = (best(ones) - best(singles)) / n;
  console.log(
    `${n} items, best of ${reps}: runModel x${n} ${best(singles).toFixed(2)} s, batch --jobs 1 ${best(ones).toFixed(2)} s ` +
      `-> overhead ${overhead.toFixed(3)} s/item (goal <= 0.2 s)`,
  );
  console.log(
    `throughput: --jobs 1 ${(n / best(ones)).toFixed(2)} items/s, --jobs 2 ${(n / best(twos)).toFixed(2)} items/s ` +
      `-> ${(best(ones) / best(twos)).toFixed(2)}x on ${os.availableParallelism()} cores (goal >= 1.6x)`,
  );

  // 4. Slurm (when a cluster answers): submission to the first item running, and the
  // per-task overhead: (array wall time x slots - the items' own run time) / tasks.
  if (spawnSync('sinfo', ['-h'], { timeout: 10_000 }).status === 0) {
    const out = path.join(work, 'slurm');
    const plan = await planBatch({ model: 'classical_ct', inputs: studies, out, shardSize: 1 });
    process.env.MHUB_HOME = home;
    const t0 = Date.now();
    const { jobId } = await submitSlurm({ out, ...plan, backend: 'venv', retries: 0, env: process.env });
    const submitMs = Date.now() - t0;
    let entries = readLedger(out);
    while (entries.filter((e) => e.state === 'done' || e.state === 'failed').length < n) {
      if (Date.now() - t0 > 120_000) throw new Error(`Slurm job ${jobId} did not finish in 120 s`);
      await new Promise((r) => setTimeout(r, 100));
      entries = readLedger(out);
    }
    const firstRun = Date.parse(entries.find((e) => e.state === 'running')!.time) - t0;
    const wall = Math.max(...entries.map((e) => Date.parse(e.time))) - t0;
    const itemMs = entries.reduce((sum, e) => sum + (e.state === 'done' ? (e.durationMs ?? 0) : 0), 0);
    const slots = Math.min(n, os.availableParallelism());
    console.log(
      `slurm: sbatch ${(submitMs / 1000).toFixed(2)} s, submit -> first item running ${(firstRun / 1000).toFixed(2)} s, ` +
        `${n} tasks in ${(wall / 1000).toFixed(1)} s -> overhead ~${((wall * slots - itemMs) / n / 1000).toFixed(2)} s per task`,
    );
  } else console.log('slurm: no cluster answers (sinfo); run scripts/ci/slurm.sh for this figure');
} finally {
  rmSync(work, { recursive: true, force: true });
}
