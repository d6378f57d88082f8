/// <reference lib="dom" />
// Catalog site benchmark (`npm run bench:site`): build time for the real registry (the
// baseline) and for 1,000 and 5,000 synthetic cards (near-linear growth), first-view transfer
// size of the catalog page, the search files' sizes, and search latency p50/p95 in Chromium: the
// catalog's whole update, cold and warm, against Pagefind (the baseline, which the catalog used
// before its own index) indexing the same built model pages, side by side in the same browser.
// Not a test: it prints figures and ratios. BENCH_SITE_CARDS=2000 changes the large size.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { serveStatic } from '../src/site-data/serve.ts';
import { isQueryRequest, launchChromium } from '../test/site/browser.ts';
import { writeSyntheticCards } from './synthetic-cards.ts';

const repo = path.resolve(import.meta.dirname, '..');
const large = Number(process.env.BENCH_SITE_CARDS ?? 5000);
const mid = Math.round(large / 5);
/** BENCH_SITE_SEARCH_ONLY=1: build the large site only and measure its search (no build figures). */
const searchOnly = process.env.BENCH_SITE_SEARCH_ONLY === '1';
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

/** Input to the first screenful of results, as the page reports it (`catalog:updated`). */
function typeAndTime(page: Page, q: string): Promise<number> {
  return page.evaluate((q) => {
    const root = document.querySelector('.catalog')!;
    const input = document.querySelector<HTMLInputElement>('#q')!;
    const done = new Promise<number>((resolve) =>
      root.addEventListener('catalog:updated', (e) => resolve((e as CustomEvent).detail.ms), { once: true }),
    );
    input.value = q;
    input.dispatchEvent(new Event('input'));
    return done;
  }, q);
}

/** The baseline: Pagefind's index of the built model pages (its usual use), beside the site. */
async function writePagefind(dir: string) {
  const pagefind = await import('pagefind');
  const { index, errors } = await pagefind.createIndex({});
  if (!index) throw new Error(`Pagefind could not start: ${errors.join('; ')}`);
  try {
    const added = await index.addDirectory({ path: dir, glob: 'models/**/*.html' });
    if (added.errors.length) throw new Error(`Pagefind: ${added.errors.join('; ')}`);
    const written = await index.writeFiles({ outputPath: path.join(dir, 'pagefind') });
    if (written.errors.length) throw new Error(`Pagefind: ${written.errors.join('; ')}`);
  } finally {
    await pagefind.close();
  }
}

async function browse(dir: string) {
  await writePagefind(dir);
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
    const size = async (file: string) => {
      const bytes = await readFile(path.join(dir, 'search', file));
      return { kb: bytes.byteLength / 1024, gzipKb: gzipSync(bytes).byteLength / 1024 };
    };
    const files = { facets: await size('facets.json'), index: await size('index.json') };
    // The baseline, side by side: Pagefind alone, each query once (cold) then again (warm).
    const engine = await page.evaluate(async (queries) => {
      const pf = await import('/pagefind/pagefind.js' as string);
      await pf.init();
      const out: Record<string, number[]> = { cold: [], warm: [] };
      for (const pass of ['cold', 'warm'])
        for (const q of queries) {
          const t0 = performance.now();
          // search() alone: the catalog used Pagefind for the ranked ids only (result cards came
          // from the facet table), so that is the step the catalog's own index replaced.
          await pf.search(q);
          out[pass]!.push(performance.now() - t0);
        }
      return out;
    }, QUERIES);
    await page.close();

    // The whole UI update (search, facet counts, first screenful rendered), from the input event.
    // Cold: each query's first search in a page where focusing the box has loaded the search
    // files, nothing of the query computed yet; warm: the same queries again.
    // Fresh: a new browser context (empty cache) per query, after focusing; first: the same
    // without focusing, so the search files load after the input.
    const requests = { cold: 0, warm: 0, fresh: 0 };
    const ui: Record<'first' | 'fresh' | 'cold' | 'warm', number[]> = {
      first: [],
      fresh: [],
      cold: [],
      warm: [],
    };
    const open = async (focusFirst: boolean) => {
      const context = await browser.newContext();
      const p = await context.newPage();
      await p.goto(`${server.url}/`, { waitUntil: 'load' });
      if (focusFirst) {
        await p.focus('#q');
        await p.waitForLoadState('networkidle');
      }
      // Requests a query makes, thumbnails and the browser's icon aside: none, once the search
      // files are loaded.
      let n = 0;
      p.on('request', (r) => {
        if (isQueryRequest(r)) n++;
      });
      return { context, page: p, requests: () => n };
    };
    const one = await open(true);
    for (const q of QUERIES) ui.cold.push(await typeAndTime(one.page, q));
    requests.cold = one.requests();
    for (const q of QUERIES) ui.warm.push(await typeAndTime(one.page, q));
    requests.warm = one.requests() - requests.cold;
    await one.context.close();
    for (const q of QUERIES) {
      const first = await open(false);
      ui.first.push(await typeAndTime(first.page, q));
      await first.context.close();
      const fresh = await open(true);
      ui.fresh.push(await typeAndTime(fresh.page, q));
      requests.fresh += fresh.requests();
      await fresh.context.close();
    }
    return { firstView, engine, ui, files, requests };
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
  if (searchOnly) {
    const cards = path.join(work, `cards-${large}`);
    await writeSyntheticCards(cards, large);
    const figures = await build(path.join(work, `site-${large}`), cards);
    console.log(
      `build, ${large} synthetic cards: ${f(figures.wallS)} s wall (search only: other builds skipped)`,
    );
  } else {
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
  }

  const sites = [
    ['real registry', path.join(work, 'real')],
    [`${large} cards`, path.join(work, `site-${large}`)],
  ] as const;
  for (const [label, dir] of searchOnly ? sites.slice(1) : sites) {
    const { firstView, engine, ui, files, requests } = await browse(dir);
    console.log(
      `first view, ${label}: ${f(firstView.transferred / 1024)} KB transferred (gzip), ${f(firstView.decoded / 1024)} KB ` +
        `uncompressed, HTML+CSS+JS (${firstView.files.length} files; goal <= 150 KB); ` +
        `loaded when the search box is focused: /search/index.json ${f(files.index.kb)} KB (${f(files.index.gzipKb)} KB gzip), ` +
        `/search/facets.json ${f(files.facets.kb)} KB (${f(files.facets.gzipKb)} KB gzip)`,
    );
    const p = (v: number[]) => `p50 ${f(pct(v, 50))} ms, p95 ${f(pct(v, 95))} ms`;
    console.log(
      `search, ${label}: Pagefind over the model pages (the baseline, search() alone): cold ${p(engine.cold!)}; warm ${p(engine.warm!)}`,
    );
    console.log(
      `  UI, input to first screenful (search + facet counts + first result cards): cold ${p(ui.cold)} ` +
        `(goal p95 <= 100 ms), ${f(pct(ui.cold, 95) / pct(engine.cold!, 95), 2)}x Pagefind's cold p95; ` +
        `warm ${p(ui.warm)}, ${f(pct(ui.warm, 95) / pct(engine.warm!, 95), 2)}x Pagefind's warm p95`,
    );
    console.log(
      `  in a new browser context per query: after focusing the box ${p(ui.fresh)}; without focusing ` +
        `(loads the search files after the input) ${p(ui.first)}; ` +
        `requests during the queries (thumbnails aside): ${requests.cold} cold, ${requests.warm} warm, ${requests.fresh} fresh`,
    );
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
