// The deep-learning reference model (models/unet_ct) end to end: its Python unit tests, its
// card against the shipped files, its output against the classical model's on the phantom
// (Dice per segment), and the Docker image's output against the venv's (identical).
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRegistry } from '../../src/registry/validate.ts';
import { LABEL_PREFIX, type ProgressEvent, runModel } from '../../src/runner/index.ts';
import { requirement, venvPython } from '../support/requirements.ts';
import {
  dockerAvailable,
  modelsDir,
  progressLines,
  runCommand,
  runPythonModel,
  unetPython,
} from './python.ts';

const unetDir = path.join(modelsDir, 'unet_ct');
const slow = 300_000;
let python = '';
let work = '';

const canRun = venvPython();

beforeAll(async () => {
  if (!canRun) return;
  python = await unetPython();
  work = await mkdtemp(path.join(tmpdir(), 'unet-ct-e2e-'));
  const made = await runCommand(python, ['-m', 'classical_ct.phantom', path.join(work, 'in')], {
    PYTHONPATH: path.join(modelsDir, 'classical_ct'),
  });
  expect(made.code, made.stderr).toBe(0);
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe.runIf(canRun)('unet_ct', () => {
  it(
    'passes its Python unit tests (weights hash, orientation, bad input)',
    async () => {
      const ran = await runCommand(python, ['-m', 'unittest', 'discover', '-s', path.join(unetDir, 'tests')]);
      expect(ran.code, ran.stderr).toBe(0);
      expect(ran.stderr).toMatch(/Ran [1-9]\d* tests/);
    },
    slow,
  );

  it('has a card whose requirements and weights hash are the shipped ones', async () => {
    const records = await loadRegistry();
    const card = records.find((r) => r.card.name === 'unet_ct')?.card;
    expect(card?.status).toBe('reference');
    const venv = card?.runtimes.venv;
    const pinned = (await readFile(path.join(unetDir, 'requirements.txt'), 'utf8'))
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    expect(venv?.requirements).toEqual(pinned);
    expect(pinned.some((l) => l.startsWith('torch==2.13.0+cpu --hash=sha256:'))).toBe(true);
    const weights = await readFile(path.join(unetDir, 'weights', 'unet_ct.pt'));
    const sha = createHash('sha256').update(weights).digest('hex');
    const manifest = JSON.parse(await readFile(path.join(unetDir, 'weights', 'unet_ct.json'), 'utf8'));
    expect(venv?.weights).toEqual([{ path: 'unet_ct.pt', sha256: sha }]);
    expect(manifest.sha256).toBe(sha);
    expect(card?.outputs[0]).toMatchObject({ segments: ['BODY', 'RIGHT_LUNG', 'LEFT_LUNG', 'BONE'] });
  });

  it(
    'segments the phantom like the classical model (venv)',
    async () => {
      const input = path.join(work, 'in');
      const classical = await runPythonModel(python, 'classical_ct', input, path.join(work, 'classical'));
      expect(classical.code, classical.stderr).toBe(0);
      const unet = await runPythonModel(python, 'unet_ct', input, path.join(work, 'venv'));
      expect(unet.code, unet.stderr).toBe(0);
      const progress = progressLines(unet.stdout);
      expect(progress.at(-1)).toMatchObject({ phase: 'model', done: 6, total: 6 });
      const dice = await diceOf(path.join(work, 'venv'), path.join(work, 'classical'));
      console.log(`unet_ct vs classical_ct on the phantom, Dice: ${JSON.stringify(dice)}`);
      expect(dice.BODY).toBeGreaterThanOrEqual(0.95);
      expect(dice.RIGHT_LUNG).toBeGreaterThanOrEqual(0.9);
      expect(dice.LEFT_LUNG).toBeGreaterThanOrEqual(0.9);
      expect(dice.BONE).toBeGreaterThanOrEqual(0.8);
      expect(dice.sameGeometry).toBe(true);
    },
    slow,
  );

  const docker = requirement(
    'a running Docker daemon',
    dockerAvailable(),
    'scripts/ci/dl.sh builds the image',
  );
  it.skipIf(!docker)(
    'gives the same label map in its Docker image (mhub run) as in its venv',
    async () => {
      const built = await runCommand('bash', [path.join(unetDir, 'build-image.sh')]);
      expect(built.code, built.stderr).toBe(0);
      const out = path.join(work, 'docker');
      const events: ProgressEvent[] = [];
      // Through the runner's Docker backend (safety defaults, staging, output checks).
      const result = await runModel({
        model: 'unet_ct',
        input: path.join(work, 'in', 'ct.nii.gz'),
        output: out,
        backend: 'docker',
        gpu: 'off',
        labels: { [`${LABEL_PREFIX}test-area`]: 'dl' },
        progress: (event) => events.push(event),
      });
      expect(result.backend).toBe('docker');
      expect(result.outputs).toEqual([path.join(out, 'segmentation.nii.gz')]);
      expect(events.filter((e) => e.phase === 'model').at(-1)).toMatchObject({ done: 6, total: 6 });
      // gzip headers carry a time stamp: compare the NIfTI bytes inside.
      const fromDocker = gunzipSync(await readFile(path.join(out, 'segmentation.nii.gz')));
      const fromVenv = gunzipSync(await readFile(path.join(work, 'venv', 'segmentation.nii.gz')));
      expect(fromDocker.equals(fromVenv)).toBe(true);
    },
    slow,
  );
});

interface Dice {
  BODY: number;
  RIGHT_LUNG: number;
  LEFT_LUNG: number;
  BONE: number;
  sameGeometry: boolean;
}

async function diceOf(predictedDir: string, referenceDir: string): Promise<Dice> {
  const script = [
    'import json, sys, numpy as np',
    'import unet_ct',
    'from classical_ct import nifti',
    'from unet_ct.dice import dice_per_label',
    'p, r, ct = (nifti.read(a) for a in sys.argv[1:4])',
    'out = dice_per_label(p.data, r.data)',
    'out["sameGeometry"] = p.data.shape == ct.data.shape and bool(np.allclose(p.affine, ct.affine))',
    'print(json.dumps(out))',
  ].join('\n');
  const ran = await runCommand(
    python,
    [
      '-c',
      script,
      path.join(predictedDir, 'segmentation.nii.gz'),
      path.join(referenceDir, 'segmentation.nii.gz'),
      path.join(work, 'in', 'ct.nii.gz'),
    ],
    { PYTHONPATH: unetDir },
  );
  if (ran.code !== 0) throw new Error(ran.stderr);
  return JSON.parse(ran.stdout) as Dice;
}
