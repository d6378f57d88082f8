/// <reference lib="dom" />
// A card's contributed preview on the built site: `mhub site build` over a registry of one card
// that names its own image copies the file into the site unchanged, and the model page shows it
// with the card's alt text in place of the generated slices.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite, serveStatic } from '../../src/site-data/index.ts';
import { encodePng } from '../../src/site-data/preview.ts';
import { requirement } from '../support/requirements.ts';
import { chromiumAvailable, launchChromium } from './browser.ts';
import { repo } from './site-fixture.ts';

const run = requirement('Chromium (/usr/bin/chromium)', chromiumAvailable(), 'scripts/ci/site.sh installs it')
  ? describe
  : describe.skip;

run('a contributed preview on the model page', () => {
  let root: string;
  let dist: string;
  const image = encodePng(
    96,
    64,
    new Uint8Array(96 * 64 * 3).map((_, i) => (i % 3 === 1 ? 180 : 40)),
  );
  const alt = 'Axial CT slice of the phantom with both lungs outlined';
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'mhub-contributed-site-'));
    await mkdir(path.join(root, 'registry', 'models'), { recursive: true });
    await mkdir(path.join(root, 'models', 'classical_ct'), { recursive: true });
    await writeFile(path.join(root, 'models/classical_ct/preview.png'), image);
    const card = (await readFile(path.join(repo, 'registry/models/classical_ct.md'), 'utf8')).replace(
      /\n---\n\n/,
      `\npreview:\n  path: models/classical_ct/preview.png\n  alt: ${alt}\n---\n\n`,
    );
    await writeFile(path.join(root, 'registry/models/classical_ct.md'), card);
    dist = path.join(root, 'dist');
    await buildSite({
      models: [path.join(root, 'registry', 'models')],
      outDir: dist,
      slicerDownloads: false,
    });
  }, 180_000);
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('serves the file as committed and shows it with its alt text instead of the slices', async () => {
    const src = '/previews/classical_ct-contributed.png';
    expect(await readFile(path.join(dist, src))).toEqual(image);
    const server = await serveStatic(dist);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`${server.url}/models/classical_ct/`);
      const img = page.locator('figure.preview img');
      expect(await img.count()).toBe(1);
      expect(await img.getAttribute('src')).toBe(src);
      expect(await img.getAttribute('alt')).toBe(alt);
      await img.scrollIntoViewIfNeeded();
      await page.waitForFunction(
        () => document.querySelector<HTMLImageElement>('figure.preview img')?.complete,
      );
      expect(await img.evaluate((i: HTMLImageElement) => [i.naturalWidth, i.naturalHeight])).toEqual([
        96, 64,
      ]);
    } finally {
      await browser.close();
      await server.close();
    }
  });
});
