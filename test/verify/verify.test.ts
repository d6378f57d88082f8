// `mhub test`: the comparisons on made-up label maps and numbers, then real runs of the
// reference models on their committed samples under Docker and a venv, and a deliberately
// altered reference that must fail with the Dice figures.
import { execFileSync } from 'node:child_process';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readNifti, type Volume, writeNifti } from '../../src/io/index.ts';
import {
  compareLabelMaps,
  compareNumbers,
  type TestReport,
  verificationSummary,
} from '../../src/verify/index.ts';
import { ensureImages, hasDocker, repo, tempDir, testHome } from '../runner/support.ts';
import { runCli } from '../support/cli.ts';
import { venvPython } from '../support/requirements.ts';

const SEGMENTS = ['BODY', 'RIGHT_LUNG', 'LEFT_LUNG', 'BONE'];

function labelMap(values: number[], size: [number, number, number] = [values.length, 1, 1]): Volume {
  return {
    size,
    spacing: [1, 1, 1],
    origin: [0, 0, 0],
    axes: [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ],
    data: Uint8Array.from(values),
  };
}

describe('comparing label maps', () => {
  it('passes identical maps with Dice 1 per segment, and counts the voxels', () => {
    const r = compareLabelMaps(
      labelMap([0, 1, 1, 2, 2, 2]),
      labelMap([0, 1, 1, 2, 2, 2]),
      { exact: true },
      SEGMENTS,
    );
    expect(r.ok).toBe(true);
    expect(r.segments).toEqual([
      { label: 1, segment: 'BODY', dice: 1, referenceVoxels: 2, outputVoxels: 2 },
      { label: 2, segment: 'RIGHT_LUNG', dice: 1, referenceVoxels: 3, outputVoxels: 3 },
    ]);
    expect(r.mismatchedVoxels).toBe(0);
  });

  it('fails a changed map with the Dice of each segment and the voxels that differ', () => {
    // Output: one RIGHT_LUNG voxel became BODY. Dice BODY = 2*2/(3+2) = 0.8, RIGHT_LUNG = 2*2/(2+3) = 0.8.
    const out = labelMap([0, 1, 1, 1, 2, 2]);
    const ref = labelMap([0, 1, 1, 2, 2, 2]);
    const dice = compareLabelMaps(out, ref, { dice: { min: 0.9 } }, SEGMENTS);
    expect(dice.ok).toBe(false);
    expect(dice.segments?.map((s) => s.dice)).toEqual([0.8, 0.8]);
    expect(dice.message).toBe(
      'Dice below 0.9 for BODY (0.8), RIGHT_LUNG (0.8); 1 of 6 voxels differ; lowest Dice 0.8 (BODY)',
    );
    expect(compareLabelMaps(out, ref, { dice: { min: 0.8 } }, SEGMENTS).ok).toBe(true);
    expect(compareLabelMaps(out, ref, { exact: true }, SEGMENTS).ok).toBe(false);
  });

  it('checks the geometry first: a shifted grid fails before any Dice, a flipped axis is realigned', () => {
    const ref = labelMap([0, 1, 2, 3]);
    const shifted = { ...labelMap([0, 1, 2, 3]), origin: [5, 0, 0] as [number, number, number] };
    const r = compareLabelMaps(shifted, ref, { dice: { min: 0.5 } });
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/^the label geometry differs from the reference: voxel \(0, 0, 0\) lies at/);
    expect(r.segments).toBeUndefined();
    // The same voxels stored with the i axis running the other way.
    const flipped: Volume = {
      ...labelMap([3, 2, 1, 0]),
      origin: [3, 0, 0],
      axes: [
        [-1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
      ],
    };
    expect(compareLabelMaps(flipped, ref, { exact: true }).ok).toBe(true);
  });
});

describe('comparing numbers (bioimage.io tolerance)', () => {
  const ref = Array.from({ length: 10_000 }, (_, i) => i / 7);
  it('passes differences within absolute + relative * |reference|', () => {
    const out = ref.map((v) => v * (1 + 9e-4));
    expect(compareNumbers(out, ref).ok).toBe(true);
  });
  it('allows 100 mismatched values per million by default, not 2 in 10 000', () => {
    const one = [...ref];
    one[5] = 1e6;
    expect(compareNumbers(one, ref).ok).toBe(true); // exactly 100 per million
    const two = [...one];
    two[6] = -1e6;
    const r = compareNumbers(two, ref);
    expect(r.ok).toBe(false);
    expect(r.numbers).toMatchObject({ compared: 10_000, mismatched: 2 });
    expect(compareNumbers(two, ref, { mismatchedPerMillion: 200 }).ok).toBe(true);
  });
  it('refuses different lengths and compares text exactly', () => {
    expect(compareNumbers([1, 2], [1, 2, 3]).message).toBe('2 values where the reference has 3');
    expect(compareNumbers(['a', 1], ['b', 1], { mismatchedPerMillion: 0 }).ok).toBe(false);
  });
});

