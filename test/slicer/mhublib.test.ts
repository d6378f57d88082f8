// MHubLib with plain python3 (no Slicer): unit tests, and the reference model through the
// launcher with Docker and with a venv, including cancel at every phase and failed runs.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { modelSpec } from '../../src/generator/model-spec.ts';
import { loadTerminology } from '../../src/registry/terminology.ts';
import { loadRegistry } from '../../src/registry/validate.ts';
import { availableBackends, here, repo, runPython, tempDir, testCache } from './support.ts';

it('MHubLib passes its Python tests, running the reference model on every available backend', async () => {
  const backends = availableBackends();
  const record = (await loadRegistry()).find((r) => r.card.name === 'classical_ct')!;
  const spec = path.join(tempDir('mhublib-spec'), 'classical_ct.json');
  writeFileSync(spec, JSON.stringify(modelSpec(record, loadTerminology())));
  const result = runPython([path.join(here, 'py/test_mhublib.py')], {
    MHUB_REPO: repo,
    MHUB_BACKENDS: backends.join(','),
    MHUB_HOME: testCache,
    MHUB_REFERENCE_SPEC: spec,
  });
  const summary = result.stderr.trim().split('\n').slice(-3).join('\n');
  expect(result.status, result.stderr).toBe(0);
  expect(summary).toMatch(/^OK/m);
  // only the backend-specific cases may be skipped, and only when that backend is missing
  const skipped = Number(/skipped=(\d+)/.exec(summary)?.[1] ?? 0);
  expect(skipped).toBe(backends.length === 2 ? 0 : skipped);
}, 900_000);
