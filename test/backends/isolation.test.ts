// What each backend prevents, shown with a model that misbehaves on purpose
// (fixtures/probe: it writes outside its output folder, next to its input, and connects to a
// TCP server this test runs on the host's loopback).
// Docker (--network none, input :ro, no other mounts): the connection fails and the run fails
// with the model's error; nothing is written on the host outside the output folder.
// venv: nothing prevents either. The model runs as the user, connects, and writes where the
// user can; the runner only stages the input (the user's own input folder stays untouched).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runModel } from '../../src/runner/run.ts';
import type { BackendName } from '../../src/runner/types.ts';
import { fixtureNifti, hasDocker, repo, tempDir } from '../runner/support.ts';

const cards = path.join(repo, 'test/backends/fixtures/cards');
// Loopback only (this workplace allows no other target). Under --network none the container has
// its own, empty loopback, so 127.0.0.1 there is not the host: the connection must fail; a venv
// model shares the host's loopback and reaches the server.
const hostAddress = '127.0.0.1';

let server: net.Server;
let port = 0;
let connections = 0;
beforeAll(async () => {
  server = net.createServer((socket) => {
    connections++;
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, hostAddress, resolve));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function probe(backend: BackendName) {
  const work = await tempDir(`isolation-${backend}`);
  const input = path.join(work, 'in');
  const outside = path.join(work, 'outside');
  mkdirSync(input);
  mkdirSync(outside);
  fixtureNifti(input, `${hostAddress} ${port} ${outside}`);
  const lines: string[] = [];
  const before = connections;
  const error = await runModel({
    model: 'isolation_probe',
    registry: [cards],
    input: path.join(input, 'ct.nii.gz'),
    output: path.join(work, 'out'),
    backend,
    home: path.join(work, 'home'),
    log: (line) => lines.push(line),
  }).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  // Let the server see a connection the model made just before exiting.
  await new Promise((r) => setTimeout(r, 100));
  return {
    error,
    lines,
    connected: connections > before,
    escaped: existsSync(path.join(outside, 'escaped.txt')),
    inputFolder: readdirSync(input),
  };
}

describe.runIf(hasDocker)('isolation under Docker', () => {
  beforeAll(() => {
    execFileSync('bash', [path.join(repo, 'models/base/build-base.sh')], { stdio: 'ignore' });
    execFileSync(
      'docker',
      [
        'build',
        '-q',
        '-t',
        'mhub-backends-test/isolation_probe:1',
        path.join(repo, 'test/backends/fixtures/probe'),
      ],
      {
        stdio: 'ignore',
      },
    );
  }, 300_000);

  it('a model that opens a network socket fails; it cannot write outside its output folder or into its input', async () => {
    const r = await probe('docker');
    expect(r.connected).toBe(false);
    expect(r.error?.message).toMatch(/refused|unreachable/i);
    expect(r.escaped).toBe(false);
    expect(r.lines.join('\n')).toMatch(
      /could not write \/app\/data\/input_data\/written-by-model\.txt: .*Read-only file system/,
    );
    expect(r.inputFolder).toEqual(['ct.nii.gz']);
  }, 120_000);
});

describe('isolation under a Python environment (venv)', () => {
  it('does not stop a model from connecting out or writing where the user can', async () => {
    const r = await probe('venv');
    expect(r.error).toBeUndefined();
    expect(r.connected).toBe(true);
    expect(r.escaped).toBe(true);
    // It wrote next to its staged input (inside the run's workspace), not in the user's folder.
    expect(r.lines.join('\n')).toMatch(/probe: wrote .*written-by-model\.txt/);
    expect(r.inputFolder).toEqual(['ct.nii.gz']);
  }, 120_000);
});
