/// <reference lib="dom" />
// The newcomer's path in a real browser, on the site built from the real registry: the home
// page's first screen leads to "Get started", and every step there is real (README's install
// commands, a sample the site serves with the line that runs it, guides and downloads that exist,
// the configured issue tracker). And the benchmark charts: no label cut off, readable on a phone.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRegistry } from '../../src/registry/validate.ts';
import { installCommands } from '../../src/site-data/get-started.ts';
import { requirement } from '../support/requirements.ts';
import { chromiumAvailable } from './browser.ts';
import { artifacts, openSite, repo, type SiteFixture, watchedPage } from './site-fixture.ts';

const run = requirement('Chromium (/usr/bin/chromium)', chromiumAvailable(), 'scripts/ci/site.sh installs it')
  ? describe
  : describe.skip;

const VIEWPORTS = [
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
];

/** The links of the guide's section under h2#`id`, up to the next h2. */
function sectionLinks(page: Page, id: string): Promise<{ href: string; text: string }[]> {
  return page.evaluate((id) => {
    const links: { href: string; text: string }[] = [];
    for (let el = document.getElementById(id)?.nextElementSibling; el && el.tagName !== 'H2'; ) {
      for (const a of el.querySelectorAll('a')) links.push({ href: a.href, text: a.textContent ?? '' });
      el = el.nextElementSibling;
    }
    return links;
  }, id);
}

