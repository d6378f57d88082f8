// `node bench/generate.bench.ts`: time to generate the Slicer extension for every card (goal:
// under 2 s), against a baseline measured in the same run: `mhub registry validate`, which loads
// and validates the same cards (same process start-up, same registry work, nothing generated).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSlicerExtension, renderExtension } from '../src/generator/index.ts';
import { loadTerminology } from '../src/registry/terminology.ts';
import { loadRegistry } from '../src/registry/validate.ts';

const mhub = fileURLToPath(new URL('../bin/mhub.js', import.meta.url));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const dir = mkdtempSync(path.join(tmpdir(), 'mhub-bench-slicer-'));

function cli(args: string[]): number {
  const start = performance.now();
  const result = spawnSync(process.execPath, [mhub, ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`mhub ${args.join(' ')} failed: ${result.stderr}`);
  return performance.now() - start;
}

async function timed(fn: () => unknown): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

try {
  const load = loadavg()[0]!;
  const generateCli: number[] = [];
  const validateCli: number[] = [];
  for (let i = 0; i < 3; i++) {
    validateCli.push(cli(['registry', 'validate']));
    generateCli.push(cli(['generate', 'slicer', '--out', path.join(dir, `cli${i}`)]));
  }
  const records = await loadRegistry();
  const terminology = loadTerminology();
  const render: number[] = [];
  const full: number[] = [];
  for (let i = 0; i < 5; i++) {
    render.push(await timed(() => renderExtension(records, terminology)));
    full.push(await timed(() => generateSlicerExtension({ outDir: path.join(dir, `api${i}`) })));
  }
  const gen = median(generateCli);
  console.log(`cards: ${records.length}; load average at start: ${load.toFixed(1)} (2 cores)`);
  console.log(
    `mhub generate slicer (all cards, new process), median of 3: ${gen.toFixed(0)} ms  ${gen < 2000 ? '< 2 s: OK' : '>= 2 s: over the goal'}`,
  );
  console.log(
    `baseline: mhub registry validate (same cards), median of 3: ${median(validateCli).toFixed(0)} ms`,
  );
  console.log(`ratio generate/validate: ${(gen / median(validateCli)).toFixed(2)}x`);
  console.log(
    `in process, warm: generate ${median(full).toFixed(0)} ms, of which render in memory ${median(render).toFixed(0)} ms`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
