/// <reference lib="dom" />
// Catalog site benchmark (`npm run bench:site`): build time for the real registry (the
// baseline) and for 1,000 and 5,000 synthetic cards (near-linear growth), first-view transfer
// size of the catalog page, and search latency p50/p95 measured in Chromium. Not a test: it
// prints figures and ratios. BENCH_SITE_CARDS=2000 changes the large size.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { serveStatic } from '../src/site-data/serve.ts';
import { launchChromium } from '../test/site/browser.ts';
import { writeSyntheticCards } from './synthetic-cards.ts';

const repo = path.resolve(import.meta.dirname, '..');
const large = Number(process.env.BENCH_SITE_CARDS ?? 5000);
const mid = Math.round(large / 5);
const QUERIES = [
  'liver',
  'kidney',
  'prostate',
  'lung',
  'spleen',
  'heart',
  'tumor',
  'segmentation',
  'vertebra',
  'splenic structure',
  'nnu',
  'total',
  'bamf',
  'ct liver',
  'left kidney',
  'rib',
  'aorta',
  'brain',
  'breast',
  'pancreas',
  'lesion',
  'robust',
  'zonal',
  'pro',
  'seg',
  'node',
  'femur',
  'bladder',
  'colon',
  'esophagus',
  'trachea',
  'kidney structure',
  'neoplasm',
  'cyst',
  'pelvis',
  'gluteus',
];

interface BuildFigures {
  models: number;
  wallS: number;
  cpuS: number;
  timings: Record<string, number>;
}

async function build(out: string, models?: string): Promise<BuildFigures> {
  const args = [
    'bin/mhub.js',
    'site',
    'build',
    '--out',
    out,
    '--json',
    // Synthetic builds leave out the Slicer zips (a generator product, ~10 ms a model, timed
    // on the real registry's build); the goal is the catalog's own build time.
    ...(models ? ['--models', models, '--no-slicer-downloads'] : []),
  ];
  const started = performance.now();
  const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: repo, maxBuffer: 1 << 26 });
  const wallS = (performance.now() - started) / 1000;
  const result = JSON.parse(
    stdout
      .trim()
      .split('\n')
      .find((l) => l.startsWith('{'))!,
  );
  return { models: result.models, wallS, cpuS: result.cpuMs / 1000, timings: result.timings };
}

const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

async function browse(dir: string) {
  const server = await serveStatic(dir);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}/`, { waitUntil: 'load' });
    const firstView = await page.evaluate(() => {
      const entries = [
        performance.getEntriesByType('navigation')[0] as PerformanceResourceTiming,
        ...(performance.getEntriesByType('resource') as PerformanceResourceTiming[]),
      ];
      const code = entries.filter((e) => /\.(css|js)$|\/$|\.html$/.test(new URL(e.name).pathname));
      return {
        transferred: code.reduce((n, e) => n + e.transferSize, 0),
        decoded: code.reduce((n, e) => n + e.decodedBodySize, 0),
        files: code.map((e) => new URL(e.name).pathname),
      };
    });
    const facetsKb =
      (await page.evaluate(
        async () => (await (await fetch('/search/facets.json')).arrayBuffer()).byteLength,
      )) / 1024;
    // Pagefind alone, then the whole UI update (search, facet counts, first results rendered).
    const latency = await page.evaluate(async (queries) => {
      const pf = await import('/pagefind/pagefind.js' as string);
      await pf.init();
      const engine: Record<string, number[]> = { cold: [], warm: [] };
      for (const pass of ['cold', 'warm'])
        for (const q of queries) {
          const t0 = performance.now();
          await pf.search(q);
          engine[pass]!.push(performance.now() - t0);
        }
      const root = document.querySelector('.catalog')!;
      const input = document.querySelector<HTMLInputElement>('#q')!;
      const ui: number[] = [];
      for (const q of queries) {
        const done = new Promise<number>((resolve) =>
          root.addEventListener('catalog:updated', (e) => resolve((e as CustomEvent).detail.ms), {
            once: true,
          }),
        );
        input.value = q;
        input.dispatchEvent(new Event('input'));
        ui.push(await done);
      }
      return { engine, ui };
    }, QUERIES);
    return { firstView, latency, facetsKb };
  } finally {
    await browser.close();
    await server.close();
  }
}

const work = await mkdtemp(path.join(tmpdir(), 'mhub-site-bench-'));
try {
  const f = (n: number, d = 1) => n.toFixed(d);
  console.log(
    `site bench (${QUERIES.length} queries; machine load ${f((await import('node:os')).loadavg()[0]!, 2)})`,
  );
  const real = await build(path.join(work, 'real'));
  console.log(
    `build, real registry: ${real.models} cards, ${f(real.wallS)} s wall, ${f(real.cpuS)} s CPU (baseline)`,
  );

  const sizes: BuildFigures[] = [];
  for (const n of [mid, large]) {
    const cards = path.join(work, `cards-${n}`);
    await writeSyntheticCards(cards, n);
    const figures = await build(path.join(work, `site-${n}`), cards);
    sizes.push(figures);
    const t = figures.timings;
    console.log(
      `build, ${n} synthetic cards: ${f(figures.wallS)} s wall (goal <= 60 s for 5000), ${f(figures.cpuS)} s CPU; ` +
        `registry ${f(t.registry! / 1000)} s, then pages ${f(t.astro! / 1000)} s | search index ${f(t.search! / 1000)} s | API ${f(t.api! / 1000)} s side by side; ` +
        `${f((figures.wallS / n) * 1000, 2)} ms/card, ${f(figures.wallS / real.wallS, 1)}x the baseline`,
    );
  }
  const [a, b] = sizes as [BuildFigures, BuildFigures];
  console.log(
    `growth ${mid} -> ${large} cards (${f(large / mid, 0)}x the cards): ${f(b.wallS / a.wallS, 2)}x the wall time, ` +
      `${f(b.cpuS / a.cpuS, 2)}x the CPU time (linear = ${f(large / mid, 0)}x)`,
  );

  for (const [label, dir] of [
    ['real registry', path.join(work, 'real')],
    [`${large} cards`, path.join(work, `site-${large}`)],
  ] as const) {
    const { firstView, latency, facetsKb } = await browse(dir);
    console.log(
      `first view, ${label}: ${f(firstView.transferred / 1024)} KB transferred (gzip), ${f(firstView.decoded / 1024)} KB ` +
        `uncompressed, HTML+CSS+JS (${firstView.files.length} files; goal <= 150 KB); ` +
        `loaded on first search: /search/facets.json ${f(facetsKb)} KB uncompressed, plus Pagefind's chunks`,
    );
    const line = (name: string, v: number[]) =>
      `${name} p50 ${f(pct(v, 50))} ms, p95 ${f(pct(v, 95))} ms, max ${f(Math.max(...v))} ms`;
    console.log(
      `search, ${label}: Pagefind ${line('cold', latency.engine.cold!)}; ${line('warm', latency.engine.warm!)} (goal <= 100 ms)`,
    );
    console.log(
      `  UI update, input to first screenful (search + facet counts + 6 result cards): first one ` +
        `(loads the search code and facet table) ${f(latency.ui[0]!)} ms; the others ${line('', latency.ui.slice(1))}`,
    );
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
