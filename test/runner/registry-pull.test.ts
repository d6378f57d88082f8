// Images from a real container registry (Debian's docker-registry, started here on 127.0.0.1):
// pulls by the card's digest with layer/byte progress, --pull missing|always|never, and clear
// refusals: content whose digest differs (a tampered registry blob), a local tag with another
// digest, an unknown image, a denied pull (a registry that wants a login), an unreachable one.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDocker, ensureImage, type ProgressEvent } from '../../src/runner/index.ts';
import { runCli } from '../support/cli.ts';
import {
  ensureImages,
  freePort,
  hasDocker,
  makePhantom,
  modelsDir,
  niftiVoxels,
  registryAvailable,
  startRegistry,
  stopRegistries,
  tempDir,
} from './support.ts';

const hasRegistry = registryAvailable();

const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).trim();

let host: string;
let store: string;
let work: string;

/** Pushes `source` as host/mhub-test/<name>:<tag>, removes that tag locally, returns the digest. */
function push(source: string, name: string): string {
  const ref = `${host}/mhub-test/${name}:1.0.0`;
  docker('tag', source, ref);
  docker('push', ref);
  const [repoDigest] = JSON.parse(docker('image', 'inspect', ref, '--format', '{{json .RepoDigests}}'));
  docker('rmi', ref); // untags; layers stay when another tag holds the image
  return (repoDigest as string).split('@')[1]!;
}

/** A registry folder with a copy of classical_ct pointing at `image`@`digest`. */
function cardFolder(name: string, image: string, digest: string): string {
  const dir = path.join(work, name);
  mkdirSync(dir, { recursive: true });
  const text = readFileSync(path.join(modelsDir, 'classical_ct.md'), 'utf8')
    .replace('image: mhub-registry/classical_ct', `image: ${image}`)
    .replace('    tag: 1.0.0\n', `    tag: 1.0.0\n    digest: ${digest}\n`);
  writeFileSync(path.join(dir, 'classical_ct.md'), text);
  return dir;
}

/** A 3 MB image of random bytes pushed as host/mhub-test/<name> and gone from this machine. */
function randomImage(name: string) {
  const dir = path.join(work, name);
  mkdirSync(dir);
  writeFileSync(
    path.join(dir, 'data.bin'),
    Buffer.from(Array.from({ length: 3e6 }, () => Math.random() * 256)),
  );
  const local = `mhub-test-${name}:${path.basename(work)}`;
  execFileSync('bash', ['-c', `tar -C '${dir}' -c . | docker import - '${local}'`], { stdio: 'ignore' });
  const digest = push(local, name);
  docker('rmi', local);
  return { image: `${host}/mhub-test/${name}`, tag: '1.0.0', digest, interface: 'files' as const };
}

beforeAll(async () => {
  if (!hasDocker || !hasRegistry) return;
  ensureImages();
  work = await tempDir('registry');
  host = await startRegistry(path.join(work, 'open'));
  store = path.join(work, 'open', 'store');
}, 600_000);

afterAll(() => {
  // Only references to this registry go, by name (never by image id: the reference images share
  // their ids with what was pushed). The layer image, ours alone, went by id in its test.
  if (host) {
    const refs = docker('images', '--digests', '--format', '{{.Repository}}|{{.Tag}}|{{.Digest}}');
    for (const [repo, tag, digest] of refs.split('\n').map((l) => l.split('|'))) {
      if (!repo?.startsWith(`${host}/`)) continue;
      if (tag && tag !== '<none>') docker('rmi', `${repo}:${tag}`);
      else if (digest && digest !== '<none>') docker('rmi', `${repo}@${digest}`);
    }
  }
  stopRegistries();
});

