// `npm run build`: the catalog site from the registry, into site/dist. Cards are read through
// src/registry only; the Astro pages get the computed SiteData through one JSON file named by
// MHUB_SITE_DATA, the JSON API is the registry index written by writeIndex, and the search index
// is built from each model's fields (titles, segment names, SNOMED CT meanings, synonyms,
// descriptions) rather than scraped HTML. The site is built into a temp folder and renamed into place on success.

import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkOutput, moveAtomic, refuseOverlap } from '../fsafe/index.ts';
import { colourFor, iconPng } from '../generator/index.ts';
import { buildIndex, loadRegistry, loadTerminology, projectLinks, writeIndex } from '../registry/index.ts';
import { apiIndexHtml, apiIndexJson } from './api-endpoints.ts';
import { facetTable } from './facet-table.ts';
import { testExtras, writeTestFiles } from './samples.ts';
import { searchIndex } from './search-index.ts';
import { buildSiteData, modelUrl, PREVIEW_IMAGE, type SiteData } from './site-model.ts';
import { slicerZipPath, writeSlicerDownloads } from './slicer-downloads.ts';

export const siteRoot = fileURLToPath(new URL('../../site/', import.meta.url));
export const defaultSiteOut = path.join(siteRoot, 'dist');
/** Where the JSON API lives on the site. */
export const API_PATH = 'api/v1';

export interface BuildSiteOptions {
  /** Card files or folders (default: registry/models). */
  models?: string[];
  outDir?: string;
  log?: (line: string) => void;
  /** Zip each model's Slicer extension into /slicer/ (default true; about 10 ms a model). */
  slicerDownloads?: boolean;
  /** Replace an existing folder mhub did not build (moved aside until the new site is complete). */
  force?: boolean;
}

export interface BuildSiteResult {
  outDir: string;
  models: number;
  timings: Record<'registry' | 'astro' | 'api' | 'search' | 'slicer' | 'total', number>;
}

