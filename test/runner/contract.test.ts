// The run contract's pure parts: container safety defaults, expected outputs, input mapping,
// version ranges, progress lines, pass-through staging and the atomic workspace.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseInputs, parseSize } from '../../src/cli/commands/run.ts';
import {
  containerCommand,
  filesInterfaceOutputs,
  mhubInterfaceOutputs,
  missingOutputs,
  PIDS_LIMIT,
} from '../../src/runner/contract/index.ts';
import { passThroughConverter } from '../../src/runner/convert.ts';
import { createOptions } from '../../src/runner/docker/container.ts';
import { detectInput } from '../../src/runner/formats.ts';
import { lineSplitter, parseProgressLine } from '../../src/runner/progress-events.ts';
import { chooseBackend, resolveModel } from '../../src/runner/run.ts';
import { modelEnvironment } from '../../src/runner/venv/backend.ts';
import { createWorkspace, disposeWorkspace, publish } from '../../src/runner/workspace.ts';
import { fixtureCards, tempDir } from './support.ts';

describe('container create options', () => {
  const options = createOptions({
    image: 'x:1',
    name: 'mhub-x-1',
    cmd: ['--workflow', 'default'],
    inputDir: '/in',
    outputDir: '/out',
    labels: { a: 'b' },
    gpu: true,
    memoryBytes: 2 ** 30,
  });

  it('has every safety default', () => {
    expect(options.HostConfig).toMatchObject({
      Binds: ['/in:/app/data/input_data:ro', '/out:/app/data/output_data:rw'],
      NetworkMode: 'none',
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      PidsLimit: PIDS_LIMIT,
      Memory: 2 ** 30,
      MemorySwap: 2 ** 30,
      DeviceRequests: [{ Driver: 'nvidia', Count: -1, Capabilities: [['gpu']] }],
    });
    const uid = process.getuid?.();
    expect(options.User).toBe(uid === 0 ? '65534:65534' : `${uid}:${process.getgid?.()}`);
    expect(options).toMatchObject({ name: 'mhub-x-1', Labels: { a: 'b' }, Cmd: ['--workflow', 'default'] });
  });

  it('passes --workflow to mhub images (always) and nothing to files images', () => {
    expect(containerCommand('mhub', undefined)).toEqual(['--workflow', 'default']);
    expect(containerCommand('files', 'x')).toBeUndefined();
  });
});

describe('expected outputs', () => {
  it('mhub workflow patterns: placeholders match one path part', () => {
    const expected = mhubInterfaceOutputs(
      {
        image: 'i',
        interface: 'mhub',
        workflows: [{ name: 'default', outputs: ['dicomseg:mod=seg-->[i:sid]/lungmask.seg.dcm'] }],
      },
      'default',
    );
    expect(missingOutputs(expected, ['1.2.3/lungmask.seg.dcm'])).toEqual([]);
    expect(
      missingOutputs(expected, ['lungmask.seg.dcm', '1.2.3/other.dcm', 'a/b/lungmask.seg.dcm']),
    ).toHaveLength(1);
    expect(expected[0]!.format).toBe('dicomseg');
  });

  it('files interface: one file per declared output', async () => {
    const { card } = await resolveModel('classical_ct');
    const expected = filesInterfaceOutputs(card);
    expect(expected.map((e) => e.description)).toEqual(['segmentation.nii.gz']);
    expect(missingOutputs(expected, ['segmentation.nii.gz'])).toEqual([]);
    expect(missingOutputs(expected, ['seg.nii.gz'])).toHaveLength(1);
  });
});

