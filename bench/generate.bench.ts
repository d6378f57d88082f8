// `node bench/generate.bench.ts`: time to generate the Slicer extension for every card (goal:
// under 2 s), against a baseline measured in the same run: loading and validating the registry,
// which any generation must do first.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateSlicerExtension, renderExtension } from '../src/generator/index.ts';
import { loadTerminology } from '../src/registry/terminology.ts';
import { loadRegistry } from '../src/registry/validate.ts';

const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const dir = mkdtempSync(path.join(tmpdir(), 'mhub-bench-slicer-'));

try {
  let t = process.hrtime.bigint();
  const first = await generateSlicerExtension({ outDir: path.join(dir, 'cold') });
  const cold = ms(t);

  const baseline: number[] = [];
  const full: number[] = [];
  const render: number[] = [];
  for (let i = 0; i < 5; i++) {
    t = process.hrtime.bigint();
    const records = await loadRegistry();
    baseline.push(ms(t));
    t = process.hrtime.bigint();
    renderExtension(records, loadTerminology());
    render.push(ms(t));
    t = process.hrtime.bigint();
    await generateSlicerExtension({ outDir: path.join(dir, `warm${i}`) });
    full.push(ms(t));
  }
  const cards = first.modules.length - 1;
  console.log(`cards: ${cards}, files: ${first.files.length}`);
  console.log(
    `generate (cold, first in process): ${cold.toFixed(0)} ms ${cold < 2000 ? '< 2 s: OK' : '>= 2 s: TOO SLOW'}`,
  );
  console.log(`generate (warm, median of 5):      ${median(full).toFixed(0)} ms`);
  console.log(`  of which render in memory:        ${median(render).toFixed(0)} ms`);
  console.log(`baseline: load+validate registry:  ${median(baseline).toFixed(0)} ms`);
  console.log(`ratio generate/baseline: ${(median(full) / median(baseline)).toFixed(2)}x`);
  if (cold >= 2000) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
