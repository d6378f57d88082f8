// Docker or Python environment? Measures both reference models (classical_ct, unet_ct) under
// both backends with the real runner and writes site/src/data/backends.json for the catalog.
//   provisioning: Docker = a forced build (no layer cache) of the model image under a bench tag
//     on the existing base image; venv = ensureEnv (create + pip install from the local index +
//     weights) into a fresh MHUB_HOME. Bytes: the image's size / the MHUB_HOME folder.
//   per run: runModel, time to the first model output line and to completion, peak memory
//     (sum of the model processes' peak RSS from /proc, same method for both backends).
//     cold = the first run after provisioning (page cache not dropped); warm = N more runs.
// Usage: node bench/backends.bench.ts [--runs N] [--size small|large] [--no-build] [--out FILE]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { LABEL_PREFIX } from '../src/runner/contract/index.ts';
import { resolveModel, runModel } from '../src/runner/index.ts';
import type { BackendName } from '../src/runner/types.ts';
import { ensureEnv } from '../src/runner/venv/env.ts';
import {
  containerPids,
  descendants,
  diskBytes,
  memorySampler,
  type Spread,
  spread,
} from './backends/measure.ts';

const repo = fileURLToPath(new URL('../', import.meta.url));
const args = process.argv.slice(2);
const opt = (name: string, fallback: string) =>
  args.includes(name) ? args[args.indexOf(name) + 1]! : fallback;
const runs = Number(opt('--runs', '3'));
const size = opt('--size', 'small');
const build = !args.includes('--no-build');
const outFile = path.resolve(repo, opt('--out', 'site/src/data/backends.json'));
const MODELS = ['classical_ct', 'unet_ct'] as const;
const BACKENDS: BackendName[] = ['docker', 'venv'];
const BENCH_LABEL = `${LABEL_PREFIX}bench`;
const docker = new Docker();
const work = mkdtempSync(path.join(os.tmpdir(), 'mhub-bench-backends-'));
const sh = (cmd: string, argv: string[], env: NodeJS.ProcessEnv = process.env) =>
  execFileSync(cmd, argv, { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const elapsed = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

interface RunFigures {
  firstOutputMs: number;
  totalMs: number;
  peakRssBytes: number;
}

/** One real `runModel` call, timed and memory-sampled. */
async function measuredRun(
  model: string,
  backend: BackendName,
  input: string,
  home: string,
): Promise<RunFigures> {
  const tag = `${process.pid}-${Math.random().toString(36).slice(2)}`;
  const output = path.join(work, `out-${tag}`);
  let containerId: string | undefined;
  let first: number | undefined;
  let done = false;
  const start = process.hrtime.bigint();
  const sampler = memorySampler(() =>
    backend === 'venv' ? descendants(process.pid) : containerId ? containerPids(containerId) : [],
  );
  const findContainer = async () => {
    while (!containerId && !done) {
      const list = await docker.listContainers({ filters: { label: [`${BENCH_LABEL}=${tag}`] } });
      containerId = list[0]?.Id;
      if (!containerId) await new Promise((r) => setTimeout(r, 25));
    }
  };
  const seen = () => {
    first ??= elapsed(start);
  };
  const finding = backend === 'docker' ? findContainer() : Promise.resolve();
  try {
    await runModel({
      model,
      input,
      output,
      backend,
      gpu: 'off',
      outputFormats: ['native'],
      home,
      labels: { [BENCH_LABEL]: tag },
      progress: (event) => {
        if (event.phase === 'model') seen();
      },
      log: seen,
    });
  } finally {
    done = true;
    await finding;
  }
  const totalMs = elapsed(start);
  const peakRssBytes = sampler.stop();
  rmSync(output, { recursive: true, force: true });
  return { firstOutputMs: first ?? totalMs, totalMs, peakRssBytes };
}

/** Docker provisioning: a build without layer cache under a bench tag, removed afterwards. */
function provisionDocker(model: string): { ms: number; bytes: number; method: string } {
  const tag = `mhub-bench/${model}:bench`;
  const start = process.hrtime.bigint();
  if (model === 'unet_ct') {
    sh('bash', [path.join(repo, 'models/unet_ct/build-image.sh'), '--force'], {
      ...process.env,
      UNET_CT_IMAGE: tag,
    });
  } else {
    const base = process.env.MHUB_BASE_IMAGE ?? 'mhub-runner/base:bookworm-py3';
    const dir = path.join(repo, 'models', model);
    sh('docker', [
      'build',
      '-q',
      '--no-cache',
      '--build-arg',
      `BASE=${base}`,
      '-t',
      tag,
      '-f',
      `${dir}/Dockerfile`,
      dir,
    ]);
  }
  const ms = elapsed(start);
  const bytes = Number(sh('docker', ['image', 'inspect', '-f', '{{.Size}}', tag]));
  sh('docker', ['image', 'rm', tag]);
  return {
    ms,
    bytes,
    method: 'docker build --no-cache on the local base image (base image build not included)',
  };
}

async function provisionVenv(
  model: string,
  home: string,
): Promise<{ ms: number; bytes: number; method: string }> {
  const record = await resolveModel(model);
  const start = process.hrtime.bigint();
  await ensureEnv(record, { home, progress: () => {} });
  return {
    ms: elapsed(start),
    bytes: diskBytes(home),
    method: 'python -m venv + pip install --require-hashes from the local package index, weights verified',
  };
}

interface BackendFigures {
  provision: { ms: number; bytes: number; method: string } | null;
  imageOrEnvBytes: number;
  cold: RunFigures;
  warm: { firstOutputMs: Spread; totalMs: Spread; peakRssBytes: Spread };
}

async function measure(model: string, backend: BackendName, input: string): Promise<BackendFigures> {
  const home = mkdtempSync(path.join(work, `home-${model}-${backend}-`));
  let provision: BackendFigures['provision'] = null;
  if (backend === 'venv') provision = await provisionVenv(model, home);
  else if (build) provision = provisionDocker(model);
  const record = await resolveModel(model);
  const image = `${record.card.runtimes.docker!.image}:${record.card.runtimes.docker!.tag}`;
  const imageOrEnvBytes =
    backend === 'venv'
      ? provision!.bytes
      : Number(sh('docker', ['image', 'inspect', '-f', '{{.Size}}', image]));
  const cold = await measuredRun(model, backend, input, home);
  const warmRuns: RunFigures[] = [];
  for (let i = 0; i < runs; i++) warmRuns.push(await measuredRun(model, backend, input, home));
  rmSync(home, { recursive: true, force: true });
  return {
    provision,
    imageOrEnvBytes,
    cold,
    warm: {
      firstOutputMs: spread(warmRuns.map((r) => r.firstOutputMs)),
      totalMs: spread(warmRuns.map((r) => r.totalMs)),
      peakRssBytes: spread(warmRuns.map((r) => r.peakRssBytes)),
    },
  };
}

function machine() {
  const release = readFileSync('/etc/os-release', 'utf8');
  const cpus = os.cpus();
  return {
    os: /PRETTY_NAME="?([^"\n]+)/.exec(release)?.[1] ?? os.type(),
    kernel: os.release(),
    arch: os.arch(),
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryBytes: os.totalmem(),
  };
}

