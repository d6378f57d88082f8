// Every generated module imported against a FAKE slicer/qt/ctk/vtk (3D Slicer cannot be
// installed here); the reference model's module driven end to end from its widget: Apply,
// the Qt-timer polling, import as a coded segmentation under the input's study, and Cancel.
import path from 'node:path';
import { expect, it } from 'vitest';
import { generateSlicerExtension } from '../../src/generator/index.ts';
import { availableBackends, fakeSlicerPython, here, repo, runPython, tempDir, testCache } from './support.ts';

it.runIf(fakeSlicerPython())(
  'generated modules work against a FAKE Slicer, with the Logic run end to end',
  async () => {
    const out = path.join(tempDir('fake'), 'ext');
    await generateSlicerExtension({ outDir: out });
    const backends = availableBackends();
    const result = runPython([path.join(here, 'py/test_fake_slicer_modules.py')], {
      MHUB_EXTENSION_DIR: out,
      MHUB_REPO: repo,
      MHUB_BACKENDS: backends.join(','),
      MHUB_HOME: testCache,
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/test_run_each_backend_from_the_widget .* ok/);
    // Only the cases of a backend this machine lacks may skip (availableBackends has recorded why).
    const skips = result.stderr.split('\n').filter((line) => / \.\.\. skipped /.test(line));
    const allowed =
      backends.length === 0 ? /MHUB_BACKENDS not set|backend not requested/ : /backend not requested/;
    for (const line of skips) expect(line).toMatch(allowed);
    if (backends.includes('docker')) expect(skips).toEqual([]);
  },
  900_000,
);
