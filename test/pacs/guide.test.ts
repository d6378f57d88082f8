// The catalog guide "Run models on your PACS": built with the real catalog (`mhub site build`), it
// is linked from the guides index, its links resolve, and what it tells users matches the code
// (environment variable names, the CLI options, the Orthanc settings the tests run with).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_ENV } from '../../src/pacs/index.ts';
import { runCli } from '../support/cli.ts';
import { DICOMWEB_PLUGIN } from './orthanc.ts';
import { repo } from './support.ts';

let work: string;
let dist: string;
beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'mhub-pacs-guide-'));
  dist = path.join(work, 'dist');
  await promisify(execFile)(process.execPath, ['bin/mhub.js', 'site', 'build', '--out', dist], { cwd: repo });
}, 300_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const page = (route: string) => readFileSync(path.join(dist, route, 'index.html'), 'utf8');
const decodeHtml = (html: string) =>
  html
    .replace(/&quot;/g, '"')
    .replace(/&#34;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

describe('the "Run models on your PACS" guide', () => {
  it('is linked from the guides index and its site links resolve', () => {
    expect(page('/guides/')).toContain('href="/guides/pacs/"');
    const html = page('/guides/pacs/');
    expect(html).toContain('<h1>Run models on your PACS</h1>');
    for (const id of ['how', 'orthanc', 'batch', 'credentials', 'security', 'errors', 'limits'])
      expect(html).toContain(`id="${id}"`);
    for (const href of [...html.matchAll(/href="(\/[^"#]*)/g)].map((m) => m[1]!)) {
      const file = href.endsWith('/') ? path.join(dist, href, 'index.html') : path.join(dist, href);
      expect(existsSync(file), href).toBe(true);
    }
  });

  it('names the environment variables and options the code reads', async () => {
    const html = decodeHtml(page('/guides/pacs/'));
    for (const name of Object.values(AUTH_ENV)) expect(html).toContain(name);
    expect(html).toContain('MHUB_DICOMWEB_IDLE_TIMEOUT_S');
    expect(html).toContain('MHUB_DIMSE_AE');
    expect(readFileSync(path.join(repo, 'src/pacs/index.ts'), 'utf8')).toContain('env.MHUB_DIMSE_AE');
    expect(readFileSync(path.join(repo, 'src/pacs/http.ts'), 'utf8')).toContain(
      'MHUB_DICOMWEB_IDLE_TIMEOUT_S',
    );
    const help = await runCli(['run', '--help']);
    expect(help.out).toMatch(/--push <url>/);
    expect(html).toMatch(/--push +dicomweb\+https:\/\//);
    const listen = await runCli(['listen', '--help']);
    for (const option of [
      '--ae',
      '--port',
      '--model',
      '--forward',
      '--host',
      '--quiet-period',
      '--concurrency',
      '--status-port',
    ]) {
      expect(listen.out).toContain(option);
      expect(html).toContain(option);
    }
    const batch = await runCli(['batch', '--help']);
    expect(batch.out).toMatch(/dicomweb\+http\(s\):\/\/server\/root\?ModalitiesInStudy=CT/);
    expect(html).toMatch(
      /mhub batch classical_ct \\\n {2}--inputs "dicomweb\+http:\/\/localhost:8042\/dicom-web\?ModalitiesInStudy=CT&StudyDate=/,
    );
    // The Orthanc example enables the plugin the tests run with, at the root mhub's examples use.
    const config = JSON.parse(/<pre><code>(\{\s*"Name"[\s\S]*?)<\/code><\/pre>/.exec(html)![1]!);
    expect(config.Plugins).toEqual([DICOMWEB_PLUGIN]);
    expect(config.DicomWeb).toEqual({ Enable: true, Root: '/dicom-web/' });
    expect(html).toContain(`dicomweb+http://localhost:${config.HttpPort}/dicom-web`);
  });
});