run('the get-started path and the charts in Chromium', () => {
  let site: SiteFixture;
  beforeAll(async () => {
    site = await openSite();
  }, 180_000);
  afterAll(async () => {
    await site?.close();
  });

  /** A link on the built site answers 200 with content, and its #fragment names an element there. */
  async function expectWorks(page: Page, href: string): Promise<Buffer> {
    const url = new URL(href);
    expect(url.origin, href).toBe(new URL(site.server.url).origin);
    const response = await page.request.get(href);
    expect(response.status(), href).toBe(200);
    const body = await response.body();
    expect(body.length, href).toBeGreaterThan(0);
    if (url.hash) {
      const html = body.toString('utf8');
      expect(html, `${href}: no element with that id`).toContain(
        `id="${decodeURIComponent(url.hash.slice(1))}"`,
      );
    }
    return body;
  }

  it('leads from the first screen of the home page to Get started, at 1280 and 390 px', async () => {
    for (const viewport of VIEWPORTS) {
      const context = await site.browser.newContext({ viewport });
      const { page, problems } = await watchedPage(context);
      await page.goto(`${site.server.url}/`);
      // The first one in the page (the header's); another further down would not be on the first screen.
      const link = page.getByRole('link', { name: 'Get started', exact: true }).first();
      expect(await link.isVisible()).toBe(true);
      // On the first screen: inside the viewport without scrolling.
      const box = (await link.boundingBox())!;
      expect(await page.evaluate(() => window.scrollY)).toBe(0);
      expect(box.x, `${viewport.width} px`).toBeGreaterThanOrEqual(0);
      expect(box.y + box.height, `${viewport.width} px`).toBeLessThanOrEqual(viewport.height);
      expect(box.x + box.width, `${viewport.width} px`).toBeLessThanOrEqual(viewport.width);
      await link.click();
      await page.waitForURL(`${site.server.url}/guides/get-started/`);
      expect(await page.locator('h1').textContent()).toBe('Get started');
      await page.screenshot({
        path: path.join(artifacts, `get-started-${viewport.width}.png`),
        fullPage: true,
      });
      expect(problems).toEqual([]);
      await context.close();
    }
  });

  it('shows real steps: README install, the sample run, the result, Slicer, the doctor report', async () => {
    const pkg = JSON.parse(await readFile(path.join(repo, 'package.json'), 'utf8'));
    const page = await site.browser.newPage();
    await page.goto(`${site.server.url}/guides/get-started/`);

    // 1. Install: the README's block itself, and that block installs this package's command.
    const install = installCommands();
    const clone = `git clone ${pkg.repository.url.replace(/^git\+/, '')} mhub-registry && cd mhub-registry`;
    expect(await page.locator('#install ~ pre').first().textContent()).toBe(`${clone}\n${install}`);
    expect(install).toContain(`npm install -g ./${pkg.name}-<version>.tgz`);
    expect(Object.keys(pkg.bin)).toContain('mhub');
    expect(install).toMatch(/^mhub --help$/m);

    // 2. The first model: its page, and the sample the site serves, byte for byte as committed.
    const links = await sectionLinks(page, 'run');
    const modelLink = links.find((l) => new URL(l.href).pathname.startsWith('/models/'))!;
    const name = new URL(modelLink.href).pathname.split('/')[2]!;
    const record = (await loadRegistry()).find((r) => r.card.name === name)!;
    expect(record.card.status).toBe('reference');
    const samplePath = record.card.tests![0]!.input.path!;
    const sampleHref = await page.locator('#first-sample').evaluate((a: HTMLAnchorElement) => a.href);
    expect(await expectWorks(page, sampleHref)).toEqual(await readFile(path.join(repo, samplePath)));
    const file = path.basename(samplePath);
    expect(sampleHref.endsWith(`/${file}`)).toBe(true);
    const runLine = (await page.locator('#first-run').textContent())!;
    expect(runLine.startsWith(`mhub run ${name} `)).toBe(true);
    expect(runLine.split(' ')).toContain(file);
    // The model's own page offers the same download and the same line.
    const modelPage = (await expectWorks(page, modelLink.href)).toString('utf8');
    expect(modelPage).toContain(`href="${new URL(sampleHref).pathname}"`);
    expect(modelPage).toContain(runLine);
    for (const l of links) await expectWorks(page, l.href);

    // 3 and 4. The result and the Slicer extension: guides that exist, a module zip that is one.
    const open = await sectionLinks(page, 'open');
    expect(open.some((l) => new URL(l.href).pathname === '/guides/slicer/')).toBe(true);
    for (const l of open) await expectWorks(page, l.href);
    const slicer = await sectionLinks(page, 'slicer');
    expect(slicer.some((l) => l.href.endsWith('.zip'))).toBe(true);
    for (const l of slicer) {
      const body = await expectWorks(page, l.href);
      if (l.href.endsWith('.zip')) expect(body.subarray(0, 2).toString('latin1')).toBe('PK');
    }

    // 5. `mhub doctor --report` is a real option, and the issue link leads to package.json's tracker.
    const { stdout } = await promisify(execFile)(process.execPath, ['bin/mhub.js', 'doctor', '--help'], {
      cwd: repo,
    });
    expect(stdout).toContain('--report');
    expect(await page.locator('#report ~ pre').first().textContent()).toBe('mhub doctor --report');
    const issue = await page.locator('#report-issue').evaluate((a: HTMLAnchorElement) => a.href);
    expect(issue.startsWith(`${pkg.bugs}/new`)).toBe(true);
    for (const l of await sectionLinks(page, 'report'))
      if (new URL(l.href).origin === new URL(site.server.url).origin) await expectWorks(page, l.href);
    await page.close();
  });

  it('keeps every chart label inside its chart, at 11 px or more on a phone', async () => {
    for (const viewport of VIEWPORTS) {
      const context = await site.browser.newContext({ viewport });
      const page = await context.newPage();
      await page.goto(`${site.server.url}/guides/docker-or-python/`);
      const charts = await page.locator('figure.bench-chart svg').evaluateAll((svgs) =>
        svgs.map((svg) => {
          const box = svg.getBoundingClientRect();
          const scale = box.width / (svg as SVGSVGElement).viewBox.baseVal.width;
          return {
            id: svg.closest('figure')!.id,
            box: { left: box.left, right: box.right, top: box.top, bottom: box.bottom },
            texts: [...svg.querySelectorAll('text')].map((t) => {
              const r = t.getBoundingClientRect();
              const px = Number.parseFloat(getComputedStyle(t).fontSize) * scale;
              return { text: t.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom, px };
            }),
          };
        }),
      );
      expect(charts.length).toBeGreaterThan(0);
      const width = await page.evaluate(() => document.documentElement.clientWidth);
      for (const chart of charts) {
        const where = `${chart.id} at ${viewport.width} px`;
        expect(chart.texts.length, where).toBeGreaterThan(0);
        expect(chart.box.right, `${where}: the chart is wider than the page`).toBeLessThanOrEqual(width);
        for (const t of chart.texts) {
          const label = `${where}: '${t.text}'`;
          expect(t.left, label).toBeGreaterThanOrEqual(chart.box.left - 0.5);
          expect(t.right, label).toBeLessThanOrEqual(chart.box.right + 0.5);
          expect(t.top, label).toBeGreaterThanOrEqual(chart.box.top - 0.5);
          expect(t.bottom, label).toBeLessThanOrEqual(chart.box.bottom + 0.5);
          expect(t.px, label).toBeGreaterThanOrEqual(11);
        }
      }
      await page
        .locator('#chart-memory')
        .screenshot({ path: path.join(artifacts, `chart-memory-${viewport.width}.png`) });
      await context.close();
    }
  });
});