export async function buildSite(options: BuildSiteOptions = {}): Promise<BuildSiteResult> {
  const log = options.log ?? (() => {});
  const outDir = path.resolve(options.outDir ?? defaultSiteOut);
  const t0 = performance.now();
  checkOutput(outDir, { force: options.force, marker: true });
  refuseOverlap(outDir, options.models ?? [path.join(siteRoot, '..', 'registry', 'models')], {
    outputInsideOk: true,
  });
  // The site's own sources sit beside the default output: an output holding them is refused.
  if (!path.relative(outDir, siteRoot).startsWith('..')) refuseOverlap(outDir, [siteRoot]);
  const records = await loadRegistry(options.models);
  const terminology = loadTerminology();
  const project = projectLinks();
  const at = (sitePath: string) => new URL(sitePath.replace(/^\//, ''), project.catalog).href;
  const index = buildIndex(records, terminology, {
    urls: (card) => ({
      page: at(modelUrl(card.name)),
      json: `${project.api}/models/${card.name}.json`,
      slicer: at(slicerZipPath(card.name)),
    }),
  });
  const extras = await testExtras(records, terminology);
  const data = buildSiteData(index, terminology, project, extras);
  const t1 = performance.now();

  const work = await mkdtemp(path.join(tmpdir(), 'mhub-site-'));
  // Built inside site/ (one folder per process), then moved to `outDir`: Astro's intermediate
  // server build must sit below the checkout to resolve its packages, and parallel builds must
  // not share it. Astro empties `temp` when it starts, so the search files and the API go to `side`.
  const temp = path.join(siteRoot, `.build-${process.pid}`);
  const side = path.join(siteRoot, `.side-${process.pid}`);
  try {
    const dataFile = path.join(work, 'site-data.json');
    await writeFile(dataFile, JSON.stringify(data));
    await rm(temp, { recursive: true, force: true });
    await mkdir(side, { recursive: true });
    // The search files and the API are file writes: they overlap the page build instead of
    // following it. The Slicer zips are CPU work on this thread: they interleave with Astro.
    const lap = () => performance.now() - t1;
    const sideWork = Promise.all([
      writeSearchFiles(data, path.join(side, 'search')).then(lap),
      writeIndex(index, path.join(side, 'api')).then(lap),
      writeTestFiles(
        extras,
        path.join(side, 'samples'),
        path.join(side, 'reports'),
        path.join(side, 'previews'),
      ).then(lap),
      (options.slicerDownloads === false
        ? mkdir(path.join(side, 'slicer'))
        : writeSlicerDownloads(records, terminology, path.join(side, 'slicer'))
      ).then(lap),
    ]);
    sideWork.catch(() => {}); // awaited below; keeps an early failure from going unhandled
    await runAstro(dataFile, temp);
    const astro = lap();
    const [search, api, , slicer] = await sideWork;
    await rename(path.join(side, 'api'), path.join(temp, API_PATH));
    await rename(path.join(side, 'search'), path.join(temp, 'search'));
    await rename(path.join(side, 'slicer'), path.join(temp, 'slicer'));
    await rename(path.join(side, 'samples'), path.join(temp, 'samples'));
    await rename(path.join(side, 'reports'), path.join(temp, 'reports'));
    await rename(path.join(side, 'previews'), path.join(temp, 'previews'));
    await writeSiteFiles(temp, project.catalog);
    await moveAtomic(temp, outDir, { force: options.force, marker: true });
    log(`built the catalog for ${records.length} models into ${outDir}`);
    return {
      outDir,
      models: records.length,
      // Pages, API and search index are built side by side: each counts from the end of `registry`.
      timings: { registry: t1 - t0, astro, api, search, slicer, total: performance.now() - t0 },
    };
  } finally {
    await rm(work, { recursive: true, force: true });
    await rm(temp, { recursive: true, force: true });
    await rm(side, { recursive: true, force: true });
  }
}

/** What every published site has beside its pages: the API's own index, a sitemap, the preview image. */
async function writeSiteFiles(dir: string, catalog: string): Promise<void> {
  await writeFile(path.join(dir, API_PATH, 'index.json'), apiIndexJson(catalog));
  await writeFile(path.join(dir, API_PATH, 'index.html'), apiIndexHtml());
  const pages = (await readdir(dir, { recursive: true }))
    .filter((f) => f === 'index.html' || f.endsWith(`${path.sep}index.html`))
    .filter((f) => !f.startsWith(`${API_PATH.split('/')[0]}${path.sep}v1`))
    .map((f) => new URL(path.dirname(f).split(path.sep).join('/').replace(/^\.$/, '') + '/', catalog).href)
    .map((url) => url.replace(/\/\/$/, '/'))
    .sort();
  const urls = pages.map((u) => `  <url><loc>${u.replace(/&/g, '&amp;')}</loc></url>`).join('\n');
  await writeFile(
    path.join(dir, 'sitemap.xml'),
    `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${urls}\n</urlset>\n`,
  );
  await writeFile(
    path.join(dir, 'robots.txt'),
    `User-agent: *\nAllow: /\nSitemap: ${new URL('sitemap.xml', catalog).href}\n`,
  );
  await writeFile(path.join(dir, PREVIEW_IMAGE), iconPng(colourFor('mhub-registry'), 256));
}

async function runAstro(dataFile: string, outDir: string): Promise<void> {
  process.env.ASTRO_TELEMETRY_DISABLED = '1';
  process.env.MHUB_SITE_DATA = dataFile;
  const { build } = await import('astro');
  // Astro puts its intermediate server build inside the output only when the output is below the
  // working directory (else in <cwd>/.astro, shared by every build): work from the checkout.
  const cwd = process.cwd();
  process.chdir(path.dirname(siteRoot));
  try {
    await astroBuild(build, outDir);
  } finally {
    process.chdir(cwd);
  }
}

async function astroBuild(build: typeof import('astro').build, outDir: string): Promise<void> {
  await build({
    root: siteRoot,
    outDir,
    configFile: false,
    logLevel: 'warn',
    trailingSlash: 'always',
    build: { format: 'directory' },
    vite: { logLevel: 'warn', build: { chunkSizeWarningLimit: 2000 } },
  });
}

/** The facet table and the text index the catalog page loads when the user reaches for search. */
async function writeSearchFiles(data: SiteData, dir: string) {
  await mkdir(dir);
  await writeFile(path.join(dir, 'facets.json'), JSON.stringify(facetTable(data)));
  await writeFile(path.join(dir, 'index.json'), JSON.stringify(searchIndex(data.search)));
}
