// The emulation warning with a real Docker engine: an image whose only architecture is not the
// engine's (loaded from a docker-archive whose config says so) is announced before it runs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerArch } from '../../src/platform/index.ts';
import { resolveModel, runModel } from '../../src/runner/run.ts';
import { containersWithLabel, fixtureCards, fixtureNifti, hasDocker } from '../runner/support.ts';

const IMAGE = 'mhub-platform-test/foreign-arch';
let work: string;
let foreign: string;

// A one-layer image in `docker save` format whose config names another architecture.
const MAKE_ARCHIVE = `
import hashlib, io, json, sys, tarfile
out, arch, tag = sys.argv[1:4]
layer_buf = io.BytesIO()
with tarfile.open(fileobj=layer_buf, mode="w") as layer:
    data = b"#!/bin/sh\\necho never\\n"
    info = tarfile.TarInfo("run.sh"); info.size = len(data); info.mode = 0o755
    layer.addfile(info, io.BytesIO(data))
layer_bytes = layer_buf.getvalue()
diff_id = "sha256:" + hashlib.sha256(layer_bytes).hexdigest()
config = json.dumps({"architecture": arch, "os": "linux", "config": {"Cmd": ["/run.sh"]},
                     "rootfs": {"type": "layers", "diff_ids": [diff_id]}}).encode()
config_name = hashlib.sha256(config).hexdigest() + ".json"
manifest = json.dumps([{"Config": config_name, "RepoTags": [tag], "Layers": ["layer/layer.tar"]}]).encode()
with tarfile.open(out, "w") as archive:
    for name, blob in (("layer/layer.tar", layer_bytes), (config_name, config), ("manifest.json", manifest)):
        info = tarfile.TarInfo(name); info.size = len(blob)
        archive.addfile(info, io.BytesIO(blob))
`;

describe.runIf(hasDocker)('emulation warning with a real engine', () => {
  beforeAll(() => {
    work = mkdtempSync(path.join(os.tmpdir(), 'mhub-emulation-'));
    const engine = dockerArch(
      execFileSync('docker', ['info', '--format', '{{.Architecture}}'], { encoding: 'utf8' }).trim(),
    );
    foreign = engine === 'arm64' ? 'amd64' : 'arm64';
    const archive = path.join(work, 'image.tar');
    execFileSync('python3', ['-c', MAKE_ARCHIVE, archive, foreign, `${IMAGE}:1`]);
    execFileSync('docker', ['load', '-i', archive], { stdio: 'ignore' });
  }, 120_000);
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
    if (hasDocker) execFileSync('docker', ['image', 'rm', '--force', `${IMAGE}:1`], { stdio: 'ignore' });
  });

  it('says so before the model runs, and the run still removes its container', async () => {
    const record = await resolveModel('faulty_docker', [fixtureCards]);
    const card = {
      ...record.card,
      runtimes: { docker: { image: IMAGE, tag: '1', interface: 'files' as const } },
    };
    const lines: string[] = [];
    const session = `emulation-${process.pid}`;
    const run = runModel({
      model: { ...record, card },
      input: fixtureNifti(work, 'ct'),
      output: path.join(work, 'out'),
      backend: 'docker',
      pull: 'never',
      gpu: 'off',
      log: (l) => lines.push(l),
      labels: { 'org.mhub-registry.test-session': session },
    });
    // The image holds no shell, so its container starts and its command fails: the run fails,
    // after the warning, and its container is removed.
    const outcome = await run.then(
      (r) => ({ ok: true, warnings: r.warnings }),
      (e) => ({ ok: false, message: String(e.message) }),
    );
    const warning = lines.find((l) => l.startsWith('warning: '));
    expect(warning, JSON.stringify({ lines, outcome })).toBe(
      `warning: ${IMAGE}:1 is built for ${foreign} only; this ${foreign === 'arm64' ? 'amd64' : 'arm64'} machine runs it under emulation, several times slower (some models fail under it)`,
    );
    expect(outcome).toMatchObject({ ok: false, message: expect.stringMatching(/exited with code/) });
    expect(containersWithLabel(`org.mhub-registry.test-session=${session}`)).toEqual([]);
  });
});