describe('requests', () => {
  it('maps --input forms and sizes', () => {
    expect(parseInputs(['/a.nii.gz'])).toBe('/a.nii.gz');
    expect(parseInputs(['t1=/a.nii', 't2=/b.nii'])).toEqual({ t1: '/a.nii', t2: '/b.nii' });
    expect(() => parseInputs(['/a', '/b'])).toThrow(/needs an input id/);
    expect(parseSize('512m')).toBe(512 * 2 ** 20);
    expect(parseSize('2g')).toBe(2 * 2 ** 30);
    expect(() => parseSize('lots')).toThrow(/not a size/);
  });

  it('refuses a backend the card lacks, naming the one it has', async () => {
    const { card } = await resolveModel('faulty_venv', [fixtureCards]);
    await expect(chooseBackend(card, 'docker')).rejects.toThrow(/has no docker runtime/);
    expect(await chooseBackend(card, 'auto')).toBe('venv');
    // With both runtimes, auto falls back to the venv when no Docker daemon answers.
    const both = (await resolveModel('classical_ct')).card;
    expect(await chooseBackend(both, 'auto', '/tmp/mhub-no-such-docker.sock')).toBe('venv');
  });

  it('names an unknown model', async () => {
    await expect(resolveModel('no_such_model')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(resolveModel('Bad Name')).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('isolates the model environment and hides GPUs unless asked', () => {
    const env = modelEnvironment(
      { root: '/e', python: '/e/bin/python', sourceDir: '/src', weightsDir: '/e/weights' },
      false,
      { PATH: '/bin', PYTHONPATH: '/leak', VIRTUAL_ENV: '/other' },
    );
    expect(env).toMatchObject({
      PATH: '/bin',
      PYTHONPATH: '/src',
      MHUB_WEIGHTS_DIR: '/e/weights',
      CUDA_VISIBLE_DEVICES: '',
    });
    expect(env.VIRTUAL_ENV).toBeUndefined();
  });
});

describe('progress lines', () => {
  it('reads JSON progress lines and leaves other output as log', () => {
    expect(parseProgressLine('{"phase": "model", "done": 2, "total": 5, "message": "lungs"}')).toEqual({
      phase: 'model',
      done: 2,
      total: 5,
      message: 'lungs',
    });
    expect(parseProgressLine('{"done": 2}')).toBeUndefined();
    expect(parseProgressLine('loading weights {x}')).toBeUndefined();
    const lines: string[] = [];
    const split = lineSplitter((l) => lines.push(l));
    split.push('a\r\nb');
    split.push('c\n');
    split.push('tail');
    split.end();
    expect(lines).toEqual(['a', 'bc', 'tail']);
  });
});

describe('staging and publishing', () => {
  it('detects input formats and stages .nii as <id>.nii.gz', async () => {
    const dir = await tempDir('stage');
    const nii = path.join(dir, 'x.nii');
    writeFileSync(nii, 'voxels');
    const source = await detectInput(nii);
    expect(source).toEqual({ path: nii, format: 'nifti', gzipped: false });
    await passThroughConverter().convertInput({
      source,
      target: path.join(dir, 'in/ct.nii.gz'),
      targetFormat: 'nifti',
      progress: () => {},
    });
    expect(gunzipSync(readFileSync(path.join(dir, 'in/ct.nii.gz'))).toString()).toBe('voxels');
    await expect(detectInput(path.join(dir, 'none.nii'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    writeFileSync(path.join(dir, 'x.txt'), '');
    await expect(detectInput(path.join(dir, 'x.txt'))).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('publishes only on success and removes an output folder it created on failure', async () => {
    const base = await tempDir('ws');
    const out = path.join(base, 'new/out');
    const { workspace, createdOutput } = await createWorkspace(out, 'r1', path.join(out, '..', 'home'));
    expect(createdOutput).toBe(true);
    mkdirSync(path.join(workspace.final, 'sub'));
    writeFileSync(path.join(workspace.final, 'sub/a.txt'), 'a');
    await disposeWorkspace(workspace, out, createdOutput, false);
    expect(existsSync(out)).toBe(false);
    const again = await createWorkspace(out, 'r2', path.join(out, '..', 'home'));
    writeFileSync(path.join(again.workspace.final, 'b.txt'), 'b');
    expect(await publish(again.workspace, out)).toEqual([path.join(out, 'b.txt')]);
    await disposeWorkspace(again.workspace, out, again.createdOutput, true);
    expect(existsSync(path.join(out, 'b.txt'))).toBe(true);
    expect(existsSync(again.workspace.root)).toBe(false);
  });
});
