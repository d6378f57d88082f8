/// <reference lib="dom" />
// The catalog in a real browser (Debian's Chromium through playwright-core), built from the real
// registry: search, facets and the URL, model pages, copy buttons, accessibility, layout shift,
// the page without JavaScript. Screenshots go to test-artifacts/site/.
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SearchEngine } from '../../site/src/scripts/search-engine.ts';
import { projectLinks } from '../../src/registry/project.ts';
import { loadTerminology } from '../../src/registry/terminology.ts';
import { loadRegistry } from '../../src/registry/validate.ts';
import { API_ENDPOINTS } from '../../src/site-data/api-endpoints.ts';
import { type BackendsData, backendCharts, mebibytes, seconds } from '../../src/site-data/backends-charts.ts';
import type { FacetTable } from '../../src/site-data/facet-table.ts';
import { ALPHA as PREVIEW_ALPHA } from '../../src/site-data/preview.ts';
import { requirement } from '../support/requirements.ts';
import { chromiumAvailable, isQueryRequest } from './browser.ts';
import { artifacts, openSite, repo, type SiteFixture, watchedPage } from './site-fixture.ts';

const run = requirement('Chromium (/usr/bin/chromium)', chromiumAvailable(), 'scripts/ci/site.sh installs it')
  ? describe
  : describe.skip;

const resultTitles = (page: Page) => page.locator('#results .model h3').allTextContents();

/** Lets the page's own requests (favicon, search worker) finish before it is left or closed. */
const settle = (page: Page) => page.waitForLoadState('networkidle');

/** Waits until the latest search has rendered (the catalog drops aria-busy) and says `text`. */
async function waitForResults(page: Page, text: RegExp) {
  await page.waitForFunction(() => !document.querySelector('.catalog')?.hasAttribute('aria-busy'));
  await page.locator('#status').filter({ hasText: text }).waitFor({ timeout: 10_000 });
}

