// The Node runner takes its platform behaviour from src/platform: the container it creates, the
// Docker error it gives, the GPU it picks and the model's GPU variables, for any OS given as a probe.
import { describe, expect, it } from 'vitest';
import type { Probe } from '../../src/platform/index.ts';
import { connectDocker } from '../../src/runner/docker/client.ts';
import { createOptions } from '../../src/runner/docker/container.ts';
import { resolveDevice, resolveModel } from '../../src/runner/run.ts';
import { modelEnvironment } from '../../src/runner/venv/backend.ts';

const probe = (os: Probe['os'], extra: Partial<Probe> = {}): Probe => ({
  os,
  arch: os === 'darwin' ? 'arm64' : 'x64',
  env: {},
  home: os === 'win32' ? 'C:\\Users\\Ana' : os === 'darwin' ? '/Users/ana' : '/home/ana',
  exists: () => false,
  readText: () => undefined,
  ...extra,
});

describe('the runner on each OS', () => {
  const spec = {
    image: 'm:1',
    inputDir: 'C:\\Users\\Ana\\Fall 1\\in',
    outputDir: 'C:\\Users\\Ana\\Fall 1\\out',
  };

  it('Windows: Docker Desktop mount paths, no --user', () => {
    const o = createOptions(spec, probe('win32'));
    expect(o.HostConfig?.Binds).toEqual([
      '/run/desktop/mnt/host/c/Users/Ana/Fall 1/in:/app/data/input_data:ro',
      '/run/desktop/mnt/host/c/Users/Ana/Fall 1/out:/app/data/output_data:rw',
    ]);
    expect(o.User).toBeUndefined();
    expect(() => createOptions({ ...spec, inputDir: '\\\\nas\\scans\\ct' }, probe('win32'))).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', hint: expect.stringMatching(/local drive/) }),
    );
  });

  it('macOS: paths as they are, no --user; Linux: the caller, nobody for root', () => {
    const mac = createOptions(
      { image: 'm', inputDir: '/Users/ana/in', outputDir: '/Users/ana/out' },
      probe('darwin', { uid: 501, gid: 20 }),
    );
    expect(mac.User).toBeUndefined();
    const linux = { image: 'm', inputDir: '/i', outputDir: '/o' };
    expect(createOptions(linux, probe('linux', { uid: 1000, gid: 1000 })).User).toBe('1000:1000');
    expect(createOptions(linux, probe('linux', { uid: 0, gid: 0 })).User).toBe('65534:65534');
    expect(() => createOptions({ ...linux, outputDir: '/data/a:b' }, probe('linux'))).toThrow(/holds a ':'/);
  });

  it("a stopped Docker Desktop on macOS: the endpoint it looked at and that OS's fix", async () => {
    // Docker Desktop's socket file is there (the probe says so) but nothing answers on it.
    const socket = '/tmp/mhub-platform-nohome/.docker/run/docker.sock';
    const mac = probe('darwin', {
      home: '/tmp/mhub-platform-nohome',
      exists: (f) => f === '/Applications/Docker.app' || f === socket,
    });
    const error = await connectDocker(undefined, 2000, mac).catch((e) => e);
    expect(error).toMatchObject({ code: 'ENVIRONMENT' });
    expect(error.message).toBe(
      `cannot reach the Docker daemon at ${socket}: Docker is installed but its engine is not running (nothing answers at ${socket}, Docker Desktop)`,
    );
    expect(error.hint).toMatch(/^start Docker: open -a Docker .*, or use --backend venv$/);
  });

  it('GPU: none for containers on macOS (an error when insisted on), MPS for venv on Apple Silicon', async () => {
    const { card } = await resolveModel('classical_ct');
    const optional = { ...card, requirements: { gpu: 'optional' as const } };
    const mac = probe('darwin');
    expect(await resolveDevice(optional, 'auto', 'docker', mac)).toBe('none');
    expect(await resolveDevice(optional, 'auto', 'venv', mac)).toBe('mps');
    await expect(resolveDevice(optional, 'on', 'docker', mac)).rejects.toMatchObject({
      code: 'ENVIRONMENT',
      hint: expect.stringMatching(/--backend venv/),
    });
    expect(await resolveDevice(optional, 'auto', 'venv', probe('darwin', { arch: 'x64' }))).toBe('none');
    const env = modelEnvironment(
      { root: '/e', python: '/e/bin/python', sourceDir: undefined, weightsDir: '/w' },
      'mps',
      {
        CUDA_VISIBLE_DEVICES: '0',
      },
    );
    expect(env).toMatchObject({ CUDA_VISIBLE_DEVICES: '', PYTORCH_ENABLE_MPS_FALLBACK: '1' });
  });
});
