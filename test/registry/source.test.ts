// Registry sources: a folder, a clone, or a published index URL (a real HTTP server on
// 127.0.0.1 serving what `mhub registry index` writes), with the cache and its age.
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildIndex,
  defaultModelsDir,
  loadRegistry,
  loadTerminology,
  resolveRegistry,
  writeIndex,
} from '../../src/registry/index.ts';
import { runCli } from '../support/cli.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const root = mkdtempSync(path.join(tmpdir(), 'mhub-source-'));
const indexDir = path.join(root, 'index');
let server: Server;
let base: string;
const requests: string[] = [];

beforeAll(async () => {
  const cards = await loadRegistry([path.join(defaultModelsDir, 'classical_ct.md')]);
  await writeIndex(buildIndex(cards, loadTerminology()), indexDir);
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    // /wrong/...: a JSON answer that is not the card asked for.
    if (req.url?.startsWith('/wrong/')) {
      readFile(path.join(indexDir, 'models.json')).then((data) => res.writeHead(200).end(data));
      return;
    }
    const file = path.join(
      indexDir,
      path.normalize(decodeURIComponent(req.url ?? '/')).replace(/^\/api\/v1\//, ''),
    );
    readFile(file).then(
      (data) => res.writeHead(200, { 'content-type': 'application/json' }).end(data),
      () => res.writeHead(404).end('not found'),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(root, { recursive: true, force: true });
});

describe('resolveRegistry', () => {
  it('defaults to the bundled cards, takes MHUB_REGISTRY, and reads a clone as its registry/models', async () => {
    const cacheDir = path.join(root, 'cache-local');
    expect((await resolveRegistry({ model: 'x', cacheDir })).paths).toEqual([path.resolve(defaultModelsDir)]);
    const env = await resolveRegistry({ model: 'x', cacheDir, env: repo });
    expect(env.paths).toEqual([path.join(repo, 'registry', 'models')]);
    const given = await resolveRegistry({ model: 'x', cacheDir, env: repo, given: ['some/cards'] });
    expect(given).toEqual({ paths: [path.resolve('some/cards')], notes: [] });
  });

  it('fetches a card from an index URL, validates it from the cache, and reuses a fresh copy', async () => {
    const cacheDir = path.join(root, 'cache-url');
    let now = 1_000_000;
    const lookup = { model: 'classical_ct', cacheDir, given: [base], now: () => now };
    requests.length = 0;
    const first = await resolveRegistry(lookup);
    expect(requests).toEqual(['/api/v1/models/classical_ct.json']);
    expect(first.notes).toEqual([`registry: classical_ct from ${base} (fetched now)`]);
    const [record] = await loadRegistry(first.paths);
    const [original] = await loadRegistry([path.join(defaultModelsDir, 'classical_ct.md')]);
    expect(record!.card).toEqual(original!.card);
    expect(record!.body.trim()).toBe(original!.body.trim());

    now += 5 * 60_000;
    const second = await resolveRegistry(lookup);
    expect(requests).toHaveLength(1); // no request: the copy is 5 minutes old
    expect(second.notes).toEqual([`registry: classical_ct from ${base} (cached copy, 5 min old)`]);

    now += 2 * 3600_000;
    await resolveRegistry(lookup);
    expect(requests).toHaveLength(2); // older than an hour: fetched again
  });

  it('falls back to the cached copy, with its age, when the URL cannot be reached', async () => {
    const cacheDir = path.join(root, 'cache-down');
    let now = 5_000_000;
    await resolveRegistry({ model: 'classical_ct', cacheDir, given: [base], now: () => now });
    const closed = await new Promise<string>((resolve) => {
      const probe = createServer();
      probe.listen(0, '127.0.0.1', () => {
        const port = (probe.address() as AddressInfo).port;
        probe.close(() => resolve(`http://127.0.0.1:${port}/api/v1`));
      });
    });
    // A URL with no cached copy that cannot be reached is an error naming it.
    const down = { model: 'classical_ct', cacheDir, given: [closed], now: () => now };
    await expect(resolveRegistry(down)).rejects.toMatchObject({
      code: 'ENVIRONMENT',
      message: expect.stringMatching(/^cannot reach the registry at http:\/\/127\.0\.0\.1:\d+\/api\/v1/),
    });
    now += 3 * 86400_000;
    server.closeAllConnections();
    const listening = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    try {
      const stale = await resolveRegistry({ model: 'classical_ct', cacheDir, given: [base], now: () => now });
      expect(stale.notes[0]).toMatch(
        /cannot be reached .*; using the copy of classical_ct fetched 3 days ago$/,
      );
      expect((await loadRegistry(stale.paths))[0]!.card.name).toBe('classical_ct');
    } finally {
      await new Promise<void>((resolve) => server.listen(listening.port, '127.0.0.1', resolve));
    }
  });

  it('refuses an unknown model, a bad name and an answer that is not the card', async () => {
    const cacheDir = path.join(root, 'cache-bad');
    await expect(resolveRegistry({ model: 'nope', cacheDir, given: [base] })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining(`no model named nope in the registry at ${base}`),
    });
    await expect(resolveRegistry({ model: '../x', cacheDir, given: [base] })).rejects.toMatchObject({
      code: 'USAGE',
    });
    // JSON, but not the card: refused, nothing cached.
    const wrong = base.replace('/api/v1', '/wrong');
    await expect(resolveRegistry({ model: 'classical_ct', cacheDir, given: [wrong] })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('does not hold the card of classical_ct'),
    });
  });
});

describe('mhub doctor/run --registry <url>', () => {
  it('finds the model through the index URL and says where it came from', async () => {
    process.env.MHUB_HOME = path.join(root, 'home');
    try {
      const r = await runCli(['doctor', 'classical_ct', '--registry', base, '--json']);
      expect(r.err).toContain(`registry: classical_ct from ${base} (fetched now)`);
      expect(JSON.parse(r.out).some((c: { name: string }) => /classical_ct/.test(c.name))).toBe(true);
      const missing = await runCli([
        'run',
        'nope',
        '-i',
        root,
        '-o',
        path.join(root, 'o'),
        '--registry',
        base,
      ]);
      expect(missing.code).toBe(3);
      expect(missing.err).toContain(`no model named nope in the registry at ${base}`);
    } finally {
      delete process.env.MHUB_HOME;
    }
  });
});