async function main() {
  // The images the runs use, reused when up to date.
  sh('bash', [path.join(repo, 'models/build-images.sh')]);
  sh('bash', [path.join(repo, 'models/unet_ct/build-image.sh')]);
  const input = path.join(work, 'in');
  sh('python3', ['-m', 'classical_ct.phantom', input, '--size', size], {
    ...process.env,
    PYTHONPATH: path.join(repo, 'models/classical_ct'),
  });
  const ct = path.join(input, 'ct.nii.gz');
  const models = [];
  for (const model of MODELS) {
    const record = await resolveModel(model);
    const backends: Record<string, BackendFigures> = {};
    for (const backend of BACKENDS) {
      process.stderr.write(`measuring ${model} under ${backend}...\n`);
      backends[backend] = await measure(model, backend, ct);
    }
    models.push({ model, version: record.card.version ?? '', backends });
  }
  const torchPin = readFileSync(path.join(repo, 'models/unet_ct/requirements.txt'), 'utf8').match(
    /torch==([^\s]+)/,
  )?.[1];
  const result = {
    generated: new Date().toISOString(),
    command: `npm run bench:backends -- --runs ${runs} --size ${size}${build ? '' : ' --no-build'}`,
    machine: machine(),
    versions: {
      node: process.version,
      docker: (await docker.version()).Version,
      python: sh('python3', ['--version']).replace('Python ', ''),
      torch: torchPin ?? null,
    },
    settings: { warmRuns: runs, phantom: size, gpu: false },
    models,
  };
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(`${outFile}.tmp`, `${JSON.stringify(result, null, 2)}\n`);
  renameSync(`${outFile}.tmp`, outFile);
  for (const m of models) {
    for (const [b, f] of Object.entries(m.backends)) {
      const p = f.provision ? `${(f.provision.ms / 1000).toFixed(1)} s` : 'not measured';
      console.log(
        `${m.model.padEnd(13)} ${b.padEnd(7)} provision ${p.padStart(9)}  size ${(f.imageOrEnvBytes / 2 ** 20).toFixed(0).padStart(5)} MiB  ` +
          `cold ${(f.cold.totalMs / 1000).toFixed(2)} s  warm median ${(f.warm.totalMs.median / 1000).toFixed(2)} s ` +
          `(first output ${(f.warm.firstOutputMs.median / 1000).toFixed(2)} s)  peak ${(f.warm.peakRssBytes.median / 2 ** 20).toFixed(0)} MiB`,
      );
    }
  }
  console.log(`wrote ${path.relative(repo, outFile)}`);
}

try {
  await main();
} finally {
  rmSync(work, { recursive: true, force: true });
}
