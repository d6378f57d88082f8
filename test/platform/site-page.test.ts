// The catalog's "Supported platforms" page is built from src/platform's table (the one the doctor
// uses): after `mhub site build`, every row and every platform's engines, fixes, limits and checks
// are on the page, and the page's source holds none of them itself.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLATFORM_MATRIX, PLATFORMS } from '../../src/platform/index.ts';
import { GPU_TEXT, platformsPage } from '../../src/site-data/platforms.ts';

const repo = path.resolve(import.meta.dirname, '../..');
let work: string;
let html: string;

const decodeEntities = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&amp;/g, '&');

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'mhub-platforms-page-'));
  const dist = path.join(work, 'dist');
  await promisify(execFile)(process.execPath, ['bin/mhub.js', 'site', 'build', '--out', dist], { cwd: repo });
  html = decodeEntities(readFileSync(path.join(dist, 'guides', 'platforms', 'index.html'), 'utf8'));
  const guides = readFileSync(path.join(dist, 'guides', 'index.html'), 'utf8');
  expect(guides).toContain('href="/guides/platforms/"');
}, 300_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the Supported platforms page', () => {
  it('has one matrix row per platform x backend, with its GPU, test level and note', () => {
    const rows = [
      ...html.matchAll(/<tr data-platform="([^"]+)" data-backend="([^"]+)"[^>]*>([\s\S]*?)<\/tr>/g),
    ];
    expect(rows.map((m) => `${m[1]}/${m[2]}`)).toEqual(
      PLATFORM_MATRIX.map((r) => `${r.platform}/${r.backend}`),
    );
    const page = platformsPage();
    for (const [, platform, backend, cells] of rows) {
      const row = page.platforms
        .flatMap((p) => p.rows)
        .find((r) => r.platform === platform && r.backend === backend)!;
      expect(cells).toContain(GPU_TEXT[row.gpu]);
      expect(cells).toContain(row.testedText);
      expect(cells).toContain(row.note);
    }
  });

  it("shows each platform's engines, fixes, limits and doctor checks from the table", () => {
    for (const p of PLATFORMS) {
      const section = new RegExp(`<section id="platform-${p.id}"[^>]*>([\\s\\S]*?)</section>`).exec(
        html,
      )?.[1];
      expect(section, p.id).toBeDefined();
      expect(section).toContain(p.name);
      for (const text of [...p.engines, p.installDocker, p.startDocker, p.gpuFix, ...p.limits, ...p.checks])
        expect(section, `${p.id}: ${text}`).toContain(text);
    }
  });

  it('writes no platform fact in its own source', () => {
    const source = readFileSync(path.join(repo, 'site/src/pages/guides/platforms.astro'), 'utf8');
    for (const p of PLATFORMS)
      for (const text of [
        p.name,
        ...p.engines,
        p.installDocker,
        p.startDocker,
        p.gpuFix,
        ...p.limits,
        ...p.checks,
      ])
        expect(source.includes(text), text).toBe(false);
    for (const word of ['Colima', 'OrbStack', 'taskkill', 'CUDA', 'Apple Silicon', 'WSL'])
      expect(source.includes(word), word).toBe(false);
  });
});
