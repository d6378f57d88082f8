// `mhub run` against the baselines it wraps, on the reference model with a warm image and a
// warm environment (Node start-up included):
//   Docker: `mhub run --backend docker` vs a raw `docker run` of the same image and mounts;
//   venv:   `mhub run --backend venv`   vs `python -m classical_ct` in the same environment.
// Goal: both ratios <= 1.15. Usage: node bench/run.bench.ts [--size small|large] [--reps N]
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  containerConfig,
  containerUser,
  dockerCliArgs,
  ENV,
  envPaths,
} from '../src/runner/contract/index.ts';

const repo = fileURLToPath(new URL('../', import.meta.url));
const args = process.argv.slice(2);
const size = args.includes('--size') ? args[args.indexOf('--size') + 1]! : 'large';
const reps = args.includes('--reps') ? Number(args[args.indexOf('--reps') + 1]) : 5;
const image = 'mhub-registry/classical_ct:1.0.0';
const work = mkdtempSync(path.join(os.tmpdir(), 'mhub-bench-'));
const home = path.join(work, 'home');
const input = path.join(work, 'in');
const env = { ...process.env, [ENV.home]: home, PIP_RETRIES: process.env.PIP_RETRIES ?? '0' };

execFileSync('bash', [path.join(repo, 'models/build-images.sh')], { stdio: 'inherit' });
execFileSync('python3', ['-m', 'classical_ct.phantom', input, '--size', size], {
  env: { ...env, PYTHONPATH: path.join(repo, 'models/classical_ct') },
});
const ct = path.join(input, 'ct.nii.gz');
const mhub = (backend: string, out: string) =>
  [
    process.execPath,
    [path.join(repo, 'bin/mhub.js'), 'run', 'classical_ct', '-i', ct, '-o', out, '--backend', backend, '-q'],
  ] as const;
// Warm-up: builds the venv and touches the image once (not timed).
for (const backend of ['docker', 'venv']) {
  const [cmd, a] = mhub(backend, path.join(work, `warm-${backend}`));
  execFileSync(cmd, a, { env, stdio: 'ignore' });
}
const python = path.join(envPaths(home, 'classical_ct', '1.0.0').root, 'bin/python');
// The baseline container is the runner's own (same flags), without its name and labels.
const rawDocker = (out: string) => [
  'run',
  '--rm',
  ...dockerCliArgs(
    containerConfig({
      image,
      inputDir: input,
      outputDir: out,
      user: containerUser(process.getuid?.(), process.getgid?.()),
    }),
  ),
];

function time(cmd: string, argv: readonly string[], out: string, extraEnv: NodeJS.ProcessEnv = {}): number {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const start = process.hrtime.bigint();
  chmodSync(out, 0o777); // as the runner does for nobody, when the caller is root
  const r = spawnSync(cmd, argv, { env: { ...env, ...extraEnv }, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed: ${r.stderr}`);
  return ms;
}

const cases = {
  'docker run (raw)': () => time('docker', rawDocker(`${work}/o-raw`), `${work}/o-raw`),
  'mhub run --backend docker': () =>
    time(...mhub('docker', `${work}/o-mhub-docker`), `${work}/o-mhub-docker`),
  'python -m classical_ct (direct)': () =>
    time(python, ['-m', 'classical_ct', input, `${work}/o-direct`], `${work}/o-direct`, {
      PYTHONPATH: path.join(repo, 'models/classical_ct'),
    }),
  'mhub run --backend venv': () => time(...mhub('venv', `${work}/o-mhub-venv`), `${work}/o-mhub-venv`),
};
const samples: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
// Interleaved, so a load spike on this shared machine hits every case alike.
for (let i = 0; i < reps; i++) for (const [name, run] of Object.entries(cases)) samples[name]!.push(run());
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const best = (xs: number[]) => Math.min(...xs);
console.log(
  `classical_ct, ${size} phantom, ${reps} interleaved runs each (wall time; best is the least disturbed by load):`,
);
for (const [k, v] of Object.entries(samples)) {
  console.log(
    `  ${k.padEnd(34)} best ${(best(v) / 1000).toFixed(2)} s   median ${(median(v) / 1000).toFixed(2)} s`,
  );
}
const ratio = (a: string, b: string, f: (xs: number[]) => number) =>
  (f(samples[a]!) / f(samples[b]!)).toFixed(3);
const docker = ['mhub run --backend docker', 'docker run (raw)'] as const;
const venv = ['mhub run --backend venv', 'python -m classical_ct (direct)'] as const;
console.log(
  `ratio docker: mhub / raw docker run = ${ratio(...docker, best)}x best, ${ratio(...docker, median)}x median (goal <= 1.15x)`,
);
console.log(
  `ratio venv:   mhub / direct python  = ${ratio(...venv, best)}x best, ${ratio(...venv, median)}x median (goal <= 1.15x)`,
);
console.log(
  `load average at the end: ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} on ${os.cpus().length} CPUs`,
);
rmSync(work, { recursive: true, force: true });
