// The "Use the models in 3D Slicer" guide: built with the real catalog (`mhub site build`), it
// covers installing from the zip, the environment, the first run, the results and cancelling;
// every model page's Slicer download and the home page link to it; its own links resolve.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '../..');
const GUIDE = '/guides/slicer/';
let work: string;
let dist: string;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'mhub-slicer-guide-'));
  dist = path.join(work, 'dist');
  await promisify(execFile)(process.execPath, ['bin/mhub.js', 'site', 'build', '--out', dist], { cwd: repo });
}, 300_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const page = (route: string) => readFileSync(path.join(dist, route, 'index.html'), 'utf8');
const hrefs = (html: string) => [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!);

/** The file a site-internal link serves (a folder's index.html, or the file itself). */
function served(href: string): string {
  const clean = href.split('#')[0]!.split('?')[0]!;
  return clean.endsWith('/') ? path.join(dist, clean, 'index.html') : path.join(dist, clean);
}

describe('the 3D Slicer guide', () => {
  it('covers install from the zip, the environment, the first run, the results and cancel', () => {
    const html = page(GUIDE);
    expect(html).toContain('<h1>Use the models in 3D Slicer</h1>');
    for (const id of [
      'install',
      'module-paths',
      'extensions-manager',
      'environment',
      'first-run',
      'results',
      'cancel',
    ])
      expect(html, id).toMatch(new RegExp(`id="${id}"`));
    expect(html).toContain('Additional module paths');
    expect(html).toContain('Install from file');
    expect(html).toMatch(/Cancel<\/em>/);
  });

  it('links only to pages and files that exist, and to sections that exist', () => {
    const html = page(GUIDE);
    const internal = hrefs(html).filter((h) => h.startsWith('/'));
    expect(internal).toContain('/slicer/MHubModels.zip');
    for (const href of internal) expect(existsSync(served(href)), href).toBe(true);
    for (const anchor of hrefs(html).filter((h) => h.startsWith('#') && h !== '#main'))
      expect(html, anchor).toContain(`id="${anchor.slice(1)}"`);
  });

  it('is linked from every model page beside its Slicer download, from the home page and the guides', () => {
    const models = readdirSync(path.join(dist, 'models')).filter((n) =>
      existsSync(path.join(dist, 'models', n, 'index.html')),
    );
    expect(models.length).toBeGreaterThan(20);
    for (const name of models) {
      const html = page(`/models/${name}/`);
      const download = /<p>\s*In 3D Slicer:([\s\S]*?)<\/p>/.exec(html)?.[1] ?? '';
      const zip = /href="(\/slicer\/[^"]+\.zip)"/.exec(download)?.[1];
      expect(zip, name).toBeDefined();
      expect(existsSync(served(zip!)), zip).toBe(true);
      expect(hrefs(download), name).toContain(GUIDE);
    }
    expect(hrefs(page('/'))).toContain(GUIDE);
    expect(hrefs(page('/guides/'))).toContain(GUIDE);
  });
});
