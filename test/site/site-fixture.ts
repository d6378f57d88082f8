// Builds the real catalog once (the real registry, with `mhub site build` as `npm run build`
// does), serves it on 127.0.0.1 and opens Chromium. Shared by the browser tests.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { type StaticServer, serveStatic } from '../../src/site-data/serve.ts';
import { launchChromium } from './browser.ts';

export const repo = path.resolve(import.meta.dirname, '../..');
export const artifacts = path.join(repo, 'test-artifacts', 'site');

export interface SiteFixture {
  dir: string;
  server: StaticServer;
  browser: Browser;
  close(): Promise<void>;
}

export async function openSite(): Promise<SiteFixture> {
  const work = await mkdtemp(path.join(tmpdir(), 'mhub-site-test-'));
  const dir = path.join(work, 'dist');
  await promisify(execFile)(process.execPath, ['bin/mhub.js', 'site', 'build', '--out', dir], { cwd: repo });
  await mkdir(artifacts, { recursive: true });
  const server = await serveStatic(dir);
  const browser = await launchChromium();
  return {
    dir,
    server,
    browser,
    async close() {
      await browser.close();
      await server.close();
      await rm(work, { recursive: true, force: true });
    },
  };
}

/** A page that records console errors, page errors and failed requests. */
export async function watchedPage(context: BrowserContext): Promise<{ page: Page; problems: string[] }> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  // net::ERR_ABORTED is Chromium's word for a request the page gave up because the test closed
  // it or went elsewhere first (a search the focus started loading, say), not a fault of the
  // site: a missing file is an HTTP status (below), a server fault another net:: error.
  page.on('requestfailed', (r) => {
    const error = r.failure()?.errorText ?? 'unknown error';
    if (error !== 'net::ERR_ABORTED') problems.push(`request failed: ${r.url()} (${error})`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  return { page, problems };
}
