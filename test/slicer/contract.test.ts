// The shared contract test: the Node runner (`mhub run`, src/runner) and the Slicer extension's
// Python launcher (MHubLib) run the same reference models with the same inputs and must give
// identical results: label maps voxel for voxel (files interface, Docker and venv) and DICOM
// SEG frames (mhub interface, Docker).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { modelSpec } from '../../src/generator/model-spec.ts';
import { loadTerminology } from '../../src/registry/terminology.ts';
import { loadRegistry } from '../../src/registry/validate.ts';
import { runModel } from '../../src/runner/run.ts';
import { availableBackends, here, repo, runPython, tempDir, testCache, walk } from './support.ts';

const modelsPath = [path.join(repo, 'models/classical_ct'), path.join(repo, 'models/classical_ct_mhub')].join(
  ':',
);
const libPath = path.join(repo, 'templates/slicer');
let data: string;
let work: string;

async function specFile(name: string): Promise<string> {
  const record = (await loadRegistry()).find((r) => r.card.name === name)!;
  const file = path.join(work, `${name}.json`);
  writeFileSync(file, JSON.stringify(modelSpec(record, loadTerminology())));
  return file;
}

function pythonLauncher(spec: string, backend: string, input: string, output: string) {
  const result = runPython(
    [
      '-m',
      'MHubLib',
      'run',
      spec,
      '--backend',
      backend,
      '--input',
      `ct=${input}`,
      '--output',
      output,
      '--cpu',
      '--source',
      path.join(repo, 'models/classical_ct'),
      '--cache',
      testCache,
    ],
    { PYTHONPATH: libPath },
  );
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Record<string, string>;
}

function compare(kind: 'nifti' | 'seg', files: string[]) {
  const result = runPython([path.join(here, 'py/compare_outputs.py'), kind, ...files], {
    PYTHONPATH: modelsPath,
  });
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
}

describe('contract: Node runner and Python launcher', () => {
  const backends = availableBackends();

  beforeAll(() => {
    work = tempDir('contract');
    data = path.join(work, 'data');
    const made = runPython(['-m', 'classical_ct_mhub.phantom', data], { PYTHONPATH: modelsPath });
    expect(made.status, made.stderr).toBe(0);
    runPython(['-m', 'classical_ct.phantom', data], { PYTHONPATH: modelsPath });
  });

  it.runIf(backends.length > 0)(
    'give identical label maps for the files interface on every backend',
    async () => {
      const spec = await specFile('classical_ct');
      const outputs: string[] = [];
      for (const backend of backends as ('docker' | 'venv')[]) {
        const node = await runModel({
          model: 'classical_ct',
          input: path.join(data, 'ct.nii.gz'),
          output: path.join(work, `node-${backend}`),
          backend,
          gpu: 'off',
          home: path.join(testCache, 'node-runner'),
        });
        expect(node.outputs).toEqual([path.join(work, `node-${backend}`, 'segmentation.nii.gz')]);
        const py = pythonLauncher(
          spec,
          backend,
          path.join(data, 'ct.nii.gz'),
          path.join(work, `py-${backend}`),
        );
        outputs.push(node.outputs[0]!, py.segmentation!);
      }
      const result = compare('nifti', [path.join(data, 'expected.nii.gz'), ...outputs]);
      expect(result.identical).toEqual(outputs.map(() => true));
      expect(result.labels).toEqual([0, 1, 2, 3, 4]);
    },
    900_000,
  );

  it.runIf(backends.includes('docker'))(
    'give the same DICOM SEG for the mhub interface',
    async () => {
      const spec = await specFile('classical_ct_mhub');
      const node = await runModel({
        model: 'classical_ct_mhub',
        input: path.join(data, 'ct'),
        output: path.join(work, 'node-mhub'),
        backend: 'docker',
        gpu: 'off',
      });
      const py = pythonLauncher(spec, 'docker', path.join(data, 'ct'), path.join(work, 'py-mhub'));
      const nodeSeg = node.outputs.find((f) => f.endsWith('.dcm'))!;
      const pySeg = py.segmentation!;
      expect(path.relative(path.join(work, 'py-mhub'), pySeg)).toMatch(/\.seg\.dcm$/);
      expect(walk(path.join(work, 'py-mhub')).every((f) => f.endsWith('.dcm'))).toBe(true);
      const result = compare('seg', [nodeSeg, pySeg]);
      expect(result.identical).toEqual([true]);
      expect(result.modality).toEqual(['SEG', 'SEG']);
      expect(result.segments[0]).toEqual(result.segments[1]);
      expect(result.segments[0]).toHaveLength(4);
    },
    900_000,
  );
});