run('catalog site in Chromium', () => {
  let site: SiteFixture;
  const problems: string[] = [];

  // The registry's size and how many models have a Docker runtime, as the catalog must show them.
  let total = 0;
  let withDocker = 0;
  beforeAll(async () => {
    const cards = await loadRegistry();
    total = cards.length;
    withDocker = cards.filter((r) => r.card.runtimes.docker).length;
    site = await openSite();
  }, 180_000);
  afterAll(async () => {
    await site?.close();
  });

  it('lists every model and finds one by name and by SNOMED CT meaning', async () => {
    const context = await site.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const { page, problems: seen } = await watchedPage(context);
    await page.goto(`${site.server.url}/`);
    expect(await page.locator('#results .model').count()).toBe(total);
    await page.screenshot({ path: path.join(artifacts, 'catalog-desktop-light.png') });

    await page.getByLabel('Search models').fill('lungmask');
    await waitForResults(page, /model(s)? found/);
    expect((await resultTitles(page))[0]).toMatch(/LungMask/i);
    await page.waitForURL((url) => url.searchParams.get('q') === 'lungmask');

    // "Splenic structure" is the SNOMED CT meaning of the segment named "Spleen".
    await page.getByLabel('Search models').fill('splenic structure');
    await waitForResults(page, /found/);
    expect(await resultTitles(page)).toContain('TotalSegmentator');
    await page.screenshot({ path: path.join(artifacts, 'catalog-search.png') });
    problems.push(...seen);
    await context.close();
  });

  it('finds models by an exact SNOMED CT code, not by digits inside other text', async () => {
    const liver = '10200004'; // SNOMED CT "Liver structure"
    const cards = (await loadRegistry()).map((r) => r.card);
    const expected = cards
      .filter((c) =>
        c.outputs.some(
          (o) => o.type === 'segmentation' && o.segments.some((s) => /(^|\+)LIVER($|\+)/.test(s)),
        ),
      )
      .map((c) => c.title)
      .sort();
    expect(expected.length).toBeGreaterThan(1);
    const context = await site.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const { page, problems: seen } = await watchedPage(context);
    await page.goto(`${site.server.url}/`);
    await page.getByLabel('Search models').fill(liver);
    await waitForResults(page, /found/);
    expect((await resultTitles(page)).sort()).toEqual(expected);
    // Half a code is a text search of its own, not a prefix of the code.
    await page.getByLabel('Search models').fill('1020');
    await waitForResults(page, /found/);
    expect((await resultTitles(page)).sort()).not.toEqual(expected);
    problems.push(...seen);
    await context.close();
  });

  it('finds a structure by its synonyms and spellings: tumour as tumor, hepatic, neoplasm, cerebral, cancer', async () => {
    const cards = (await loadRegistry()).map((r) => r.card);
    // The models whose segments (or compound segments' parts) match, as page URLs.
    const segmenting = (pattern: RegExp) =>
      cards
        .filter((c) =>
          c.outputs.some((o) => o.type === 'segmentation' && o.segments.some((s) => pattern.test(s))),
        )
        .map((c) => `/models/${c.name}/`);
    const context = await site.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const { page, problems: seen } = await watchedPage(context);
    await page.goto(`${site.server.url}/`);
    // The page's own search engine on the built index and facet table: the URLs a query finds.
    const [index, table] = await Promise.all(
      ['index.json', 'facets.json'].map(async (f) =>
        JSON.parse(await readFile(path.join(site.dir, 'search', f), 'utf8')),
      ),
    );
    const engine = new SearchEngine(index);
    const found = async (query: string): Promise<string[]> =>
      engine
        .search(query)
        .map((i) => (table as FacetTable).models[i]!.u)
        .sort();
    expect(segmenting(/NEOPLASM|TUMOR|CARCINOMA/).length).toBeGreaterThan(1);
    const tumor = await found('tumor');
    expect(tumor).toEqual(expect.arrayContaining(segmenting(/NEOPLASM|TUMOR|CARCINOMA/)));
    expect(await found('tumour')).toEqual(tumor);
    const liver = segmenting(/(^|\+)LIVER($|\+)/);
    expect(liver.length).toBeGreaterThan(1);
    expect(await found('liver')).toEqual(expect.arrayContaining(liver));
    const hepatic = await found('hepatic');
    expect(hepatic).toEqual(expect.arrayContaining(liver));
    expect(hepatic).not.toContain('/models/lungmask/');
    expect(await found('neoplasm')).toEqual(expect.arrayContaining(segmenting(/NEOPLASM|TUMOR|CARCINOMA/)));
    expect(await found('renal')).toEqual(expect.arrayContaining(segmenting(/KIDNEY/)));
    const brain = segmenting(/(^|\+)BRAIN($|\+)/);
    expect(brain.length).toBeGreaterThan(0);
    expect(await found('cerebral')).toEqual(expect.arrayContaining(brain));
    const malignant = segmenting(/NEOPLASM_MALIGNANT|CARCINOMA/);
    expect(malignant.length).toBeGreaterThan(0);
    expect(await found('cancer')).toEqual(expect.arrayContaining(malignant));

    // The same in the search box: tumour lists the models tumor lists.
    const search = page.getByLabel('Search models');
    await search.fill('tumor');
    await waitForResults(page, /found/);
    const titles = (await resultTitles(page)).sort();
    expect(titles.length).toBe(tumor.length);
    // Another list in between, so that the tumour list cannot be the tumor one left on screen.
    await search.fill('lungmask');
    await expect.poll(async () => (await resultTitles(page)).length).toBeLessThan(titles.length);
    await search.fill('tumour');
    await page.waitForURL((u) => u.searchParams.get('q') === 'tumour');
    await expect.poll(async () => (await resultTitles(page)).sort(), { timeout: 10_000 }).toEqual(titles);
    problems.push(...seen);
    await context.close();
  });

  it('narrows results with a facet, keeps it in the URL, and Back undoes it', async () => {
    const context = await site.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const { page, problems: seen } = await watchedPage(context);
    await page.goto(`${site.server.url}/`);
    const mr = page.locator('fieldset[data-facet="modality"] label').filter({ hasText: /^MR/ });
    const expected = Number(await mr.locator('.count').textContent());
    await mr.locator('input').check();
    await waitForResults(page, new RegExp(`^${expected} models? found`));
    expect(await page.locator('#results .model').count()).toBe(expected);
    expect(expected).toBeLessThan(total);
    await page.waitForURL((url) => url.searchParams.getAll('modality').join() === 'MR');
    for (const badges of await page.locator('#results .model .badges').allTextContents())
      expect(badges).toContain('MR');

    // A second facet narrows further; counts of other facets follow the selection.
    const prostate = page.locator('fieldset[data-facet="bodypart"] label').filter({ hasText: /^Prostate/ });
    const both = Number(await prostate.locator('.count').textContent());
    expect(both).toBeGreaterThan(0);
    await prostate.locator('input').check();
    await waitForResults(page, new RegExp(`^${both} models? found`));
    await page.screenshot({ path: path.join(artifacts, 'catalog-facets.png') });

    await page.goBack();
    await waitForResults(page, new RegExp(`^${expected} models? found`));
    expect(await prostate.locator('input').isChecked()).toBe(false);
    await page.goBack();
    await page
      .locator('#status')
      .filter({ hasText: new RegExp(`^${total} models`) })
      .waitFor();
    expect(await page.locator('#results .model').count()).toBe(total);

    // More results than one batch: the rest come with "Show more".
    await page
      .locator('fieldset[data-facet="runtime"] label')
      .filter({ hasText: /^Docker/ })
      .locator('input')
      .check();
    await waitForResults(page, new RegExp(`^${withDocker} models found`));
    expect(await page.locator('#results .model').count()).toBe(24);
    await page.getByRole('button', { name: 'Show more' }).click();
    await page
      .locator('#results .model')
      .nth(withDocker - 1)
      .waitFor();
    await page.getByRole('button', { name: 'Show more' }).waitFor({ state: 'hidden' });

    // A shared URL restores query and facets.
    await page.goto(`${site.server.url}/?q=prostate&modality=MR`);
    await waitForResults(page, /found/);
    expect(await page.getByLabel('Search models').inputValue()).toBe('prostate');
    expect(await mr.locator('input').isChecked()).toBe(true);
    expect((await resultTitles(page)).length).toBeGreaterThan(0);
    problems.push(...seen);
    await context.close();
  });

  it('sorts by name and by newest, keeps the order in the URL, and Back restores it', async () => {
    const cards = (await loadRegistry()).map((r) => r.card);
    // The catalog's order is by title; "Newest" by the latest known (ISO) date, unknown last.
    const byTitle = cards.map((c) => c.title).sort((a, b) => a.localeCompare(b));
    const latest = (c: (typeof cards)[number]) =>
      Object.values(c.dates ?? {})
        .flatMap((d) => (typeof d === 'string' ? [d] : []))
        .sort()
        .at(-1);
    const newest = [...cards]
      .sort((a, b) => byTitle.indexOf(a.title) - byTitle.indexOf(b.title))
      .sort((a, b) => {
        const [da, db] = [latest(a), latest(b)];
        return da === db ? 0 : da === undefined ? 1 : db === undefined ? -1 : da < db ? 1 : -1;
      })
      .map((c) => c.title);
    expect(newest).not.toEqual(byTitle);
    const context = await site.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const { page, problems: seen } = await watchedPage(context);
    await page.goto(`${site.server.url}/`);
    await page.getByLabel('Sort by').selectOption('newest');
    await page.waitForURL((url) => url.searchParams.get('sort') === 'newest');
    await waitForResults(page, new RegExp(`^${total} models found`));
    expect(await resultTitles(page)).toEqual(newest.slice(0, 24));

    await page.getByLabel('Sort by').selectOption('name');
    await page.waitForURL((url) => url.searchParams.get('sort') === 'name');
    await expect.poll(() => resultTitles(page)).toEqual(byTitle);
    await page.goBack();
    await expect.poll(() => resultTitles(page)).toEqual(newest.slice(0, 24));
    expect(await page.getByLabel('Sort by').inputValue()).toBe('newest');

    // With a query: relevance is the text index's order, name sorts the same hits by title.
    await settle(page);
    await page.goto(`${site.server.url}/?q=liver&sort=name`);
    await waitForResults(page, /found/);
    const hits = await resultTitles(page);
    expect(hits.length).toBeGreaterThan(2);
    expect(hits).toEqual([...hits].sort((a, b) => byTitle.indexOf(a) - byTitle.indexOf(b)));
    problems.push(...seen);
    await settle(page);
    await context.close();
  });

  it('shows the chosen facet values as chips that remove them, on a phone too', async () => {
    for (const viewport of [
      { width: 1280, height: 900 },
      { width: 390, height: 844 },
    ]) {
      const context = await site.browser.newContext({ viewport });
      const { page, problems: seen } = await watchedPage(context);
      await page.goto(`${site.server.url}/`);
      const mrCount = Number(
        await page
          .locator('fieldset[data-facet="modality"] label')
          .filter({ hasText: /^MR/ })
          .locator('.count')
          .getAttribute('data-total'),
      );
      await settle(page);
      await page.goto(`${site.server.url}/?modality=MR&bodypart=Prostate`);
      await waitForResults(page, /found/);
      const chips = page.getByRole('group', { name: 'Active filters' });
      await expect.poll(() => chips.isVisible()).toBe(true);
      const prostate = chips.getByRole('button', { name: 'Remove filter Body part: Prostate' });
      expect(await chips.getByRole('button', { name: 'Remove filter Input modality: MR' }).isVisible()).toBe(
        true,
      );
      expect(await prostate.textContent()).toMatch(/^Body part: Prostate\s×$/);
      await page.screenshot({ path: path.join(artifacts, `catalog-chips-${viewport.width}.png`) });
      if (viewport.width < 500) {
        // The facets are folded away behind their toggle; the chips are in sight without opening it.
        expect(await page.locator('fieldset[data-facet="modality"]').isVisible()).toBe(false);
        expect(await prostate.isVisible()).toBe(true);
        const box = (await prostate.boundingBox())!;
        expect(box.x + box.width).toBeLessThanOrEqual(viewport.width);
      }
      await prostate.click();
      await page.waitForURL(
        (url) => url.searchParams.getAll('modality').join() === 'MR' && !url.searchParams.has('bodypart'),
      );
      await waitForResults(page, new RegExp(`^${mrCount} models? found`));
      expect(await page.locator('#results .model').count()).toBe(Math.min(mrCount, 24));
      expect(await chips.getByRole('button').filter({ hasText: 'Prostate' }).count()).toBe(0);
      expect(
        await page
          .locator('fieldset[data-facet="bodypart"] input[value="Prostate"]')
          .evaluate((el) => (el as HTMLInputElement).checked),
      ).toBe(false);
      // Back brings the removed value back; "Clear all" removes every chip.
      await page.goBack();
      await waitForResults(page, /found/);
      expect(await prostate.isVisible()).toBe(true);
      await chips.getByRole('button', { name: 'Clear all' }).click();
      await page.waitForURL((url) => url.search === '');
      await page
        .locator('#status')
        .filter({ hasText: new RegExp(`^${total} models`) })
        .waitFor();
      expect(await chips.isVisible()).toBe(false);
      problems.push(...seen);
      await settle(page);
      await context.close();
    }
  });

  it('says which structures matched, for a word and for a SNOMED CT code', async () => {
    const context = await site.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const { page, problems: seen } = await watchedPage(context);
    await page.goto(`${site.server.url}/`);
    await page.getByLabel('Search models').fill('liver');
    await waitForResults(page, /found/);
    const total = page.locator('#results .model').filter({ hasText: 'TotalSegmentator' });
    expect(await total.locator('.matches').textContent()).toMatch(/^Matches: (.*, )?Liver(,|$| and)/);
    // A model that does not segment the liver names no structure.
    await page.getByLabel('Search models').fill('lungmask');
    await waitForResults(page, /found/);
    const lungmask = page.locator('#results .model').filter({ hasText: /LungMask/i });
    expect(await lungmask.first().locator('.matches').count()).toBe(0);
    await page.getByLabel('Search models').fill('10200004');
    await waitForResults(page, /found/);
    const matches = await page.locator('#results .model .matches').allTextContents();
    expect(matches.length).toBe(await page.locator('#results .model').count());
    for (const m of matches) expect(m).toMatch(/^Matches: (.*, )?Liver(,|$| and)/);
    await page.screenshot({ path: path.join(artifacts, 'catalog-matches.png') });
    problems.push(...seen);
    await settle(page);
    await context.close();
  });

  it('renders results from the facet table: no request per query, the same markup as the static list', async () => {
    const context = await site.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const { page, problems: seen } = await watchedPage(context);
    await page.goto(`${site.server.url}/`);
    const items = () =>
      page
        .locator('#results .model')
        .evaluateAll((lis) =>
          lis.map((li) => [li.querySelector('a')!.getAttribute('href')!, li.outerHTML] as [string, string]),
        );
    const staticItems = new Map(await items());
    expect(staticItems.size).toBe(total);
    // "Newest" renders every model with JavaScript, batch by batch.
    await page.getByLabel('Sort by').selectOption('newest');
    await waitForResults(page, /found/);
    while (await page.getByRole('button', { name: 'Show more' }).isVisible())
      await page.getByRole('button', { name: 'Show more' }).click();
    const rendered = await items();
    expect(rendered.length).toBe(total);
    for (const [href, html] of rendered) expect(html, href).toBe(staticItems.get(href));
    // The search files are loaded now: queries and filters fetch nothing but result thumbnails.
    const requests: string[] = [];
    page.on('request', (r) => {
      if (isQueryRequest(r)) requests.push(r.url());
    });
    for (const q of ['liver', 'kidney', '10200004', 'prostate mri']) {
      await page.getByLabel('Search models').fill(q);
      await waitForResults(page, /found/);
    }
    await page.locator('fieldset[data-facet="modality"] input:not([disabled])').first().check();
    await waitForResults(page, /found/);
    expect(requests).toEqual([]);
    // Thumbnails: the preview's axial slice, with its alternative text, on models that have one.
    const thumb = page
      .locator('#results .model')
      .filter({ hasText: 'Classical CT body' })
      .locator('img.thumb');
    await settle(page);
    await page.goto(`${site.server.url}/?q=classical`);
    await waitForResults(page, /found/);
    expect(await thumb.getAttribute('src')).toBe('/previews/classical_ct-axial.png');
    expect(await thumb.getAttribute('alt')).toMatch(/^Axial slice of the sample input/);
    problems.push(...seen);
    await settle(page);
    await context.close();
  });

  it('names modalities on cards, facets and model pages alike (PET, not PT)', async () => {
    const context = await site.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const { page, problems: seen } = await watchedPage(context);
    await page.goto(`${site.server.url}/`);
    const facetNames = await page.locator('fieldset[data-facet="modality"] .facet-value').allTextContents();
    expect(facetNames).toContain('PET');
    expect(facetNames).not.toContain('PT');
    const badges = () =>
      page
        .locator('#results .badge.modality')
        .evaluateAll((els) => els.map((el) => [el.textContent!, el.getAttribute('title')!]));
    // The static list, then the JavaScript-rendered results for the PET facet value.
    for (const [name, title] of await badges()) {
      expect(facetNames).toContain(name);
      expect(title).toMatch(/^DICOM modality [A-Z]+$/);
    }
    await page.locator('fieldset[data-facet="modality"] input[value="PET"]').check();
    await waitForResults(page, /found/);
    const pet = await badges();
    expect(pet).toContainEqual(['PET', 'DICOM modality PT']);
    for (const [name] of pet) expect(facetNames).toContain(name);
    const href = await page.locator('#results .model a').first().getAttribute('href');
    await settle(page);
    await page.goto(`${site.server.url}${href}`);
    const pageBadges = await page.locator('.model-head .badge.modality').allTextContents();
    expect(pageBadges).toContain('PET');
    for (const name of pageBadges) expect(facetNames).toContain(name);
    problems.push(...seen);
    await settle(page);
    await context.close();
  });

  it('shows a model page with its segment table and run commands', async () => {
    const context = await site.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const { page, problems: seen } = await watchedPage(context);
    await page.goto(`${site.server.url}/models/totalsegmentator/`);
    await expect(page.locator('h1').textContent()).resolves.toBe('TotalSegmentator');
    const rows = page.locator('table.segments tbody tr');
    expect(await rows.count()).toBe(104);
    const first = rows.first();
    await expect(first.locator('.seg-name').textContent()).resolves.toBe('Spleen');
    await expect(first.textContent()).resolves.toContain('78961009');
    await expect(first.textContent()).resolves.toContain('Splenic structure');
    const swatch = await first.locator('.swatch').evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(swatch).toBe('rgb(157, 108, 162)');
    await expect(page.locator('#cmd-docker').textContent()).resolves.toContain('--workflow default');
    await expect(page.locator('#model-card h3').first().textContent()).resolves.toBe('Intended Use');
    // The project's links lead to the repository package.json names, not to a placeholder.
    await expect(page.getByRole('link', { name: 'Suggest a change' }).getAttribute('href')).resolves.toBe(
      projectLinks().file('registry/models/totalsegmentator.md', 'edit'),
    );
    await page.screenshot({ path: path.join(artifacts, 'model-desktop-light.png'), fullPage: false });
    problems.push(...seen);
    await context.close();
  });

  it('copies the docker command with the copy button', async () => {
    const context = await site.browser.newContext();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: site.server.url });
    const { page, problems: seen } = await watchedPage(context);
    await page.goto(`${site.server.url}/models/lungmask/`);
    await page.locator('button[data-copy="cmd-docker"]').click();
    // The label changes once the asynchronous clipboard write has finished: wait for it.
    await expect.poll(() => page.locator('button[data-copy="cmd-docker"]').textContent()).toBe('Copied');
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toBe(
      'docker run --rm --user "$(id -u):$(id -g)" --env HOME=/tmp --network none --cap-drop ALL ' +
        '--security-opt no-new-privileges --pids-limit 4096 --volume "$PWD/input:/app/data/input_data:ro" ' +
        '--volume "$PWD/output:/app/data/output_data:rw" mhubai/lungmask:latest --workflow default',
    );
    problems.push(...seen);
    await context.close();
  });

  it("copies a code block of the card's own text with its Copy button", async () => {
    const context = await site.browser.newContext();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: site.server.url });
    const { page, problems: seen } = await watchedPage(context);
    await page.goto(`${site.server.url}/models/unet_ct/`);
    const button = page.locator('#model-card button[data-copy="card-code-1"]');
    await button.click();
    await expect.poll(() => button.textContent()).toBe('Copied');
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied.split('\n')[0]).toMatch(/^V=\$\(bash models\/unet_ct\/ensure-venv\.sh\)/);
    expect(copied).toContain('bash models/unet_ct/build-image.sh');
    problems.push(...seen);
    await context.close();
  });

  it('passes an axe accessibility audit and works from the keyboard', async () => {
    const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
    for (const scheme of ['light', 'dark'] as const) {
      const context = await site.browser.newContext({
        colorScheme: scheme,
        viewport: { width: 1280, height: 900 },
      });
      const { page, problems: seen } = await watchedPage(context);
      for (const url of [
        '/',
        '/models/totalsegmentator/',
        '/guides/docker/',
        '/guides/docker-or-python/',
        '/guides/slicer/',
        '/api/',
      ]) {
        await page.goto(`${site.server.url}${url}`);
        await page.addScriptTag({ content: axeSource });
        const violations = await page.evaluate(async () => {
          // biome-ignore lint/suspicious/noExplicitAny: axe is injected at run time
          const result = await (window as any).axe.run(document, { runOnly: ['wcag2a', 'wcag2aa'] });
          return result.violations.map((v: { id: string; nodes: { target: string[] }[] }) => ({
            id: v.id,
            nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
          }));
        });
        expect(violations, `${scheme} ${url}`).toEqual([]);
      }
      problems.push(...seen);
      await context.close();
    }

    const context = await site.browser.newContext();
    const page = await context.newPage();
    await page.goto(`${site.server.url}/`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    // Tab reaches the search box before the list; typing there searches.
    let reached = false;
    for (let i = 0; i < 8 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement?.id === 'q');
    }
    expect(reached).toBe(true);
    await page.keyboard.type('liver');
    await waitForResults(page, /found/);
    // Space toggles a focused facet checkbox.
    await page.locator('fieldset[data-facet="modality"] input').first().focus();
    await page.keyboard.press('Space');
    await page.waitForURL(/[?&]modality=/);
    expect(await page.locator('fieldset[data-facet="modality"] input').first().isChecked()).toBe(true);
    await context.close();
  }, 240_000);

  it('is a usable list without JavaScript', async () => {
    const context = await site.browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${site.server.url}/`);
    expect(await page.locator('#results .model').count()).toBe(total);
    expect(await page.locator('.facets').isVisible()).toBe(false);
    await page.locator('#results a', { hasText: 'TotalSegmentator' }).click();
    expect(await page.locator('table.segments tbody tr').count()).toBe(104);
    await context.close();
  });

  it('does not shift layout while loading, on desktop and phone, light and dark', async () => {
    for (const [name, viewport] of [
      ['desktop', { width: 1280, height: 900 }],
      ['phone', { width: 390, height: 844 }],
    ] as const) {
      for (const scheme of ['light', 'dark'] as const) {
        const context = await site.browser.newContext({ viewport, colorScheme: scheme });
        const { page, problems: seen } = await watchedPage(context);
        for (const [label, url] of [
          ['catalog', '/'],
          ['model', '/models/totalsegmentator/'],
        ]) {
          await page.goto(`${site.server.url}${url}`);
          await page.waitForLoadState('networkidle');
          const shift = await page.evaluate(
            () =>
              new Promise<number>((resolve) => {
                let total = 0;
                new PerformanceObserver((list) => {
                  for (const entry of list.getEntries() as (PerformanceEntry & { value: number })[])
                    total += entry.value;
                }).observe({ type: 'layout-shift', buffered: true });
                setTimeout(() => resolve(total), 300);
              }),
          );
          expect(shift, `${label} ${name} ${scheme}`).toBeLessThan(0.01);
          const overflow = await page.evaluate(
            () => document.documentElement.scrollWidth - window.innerWidth,
          );
          expect(overflow, `${label} ${name} horizontal overflow`).toBeLessThanOrEqual(0);
          await page.screenshot({ path: path.join(artifacts, `${label}-${name}-${scheme}.png`) });
        }
        problems.push(...seen);
        await context.close();
      }
    }
  });

  it('shows the backend benchmark figures from site/src/data/backends.json', async () => {
    const data = JSON.parse(
      await readFile(path.join(repo, 'site/src/data/backends.json'), 'utf8'),
    ) as BackendsData;
    const page = await site.browser.newPage();
    await page.goto(`${site.server.url}/guides/docker-or-python/`);
    const rows = await page
      .locator('#bench-table tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim())),
      );
    const expected = data.models.flatMap((m) =>
      Object.entries(m.backends).map(([backend, f]) => [
        `${m.model} ${m.version}`,
        backend,
        f.provision ? seconds(f.provision.ms) : 'not measured',
        mebibytes(f.imageOrEnvBytes),
        seconds(f.cold.totalMs),
        seconds(f.warm.totalMs.median),
        seconds(f.warm.firstOutputMs.median),
        mebibytes(f.warm.peakRssBytes.median),
      ]),
    );
    expect(rows).toEqual(expected);
    // One SVG chart per figure, each labelled with the JSON's values.
    const charts = backendCharts(data);
    expect(await page.locator('figure.bench-chart svg').count()).toBe(charts.length);
    for (const chart of charts) {
      const text = await page.locator(`#chart-${chart.id} svg`).textContent();
      for (const t of chart.texts) expect(text).toContain(t);
    }
    expect(await page.locator('#bench-machine').textContent()).toContain(data.versions.docker);
    // Linked from the Docker guide and from every model page's run section.
    await page.goto(`${site.server.url}/guides/docker/`);
    expect(await page.locator('a[href="/guides/docker-or-python/"]').count()).toBeGreaterThan(0);
    await page.goto(`${site.server.url}/models/unet_ct/`);
    expect(await page.locator('#run a[href="/guides/docker-or-python/"]').count()).toBe(1);
    await page.close();
  });

  it('leads every repository link to the one configured repository', async () => {
    const { repository } = projectLinks();
    // The catalog's pages (the API's own index.html is a bare list, outside the page layout).
    const pages = (await readdir(site.dir, { recursive: true })).filter(
      (f) => f.endsWith('.html') && !f.startsWith(path.join('api', 'v1')),
    );
    expect(pages.length).toBeGreaterThan(total);
    for (const file of pages) {
      const html = await readFile(path.join(site.dir, file), 'utf8');
      expect(html, file).not.toMatch(/&lt;repository&gt;/);
      const hrefs = [...html.matchAll(/href="(https:\/\/github\.com\/[^"]*)"/g)].map((m) => m[1]!);
      // Links to other projects' repositories (model code) are the cards' own; ours start with `repository`.
      expect(html, `${file} has no Source link in its footer`).toContain(`href="${repository}"`);
      for (const href of hrefs.filter((h) => h.includes('/mhub-registry/')))
        expect(href, file).toMatch(repository);
    }
  });

  it('publishes the API index, record URLs, a sitemap and link previews', async () => {
    const { catalog, api } = projectLinks();
    const apiIndex = await fetch(`${site.server.url}/api/v1/`);
    expect(apiIndex.status).toBe(200);
    const apiHtml = await apiIndex.text();
    for (const e of API_ENDPOINTS)
      expect(apiHtml).toContain(e.path.replace('<', '&lt;').replace('>', '&gt;'));
    const json = (await (await fetch(`${site.server.url}/api/v1/index.json`)).json()) as {
      endpoints: { path: string; url: string }[];
    };
    expect(json.endpoints.map((e) => e.path)).toEqual(API_ENDPOINTS.map((e) => e.path));
    const models = (await (await fetch(`${site.server.url}/api/v1/models.json`)).json()) as {
      models: { name: string; urls: { page: string; json: string; slicer: string } }[];
    };
    expect(models.models).toHaveLength(total);
    for (const m of models.models) {
      expect(m.urls.page).toBe(`${catalog}models/${m.name}/`);
      expect(m.urls.json).toBe(`${api}/models/${m.name}.json`);
      // Each URL names a file the build wrote.
      for (const url of [m.urls.page, m.urls.json, m.urls.slicer]) {
        const local = `${site.server.url}/${url.slice(catalog.length)}`;
        expect((await fetch(local)).status, local).toBe(200);
      }
    }
    const sitemap = await (await fetch(`${site.server.url}/sitemap.xml`)).text();
    for (const m of models.models) expect(sitemap).toContain(`<loc>${m.urls.page}</loc>`);
    expect(sitemap).toContain(`<loc>${catalog}guides/get-started/</loc>`);
    const page = await (await fetch(`${site.server.url}/models/lungmask/`)).text();
    expect(page).toMatch(/<meta property="og:title" content="[^"]*LungMask/i);
    expect(page).toContain(`<meta property="og:url" content="${catalog}models/lungmask/"`);
    const image = page.match(/<meta property="og:image" content="([^"]+)"/)![1]!;
    const png = await fetch(`${site.server.url}/${image.slice(catalog.length)}`);
    expect(png.headers.get('content-type')).toMatch(/image\/png/);
  });

  it("previews the sample with the reference segmentation in the card's colours", async () => {
    const record = (await loadRegistry()).find((r) => r.card.name === 'classical_ct')!;
    const output = record.card.outputs.find((o) => o.type === 'segmentation')!;
    const terminology = loadTerminology();
    const colours = (output.type === 'segmentation' ? output.segments : []).map(
      (id) => terminology.resolve(id)!.color,
    );
    expect(colours.length).toBe(4);
    const context = await site.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const { page, problems: seen } = await watchedPage(context);
    await page.goto(`${site.server.url}/models/classical_ct/`);
    await page.locator('figure.preview').scrollIntoViewIfNeeded();
    await page.waitForFunction(() =>
      [...document.querySelectorAll<HTMLImageElement>('figure.preview img')].every(
        (i) => i.complete && i.naturalWidth > 0,
      ),
    );
    // Pixels drawn in a colour c over grey g are round(alpha c + (1 - alpha) g): undoing the blend
    // for the right colour leaves a grey (equal channels); for another colour it does not.
    const found = await page.evaluate(
      ({ colours, alpha }) => {
        const counts = colours.map(() => 0);
        for (const img of document.querySelectorAll<HTMLImageElement>('figure.preview img')) {
          const canvas = document.createElement('canvas');
          canvas.width = img.naturalWidth;
          canvas.height = img.naturalHeight;
          const ctx = canvas.getContext('2d')!;
          ctx.drawImage(img, 0, 0);
          const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
          for (let i = 0; i < px.length; i += 4)
            colours.forEach((c, k) => {
              const g = [0, 1, 2].map((ch) => (px[i + ch]! - alpha * c[ch]!) / (1 - alpha));
              if (Math.max(...g) - Math.min(...g) <= 3 && Math.min(...g) >= -2) counts[k]!++;
            });
        }
        return counts;
      },
      { colours, alpha: PREVIEW_ALPHA },
    );
    for (const [k, n] of found.entries())
      expect(n, `segment ${k + 1} (${colours[k]}) drawn`).toBeGreaterThan(20);
    const swatches = await page
      .locator('figure.preview .legend .swatch')
      .evaluateAll((els) => els.map((el) => getComputedStyle(el).backgroundColor));
    expect(swatches).toEqual(colours.map(([r, g, b]) => `rgb(${r}, ${g}, ${b})`));
    problems.push(...seen);
    await context.close();
  });

  it('never scrolls sideways: every page at 390 px and at 1280 px', async () => {
    const pages = (await readdir(site.dir, { recursive: true }))
      .filter((f) => f.endsWith('index.html') && !f.startsWith(path.join('api', 'v1')))
      .map((f) => `/${path.dirname(f).split(path.sep).join('/')}/`.replace(/^\/\.\/$/, '/'));
    expect(pages.length).toBeGreaterThan(total);
    const overflowing: string[] = [];
    for (const width of [390, 1280]) {
      const context = await site.browser.newContext({ viewport: { width, height: 800 } });
      const page = await context.newPage();
      for (const url of pages) {
        await page.goto(`${site.server.url}${url}`, { waitUntil: 'load' });
        const wide = await page.evaluate(() => {
          const limit = document.documentElement.clientWidth;
          if (document.documentElement.scrollWidth <= limit) return [];
          // The outermost elements that reach past the viewport (their own boxes, not a scroller's content).
          return [...document.body.querySelectorAll<HTMLElement>('*')]
            .filter((el) => el.getBoundingClientRect().right > limit + 1)
            .filter((el) => !el.parentElement?.closest('pre, .table-scroll, [data-scroll]'))
            .slice(0, 3)
            .map(
              (el) =>
                `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className ? `.${String(el.className).split(' ')[0]}` : ''}`,
            );
        });
        if (wide.length) overflowing.push(`${width}px ${url}: ${wide.join(', ')}`);
      }
      await context.close();
    }
    expect(overflowing).toEqual([]);
  }, 300_000);

  it('logged no console errors, page errors or failed requests', () => {
    expect(problems).toEqual([]);
  });
});
