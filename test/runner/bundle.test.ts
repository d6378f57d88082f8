// Offline bundles, end to end with real Docker, pip and the CLI: classical_ct (under an image tag
// this test builds, so no other suite's image is touched) is run online, bundled, its image
// removed; a tampered copy is refused before anything is installed; the real bundle is loaded
// into an empty MHUB_HOME with no registry, index or package index reachable, and both backends
// then give the label map of the online run.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { venvPython } from '../support/requirements.ts';
import {
  ensureImages,
  freePort,
  hasDocker,
  makePhantom,
  niftiVoxels,
  registryAvailable,
  repo,
  spawnMhub,
  startRegistry,
  stopRegistries,
  tempDir,
} from './support.ts';

const image = 'mhub-bundle-test/classical_ct';
const tag = `t${process.pid}`;
const imageGone = () => {
  try {
    execFileSync('docker', ['image', 'inspect', `${image}:${tag}`], { stdio: 'ignore' });
    return false;
  } catch {
    return true;
  }
};

describe.runIf(hasDocker && venvPython())('offline bundle round trip', () => {
  let work: string;
  let registry: string;
  let input: string;
  let offlineEnv: NodeJS.ProcessEnv;

  beforeAll(async () => {
    ensureImages();
    // An image of our own (a label makes its id differ from the reference image's).
    execFileSync('docker', ['build', '-q', '-t', `${image}:${tag}`, '-'], {
      input: `FROM mhub-registry/classical_ct:1.0.0\nLABEL org.mhub-registry.test=bundle-${process.pid}\n`,
      stdio: ['pipe', 'ignore', 'inherit'],
    });
    work = await tempDir('bundle');
    // A registry clone in miniature: the card (pointing at our tag) and the code its source.path names.
    registry = path.join(work, 'clone', 'registry', 'models');
    mkdirSync(registry, { recursive: true });
    const card = readFileSync(path.join(repo, 'registry/models/classical_ct.md'), 'utf8')
      .replace('image: mhub-registry/classical_ct', `image: ${image}`)
      .replace(/(image: mhub-bundle-test\/classical_ct\n\s+tag:) 1\.0\.0/, `$1 ${tag}`);
    expect(card).toContain(`tag: ${tag}`);
    writeFileSync(path.join(registry, 'classical_ct.md'), card);
    cpSync(path.join(repo, 'models/classical_ct'), path.join(work, 'clone/models/classical_ct'), {
      recursive: true,
      filter: (f) => !f.includes('__pycache__'),
    });
    const phantom = path.join(work, 'phantom');
    mkdirSync(phantom);
    makePhantom(phantom);
    input = path.join(phantom, 'ct.nii.gz');
    // Nothing on the network answers: a port that was just released.
    const port = await freePort();
    offlineEnv = {
      MHUB_REGISTRY: `http://127.0.0.1:${port}/index.json`,
      PIP_INDEX_URL: `http://127.0.0.1:${port}/simple`,
      PIP_EXTRA_INDEX_URL: '',
      PIP_FIND_LINKS: '',
    };
  }, 600_000);

  let pushed: string | undefined;
  afterAll(() => {
    // Only what this test made: its tag, and the reference to its image in its own registry.
    if (!imageGone()) execFileSync('docker', ['rmi', '-f', `${image}:${tag}`], { stdio: 'ignore' });
    if (pushed) spawnSync('docker', ['rmi', pushed], { stdio: 'ignore' }); // absent when never pulled
    stopRegistries();
  });

  it('bundles, refuses a tampered copy, loads offline and runs with identical output', async () => {
    const online = path.join(work, 'home-online');
    const mhub = (args: string[], env: NodeJS.ProcessEnv) => spawnMhub(args, { env });
    // Online: both backends, from the clone.
    for (const backend of ['docker', 'venv']) {
      const r = await mhub(
        [
          'run',
          'classical_ct',
          '--registry',
          registry,
          '--backend',
          backend,
          '-i',
          input,
          '-o',
          path.join(work, `online-${backend}`),
        ],
        { MHUB_HOME: online },
      );
      expect(r.stderr).not.toMatch(/error/i);
      expect(r.code, r.stderr).toBe(0);
    }
    const want = niftiVoxels(path.join(work, 'online-docker/segmentation.nii.gz'));
    expect(niftiVoxels(path.join(work, 'online-venv/segmentation.nii.gz')).equals(want)).toBe(true);

    const bundle = path.join(work, 'classical_ct.mhub.tar');
    const started = Date.now();
    const made = await mhub(['bundle', 'classical_ct', '--registry', registry, '--out', bundle], {
      MHUB_HOME: online,
    });
    expect(made.code, made.stderr).toBe(0);
    const bundleSeconds = (Date.now() - started) / 1000;
    const listing = execFileSync('tar', ['tf', bundle], { encoding: 'utf8' }).trim().split('\n');
    expect(listing).toEqual(
      expect.arrayContaining([
        'card.md',
        'image.tar',
        'manifest.json',
        'source/models/classical_ct/classical_ct/segment.py',
        expect.stringMatching(/^wheels\/numpy-2\.2\.6-.*\.whl$/),
      ]),
    );

    // The image goes (it is ours); the environment and cache go with the online home.
    execFileSync('docker', ['rmi', `${image}:${tag}`], { stdio: 'ignore' });
    expect(imageGone()).toBe(true);

    // A copy with one byte changed in the card (its data follows the first 512-byte header).
    const tampered = path.join(work, 'tampered.tar');
    copyFileSync(bundle, tampered);
    const fd = openSync(tampered, 'r+');
    writeSync(fd, Buffer.from('X'), 0, 1, 512 + 10);
    closeSync(fd);
    const emptyHome = path.join(work, 'home-tampered');
    const refused = await mhub(['load', tampered], { ...offlineEnv, MHUB_HOME: emptyHome });
    expect(refused.code, refused.stderr).toBe(3);
    expect(refused.stderr).toMatch(
      new RegExp(
        `${tampered.replace(/[.]/g, '\\.')} was refused: card\\.md does not match its sha256 in manifest\\.json \\(expected [0-9a-f]{64}, got [0-9a-f]{64}\\); nothing was installed`,
      ),
    );
    expect(readdirSync(path.join(emptyHome, 'bundles'))).toEqual([]); // scratch gone, nothing registered
    expect(existsSync(path.join(emptyHome, 'venvs'))).toBe(false);
    expect(imageGone()).toBe(true);

    // The real bundle, offline, into an empty home.
    const home = path.join(work, 'home-offline');
    const loadStarted = Date.now();
    const loaded = await mhub(['load', bundle], { ...offlineEnv, MHUB_HOME: home });
    expect(loaded.stderr).not.toMatch(/error|warning/i);
    expect(loaded.code, loaded.stderr).toBe(0);
    const loadSeconds = (Date.now() - loadStarted) / 1000;
    expect(imageGone()).toBe(false);
    const loadedRegistry = path.join(home, 'bundles/classical_ct/1.0.0/registry/models');
    for (const backend of ['docker', 'venv']) {
      const out = path.join(work, `offline-${backend}`);
      const r = await mhub(
        [
          'run',
          'classical_ct',
          '--registry',
          loadedRegistry,
          '--backend',
          backend,
          '--pull',
          'never',
          '-i',
          input,
          '-o',
          out,
        ],
        { ...offlineEnv, MHUB_HOME: home },
      );
      expect(r.stderr).not.toMatch(/creating environment/); // built by load, from the wheels
      expect(r.code, r.stderr).toBe(0);
      expect(niftiVoxels(path.join(out, 'segmentation.nii.gz')).equals(want)).toBe(true);
    }
    const mb = statSync(bundle).size / 1e6;
    console.log(
      `bundle: ${mb.toFixed(1)} MB, written in ${bundleSeconds.toFixed(1)} s, loaded offline in ${loadSeconds.toFixed(1)} s`,
    );
  }, 1_200_000);

  it.runIf(hasDocker && registryAvailable())(
    'a card that pins a digest: bundled, loaded offline, run by the recorded image id',
    async () => {
      const mhub = (args: string[], env: NodeJS.ProcessEnv) => spawnMhub(args, { env });
      // The test's image pushed to a registry of its own, then pulled by digest through mhub run.
      const host = await startRegistry(path.join(work, 'registry'));
      const remote = `${host}/mhub-bundle-test/classical_ct`;
      execFileSync('docker', ['tag', `${image}:${tag}`, `${remote}:1.0.0`]);
      execFileSync('docker', ['push', '-q', `${remote}:1.0.0`], { stdio: 'ignore' });
      const digest = JSON.parse(
        execFileSync('docker', ['image', 'inspect', `${remote}:1.0.0`, '--format', '{{json .RepoDigests}}'], {
          encoding: 'utf8',
        }),
      )[0].split('@')[1] as string;
      pushed = `${remote}@${digest}`;
      execFileSync('docker', ['rmi', `${remote}:1.0.0`], { stdio: 'ignore' });
      const pinned = path.join(work, 'pinned', 'registry', 'models');
      mkdirSync(pinned, { recursive: true });
      writeFileSync(
        path.join(pinned, 'classical_ct.md'),
        readFileSync(path.join(repo, 'registry/models/classical_ct.md'), 'utf8')
          .replace('image: mhub-registry/classical_ct', `image: ${remote}`)
          .replace('    tag: 1.0.0\n', `    tag: 1.0.0\n    digest: ${digest}\n`),
      );
      const online = path.join(work, 'home-pinned-online');
      const first = await mhub(
        [
          'run',
          'classical_ct',
          '--registry',
          pinned,
          '--backend',
          'docker',
          '-i',
          input,
          '-o',
          path.join(work, 'pinned-online'),
        ],
        { MHUB_HOME: online },
      );
      expect(first.code, first.stderr).toBe(0);
      const bundle = path.join(work, 'pinned.mhub.tar');
      const made = await mhub(
        ['bundle', 'classical_ct', '--registry', pinned, '--backend', 'docker', '--out', bundle],
        {
          MHUB_HOME: online,
        },
      );
      expect(made.code, made.stderr).toBe(0);
      // Offline from here: the registry stops, every reference to the image this test made goes.
      stopRegistries();
      const id = execFileSync('docker', ['image', 'inspect', pushed, '--format', '{{.Id}}'], {
        encoding: 'utf8',
      }).trim();
      execFileSync('docker', ['rmi', pushed], { stdio: 'ignore' });
      pushed = undefined;
      execFileSync('docker', ['rmi', `${image}:${tag}`], { stdio: 'ignore' });
      expect(() => execFileSync('docker', ['image', 'inspect', id], { stdio: 'ignore' })).toThrow();

      const home = path.join(work, 'home-pinned-offline');
      const loaded = await mhub(['load', bundle], { ...offlineEnv, MHUB_HOME: home });
      expect(loaded.stderr).not.toMatch(/error|warning/i);
      expect(loaded.code, loaded.stderr).toBe(0);
      expect(
        JSON.parse(readFileSync(path.join(home, 'images', `${digest.replace(':', '-')}.json`), 'utf8')),
      ).toMatchObject({
        ref: `${remote}@${digest}`,
        id,
      });
      const out = path.join(work, 'pinned-offline');
      const r = await mhub(
        [
          'run',
          'classical_ct',
          '--registry',
          path.join(home, 'bundles/classical_ct/1.0.0/registry/models'),
          '--backend',
          'docker',
          '-i',
          input,
          '-o',
          out,
        ],
        { ...offlineEnv, MHUB_HOME: home },
      );
      expect(r.stderr).not.toMatch(/pull/);
      expect(r.code, r.stderr).toBe(0);
      expect(
        niftiVoxels(path.join(out, 'segmentation.nii.gz')).equals(
          niftiVoxels(path.join(work, 'pinned-online/segmentation.nii.gz')),
        ),
      ).toBe(true);
      // The loaded image is ours to remove (it has no tag: docker load keeps none for a digest).
      execFileSync('docker', ['rmi', id], { stdio: 'ignore' });
    },
    1_200_000,
  );
});
