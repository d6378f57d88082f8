// GPU handling without a GPU here: nvidia-smi parsing (a fake nvidia-smi, named as such),
// the clear errors for --gpu on without a GPU, and Docker refusing a GPU it does not have.
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LABEL_PREFIX } from '../../src/runner/contract/index.ts';
import { detectGpu } from '../../src/runner/gpu.ts';
import { resolveGpu, resolveModel, runModel } from '../../src/runner/run.ts';
import { containersWithLabel, ensureImages, hasDocker, makePhantom, tempDir } from './support.ts';

async function fakeNvidiaSmi(): Promise<string> {
  const file = path.join(await tempDir('fake-smi'), 'nvidia-smi');
  writeFileSync(
    file,
    `#!/bin/sh\n# A fake nvidia-smi for tests: this machine has no GPU.\nif [ -n "$1" ]; then echo "NVIDIA H100 80GB HBM3, 550.54.15"; else echo "| NVIDIA-SMI 550.54.15   Driver Version: 550.54.15   CUDA Version: 12.4 |"; fi\n`,
  );
  chmodSync(file, 0o755);
  return file;
}

describe('GPU', () => {
  afterEach(() => {
    delete process.env.MHUB_NVIDIA_SMI;
  });

  it('reads the GPU, driver and CUDA version from nvidia-smi', async () => {
    expect(await detectGpu(await fakeNvidiaSmi())).toEqual({
      names: ['NVIDIA H100 80GB HBM3'],
      driver: '550.54.15',
      cuda: '12.4',
    });
    expect(await detectGpu('/nonexistent/nvidia-smi')).toBeUndefined();
  });

  it('--gpu on without a GPU is a clear ENVIRONMENT error; off/auto fall back to the CPU', async () => {
    process.env.MHUB_NVIDIA_SMI = '/nonexistent/nvidia-smi';
    const { card } = await resolveModel('classical_ct');
    await expect(resolveGpu({ ...card, requirements: { gpu: 'optional' } }, 'on')).rejects.toThrow(
      /--gpu on was given but no NVIDIA GPU was found/,
    );
    await expect(resolveGpu({ ...card, requirements: { gpu: 'required' } }, 'auto')).rejects.toThrow(
      /requires a GPU/,
    );
    expect(await resolveGpu({ ...card, requirements: { gpu: 'optional' } }, 'auto')).toBe(false);
    expect(await resolveGpu(card, 'off')).toBe(false);
  });

  it.skipIf(!hasDocker)('Docker without the NVIDIA runtime refuses the GPU request clearly', async () => {
    ensureImages();
    process.env.MHUB_NVIDIA_SMI = await fakeNvidiaSmi(); // the host "has" a GPU; Docker cannot use it
    const dir = await tempDir('gpu-docker');
    makePhantom(dir);
    const session = `gpu-${process.pid}`;
    const out = path.join(dir, 'out');
    const run = runModel({
      model: 'classical_ct',
      input: path.join(dir, 'ct.nii.gz'),
      output: out,
      backend: 'docker',
      gpu: 'on',
      labels: { [`${LABEL_PREFIX}test-session`]: session },
    });
    await expect(run).rejects.toMatchObject({
      code: 'ENVIRONMENT',
      message: expect.stringMatching(/cannot give .* a GPU/),
    });
    expect(containersWithLabel(`${LABEL_PREFIX}test-session=${session}`)).toEqual([]);
  });
});