describe.skipIf(!hasDocker || !hasRegistry)('images from a registry', () => {
  it('pulls by digest with layer and byte progress', async () => {
    const runtime = randomImage('layer');
    const { docker: client } = await connectDocker();
    const events: ProgressEvent[] = [];
    const ref = await ensureImage(client, runtime, (e) => events.push(e), 'missing');
    expect(ref).toBe(`${runtime.image}@${runtime.digest}`);
    const bytes = events.filter((e) => e.phase === 'pull' && e.total);
    expect(bytes.length).toBeGreaterThan(0);
    expect(bytes.at(-1)!.total).toBeGreaterThan(1e6);
    expect(bytes.at(-1)!.message).toMatch(/\(1 layer, \d+\.\d of 3\.\d MB\)$/);
    docker('rmi', docker('image', 'inspect', ref, '--format', '{{.Id}}'));
  });

  it('refuses an image whose registry content does not match the pinned digest', async () => {
    const runtime = randomImage('tampered');
    // The registry's stored manifest altered in place (same length): what it serves for the
    // pinned digest no longer hashes to it, and the pull is refused.
    const hex = runtime.digest.slice('sha256:'.length);
    const blob = path.join(store, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
    const text = readFileSync(blob, 'utf8');
    writeFileSync(
      blob,
      text.replace(/"size": (\d)/, (_m, d: string) => `"size": ${(Number(d) + 1) % 10}`),
    );
    const { docker: client } = await connectDocker();
    await expect(ensureImage(client, runtime, () => {}, 'missing')).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(
        /^refused image .*: its registry sent content whose digest is not the one the card pins/,
      ),
    });
  });

  it('mhub run pulls the pinned image when missing, never pulls with --pull never, re-checks with always', async () => {
    const digest = push('mhub-registry/classical_ct:1.0.0', 'classical_ct');
    const cards = cardFolder('cards', `${host}/mhub-test/classical_ct`, digest);
    const phantom = await tempDir('registry-phantom');
    makePhantom(phantom);
    const run = (out: string, pull: string) =>
      runCli([
        'run',
        'classical_ct',
        '-i',
        path.join(phantom, 'ct.nii.gz'),
        '-o',
        path.join(work, out),
        '--backend',
        'docker',
        '--registry',
        cards,
        '--pull',
        pull,
        '--json',
      ]);

    const never = await run('o1', 'never');
    expect(never.code).toBe(3);
    expect(never.err).toContain(
      `image ${host}/mhub-test/classical_ct@${digest} is not on this machine and --pull never was given`,
    );

    const missing = await run('o2', 'missing');
    expect(missing.code, missing.err).toBe(0);
    expect(missing.err).toMatch(/"phase":"pull"/);
    const expected = niftiVoxels(path.join(phantom, 'expected.nii.gz'));
    expect(niftiVoxels(path.join(work, 'o2/segmentation.nii.gz')).equals(expected)).toBe(true);

    const again = await run('o3', 'never'); // present now: no registry needed
    expect(again.code, again.err).toBe(0);
    expect(again.err).not.toMatch(/"phase":"pull"/);
    const always = await run('o4', 'always');
    expect(always.code, always.err).toBe(0);
    expect(always.err).toMatch(/"phase":"pull"/);
  });

  it('refuses a local tag with another digest, an unknown image, a denied pull and an unreachable registry', async () => {
    const other = `sha256:${'0'.repeat(64)}`;
    // The tag is here (another image), the card pins a different digest, --pull never.
    docker('tag', 'mhub-registry/classical_ct:1.0.0', `${host}/mhub-test/retagged:1.0.0`);
    const { docker: client } = await connectDocker();
    const runtime = (image: string) => ({ image, tag: '1.0.0', digest: other, interface: 'files' as const });
    await expect(
      ensureImage(client, runtime(`${host}/mhub-test/retagged`), () => {}, 'never'),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining(
        `image ${host}/mhub-test/retagged:1.0.0 on this machine is not the one the card pins`,
      ),
    });
    await expect(
      ensureImage(client, runtime(`${host}/mhub-test/nothing`), () => {}, 'missing'),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('was not found locally or in its registry'),
    });
    // A registry that wants a login (htpasswd; the entry is never used): the pull is denied.
    const auth = path.join(work, 'auth');
    mkdirSync(auth);
    writeFileSync(
      path.join(auth, 'htpasswd'),
      'mhub:$2y$05$CzyeMSWc3zQHSv5wJ3mVse8VNQq8rC8bZ6ZJtBvmZ1QeKxPz7F3b6\n',
    );
    const locked = await startRegistry(
      auth,
      `auth:\n  htpasswd:\n    realm: mhub-test\n    path: ${auth}/htpasswd\n`,
    );
    await expect(
      ensureImage(client, runtime(`${locked}/mhub-test/x`), () => {}, 'missing'),
    ).rejects.toMatchObject({
      code: 'ENVIRONMENT',
      message: expect.stringContaining(`the registry refused to send image ${locked}/mhub-test/x@${other}`),
      hint: `log in first: docker login ${locked}`,
    });
    const closed = `127.0.0.1:${await freePort()}`;
    await expect(
      ensureImage(client, runtime(`${closed}/mhub-test/x`), () => {}, 'missing'),
    ).rejects.toMatchObject({
      code: 'ENVIRONMENT',
      message: expect.stringContaining('no container registry is reachable'),
    });
  });
});