describe('the catalog line', () => {
  it('says "not verified" without a passing report, and the date, backends and Dice with one', () => {
    expect(verificationSummary(undefined).text).toBe('not verified by this registry');
    const report = {
      ok: true,
      generated: '2026-12-01T23:00:00.000Z',
      runs: [
        {
          backend: 'docker',
          status: 'passed',
          tests: [
            {
              comparisons: [
                {
                  segments: [
                    { label: 1, dice: 1 },
                    { label: 2, dice: 0.995 },
                  ],
                },
              ],
            },
          ],
        },
        { backend: 'venv', status: 'not-run', tests: [] },
      ],
    } as unknown as TestReport;
    expect(verificationSummary(report).text).toBe(
      'reproduced on 2026-12-01 with docker, Dice >= 0.995 on 2 segments',
    );
    expect(verificationSummary({ ...report, ok: false }).verified).toBe(false);
  });
});

/** A copy of the repository layout a card needs, with the reference label map altered. */
async function alteredRegistry(): Promise<string> {
  const root = await tempDir('verify-altered');
  await mkdir(path.join(root, 'registry/models'), { recursive: true });
  await cp(
    path.join(repo, 'registry/models/classical_ct.md'),
    path.join(root, 'registry/models/classical_ct.md'),
  );
  await cp(path.join(repo, 'models/classical_ct'), path.join(root, 'models/classical_ct'), {
    recursive: true,
  });
  const file = path.join(root, 'models/classical_ct/tests/reference/segmentation.nii.gz');
  const reference = await readNifti(file);
  // The left lung (label 3) is called body in the "reference".
  for (let i = 0; i < reference.data.length; i++) if (reference.data[i] === 3) reference.data[i] = 1;
  await rm(file); // our own copy: fsafe never replaces a file silently
  await writeNifti(file, reference);
  return path.join(root, 'registry/models');
}

