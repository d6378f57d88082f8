// Validates 5,000 synthetic cards (variants of the real ones) and prints cards/s, against a
// baseline in the same run: reading and YAML-parsing the same files (js-yaml) without validating.
// Goal: 5,000 cards in under 10 s on the 2-core CI machine.  Run: npm run bench:validate
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CORE_SCHEMA, load } from 'js-yaml';
import { defaultModelsDir } from '../src/registry/paths.ts';
import { validateCards } from '../src/registry/validate.ts';

const COUNT = Number(process.env.BENCH_CARDS ?? 5000);

async function makeCards(dir: string): Promise<void> {
  const sources = (await readdir(defaultModelsDir)).filter((f) => f.endsWith('.md'));
  const texts = await Promise.all(sources.map((f) => readFile(path.join(defaultModelsDir, f), 'utf8')));
  const writes: Promise<void>[] = [];
  for (let i = 0; i < COUNT; i++) {
    const k = i % texts.length;
    const name = `${sources[k]!.replace(/\.md$/, '')}_${i}`;
    const text = texts[k]!.replace(/^name: .*$/m, `name: ${name}`).replace(/^id: .*\n/m, '');
    writes.push(writeFile(path.join(dir, `${name}.md`), text));
  }
  await Promise.all(writes);
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await fn();
  return [value, (performance.now() - start) / 1000];
}

const dir = await mkdtemp(path.join(tmpdir(), 'mhub-bench-validate-'));
try {
  await makeCards(dir);
  const [, baseline] = await timed(async () => {
    const files = (await readdir(dir)).sort();
    const texts = await Promise.all(files.map((f) => readFile(path.join(dir, f), 'utf8')));
    for (const text of texts) load(text.split('\n---\n')[0]!.slice(4), { schema: CORE_SCHEMA });
  });
  const [result, seconds] = await timed(() => validateCards([dir]));
  const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
  if (result.cards.length !== COUNT || errors > 0)
    throw new Error(`expected ${COUNT} valid cards, got ${result.cards.length} and ${errors} errors`);
  console.log(
    `validated ${COUNT} cards in ${seconds.toFixed(2)} s: ${Math.round(COUNT / seconds)} cards/s (goal: < 10 s)`,
  );
  console.log(
    `baseline, read + YAML parse only (the floor): ${baseline.toFixed(2)} s; validation costs ${(seconds / baseline).toFixed(2)}x the baseline`,
  );
  console.log(`peak RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