describe.runIf(hasDocker)('mhub test under Docker', () => {
  beforeAll(() => ensureImages(), 600_000);

  it('passes both reference models on their committed samples, with the image id in the report', async () => {
    const dir = await tempDir('verify-report');
    for (const model of ['classical_ct', 'classical_ct_mhub']) {
      const file = path.join(dir, `${model}.json`);
      const r = await runCli(['test', model, '--backend', 'docker', '--report', file]);
      expect(r.code, r.out + r.err).toBe(0);
      expect(r.out).toMatch(new RegExp(`^passed +${model} under docker in [0-9.]+ s, lowest Dice 1$`, 'm'));
      const report = JSON.parse(await readFile(file, 'utf8')) as TestReport;
      expect(report).toMatchObject({ format: 'mhub-test-report/1', model, ok: true });
      const run = report.runs[0]!;
      expect(run.image?.id).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(run.tests[0]!.comparisons[0]!.segments?.map((s) => [s.segment, s.dice])).toEqual(
        SEGMENTS.map((s) => [s, 1]),
      );
    }
  }, 300_000);

  it('fails against an altered reference and prints the Dice figures', async () => {
    const registry = await alteredRegistry();
    const r = await runCli(['test', 'classical_ct', '--backend', 'docker', '--registry', registry]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^FAILED +classical_ct under docker in [0-9.]+ s, lowest Dice 0$/m);
    expect(r.out).toContain('LEFT_LUNG: Dice 0 (reference 0 voxels, output 4842)');
    expect(r.out).toMatch(/BODY: Dice 0\.9[0-9]+ \(reference 54838 voxels, output 49996\)/);
    expect(r.out).toMatch(/segmentation: not identical: 4842 of 122880 voxels differ/);
  }, 300_000);

  it('fails unet_ct with altered weights (an image whose classifier weights are negated), with the Dice figures', async () => {
    const tag = 'mhub-test/unet_ct-altered-weights:1';
    const context = await tempDir('verify-weights-image');
    await writeFile(
      path.join(context, 'alter.py'),
      [
        'import hashlib, json, torch',
        "p = '/app/unet_ct/weights/unet_ct.pt'",
        'sd = torch.load(p, weights_only=True)',
        "sd['head.weight'] = -sd['head.weight']",
        'torch.save(sd, p)',
        "m = '/app/unet_ct/weights/unet_ct.json'",
        'j = json.load(open(m))',
        "j['sha256'] = hashlib.sha256(open(p, 'rb').read()).hexdigest()",
        "json.dump(j, open(m, 'w'))",
        '',
      ].join('\n'),
    );
    await writeFile(
      path.join(context, 'Dockerfile'),
      'FROM mhub-registry/unet_ct:1.0.0\nCOPY alter.py /tmp/alter.py\nRUN python3 /tmp/alter.py && rm /tmp/alter.py\n',
    );
    execFileSync('docker', ['build', '--network', 'none', '-q', '-t', tag, context], { stdio: 'ignore' });
    try {
      const root = await tempDir('verify-weights');
      await mkdir(path.join(root, 'registry/models'), { recursive: true });
      const card = (await readFile(path.join(repo, 'registry/models/unet_ct.md'), 'utf8')).replace(
        'image: mhub-registry/unet_ct\n    tag: 1.0.0',
        'image: mhub-test/unet_ct-altered-weights\n    tag: "1"',
      );
      expect(card).toContain('mhub-test/unet_ct-altered-weights');
      await writeFile(path.join(root, 'registry/models/unet_ct.md'), card);
      for (const dir of [
        'models/unet_ct/unet_ct',
        'models/unet_ct/tests/reference',
        'models/classical_ct/tests/sample',
      ])
        await cp(path.join(repo, dir), path.join(root, dir), { recursive: true });
      const r = await runCli([
        'test',
        'unet_ct',
        '--backend',
        'docker',
        '--registry',
        path.join(root, 'registry/models'),
      ]);
      expect(r.code, r.out + r.err).toBe(1);
      expect(r.out).toMatch(/^FAILED +unet_ct under docker in [0-9.]+ s, lowest Dice 0(\.[0-9]+)?$/m);
      expect(r.out).toMatch(/^ +segmentation: Dice below 0\.99 for /m);
      for (const segment of ['BODY', 'RIGHT_LUNG', 'LEFT_LUNG', 'BONE'])
        expect(r.out).toMatch(
          new RegExp(`^ +${segment}: Dice 0(\\.[0-9]+)? \\(reference [0-9]+ voxels, output [0-9]+\\)$`, 'm'),
        );
    } finally {
      execFileSync('docker', ['rmi', '-f', tag], { stdio: 'ignore' });
    }
  }, 600_000);

  it('--all tests what can run here under both backends and says why the others cannot', async () => {
    process.env.MHUB_HOME = testHome;
    process.env.MHUB_PYTHON ??= 'python3.11';
    const r = await runCli(['test', '--all']);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/^passed +classical_ct under docker/m);
    // venv where this machine has a Python 3.11 (always in CI), else said plainly.
    expect(r.out).toMatch(
      /^(passed +classical_ct under venv|not run +classical_ct under venv: no Python matching)/m,
    );
    expect(r.out).toMatch(/^passed +classical_ct_mhub under docker/m);
    expect(r.out).toContain(
      'cannot run here: totalsegmentator: docker: the sample is IDC series 61.7.186195007319014217251157852440977945371; mhub test does not download from IDC',
    );
    expect(r.out).toContain(
      "cannot run here: msk_smit_lung_gtv: docker: MHub's test archive is not pinned by sha256 (MHub publishes no hash); pin it in the card as url + sha256",
    );
    expect(r.out).toMatch(/^passed +unet_ct under docker in [0-9.]+ s, lowest Dice /m);
    expect(r.out).toContain('cannot run here: lungmask: the card has no tests section');
  }, 600_000);
});

describe.runIf(venvPython())('mhub test under a venv', () => {
  it('passes classical_ct in its environment, with the environment hash in the report', async () => {
    process.env.MHUB_HOME = testHome;
    process.env.MHUB_PYTHON ??= 'python3.11';
    const file = path.join(await tempDir('verify-venv'), 'report.md');
    const r = await runCli(['test', 'classical_ct', '--backend', 'venv', '--report', file]);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/^passed +classical_ct under venv in [0-9.]+ s, lowest Dice 1$/m);
    const text = await readFile(file, 'utf8');
    expect(text).toMatch(/^- environment [0-9a-f]{64} \(Python 3\.11\.[0-9]+\)$/m);
    expect(text).toContain('| 3 | LEFT_LUNG | 1 | 4842 | 4842 |');
  }, 600_000);

  it('fails an altered reference under the venv too', async () => {
    process.env.MHUB_HOME = testHome;
    const r = await runCli([
      'test',
      'classical_ct',
      '--backend',
      'venv',
      '--registry',
      await alteredRegistry(),
    ]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('LEFT_LUNG: Dice 0 (reference 0 voxels, output 4842)');
  }, 600_000);
});

describe('the command line', () => {
  it('asks for a model or --all, and a known backend', async () => {
    const none = await runCli(['test']);
    expect(none.code).toBe(2);
    expect(none.err).toContain('give a model name or --all');
    const bad = await runCli(['test', 'classical_ct', '--backend', 'podman']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--backend podman is not known');
  });
});
