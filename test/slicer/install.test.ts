// The extension as Extensions Manager installs it: real CMake runs the REAL, unmodified CTK macro
// (ctkMacroCompilePythonScript.cmake) and Slicer's scripted-module macro from
// fixtures/upstream/ against a FAKE Slicer package, then `cmake --install` into a prefix; python3
// imports the shared packages and a module from the installed qt-scripted-modules folder (the
// folder Slicer puts on sys.path), with nothing else on the path but the FAKE slicer.

import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { generateSlicerExtension } from '../../src/generator/index.ts';
import { fixtures, has, here, need, python, runPython, tempDir, walk } from './support.ts';

const QT_SCRIPTED = 'lib/Slicer-5.8/qt-scripted-modules'; // fake-slicer-install/SlicerConfig.cmake

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function cmake(args: string[]) {
  const result = spawnSync('cmake', args, { encoding: 'utf8', timeout: 300_000 });
  expect(result.status, `cmake ${args.join(' ')}\n${result.stdout}${result.stderr}`).toBe(0);
}

it.runIf(need('cmake', has('cmake', ['--version'])))(
  'the installed extension imports MHubLib, MHubSlicer and its modules from qt-scripted-modules',
  async () => {
    const root = tempDir('install');
    made.push(root);
    const ext = path.join(root, 'ext');
    const build = path.join(root, 'build');
    const prefix = path.join(root, 'prefix');
    await generateSlicerExtension({ outDir: ext, models: ['classical_ct', 'lungmask'] });
    cmake([
      '-S',
      ext,
      '-B',
      build,
      `-DSlicer_DIR=${path.join(fixtures, 'fake-slicer-install')}`,
      `-DPYTHON_EXECUTABLE=${python}`,
      '-DBUILD_TESTING=OFF',
    ]);
    cmake(['--build', build, '-j2']);
    cmake(['--install', build, '--prefix', prefix]);

    const installed = walk(prefix).filter((f) => !f.includes('__pycache__'));
    const qt = path.join(prefix, QT_SCRIPTED);
    // each package exactly once, directly in qt-scripted-modules (no nested copy of the build tree)
    for (const pkg of ['MHubLib', 'MHubSlicer'])
      expect(installed.filter((f) => f.endsWith(`${pkg}/__init__.py`))).toEqual([
        `${QT_SCRIPTED}/${pkg}/__init__.py`,
      ]);
    expect(installed.filter((f) => f.startsWith(`${QT_SCRIPTED}/qt-scripted-modules`))).toEqual([]);
    expect(existsSync(path.join(qt, 'MHubClassicalCt.py'))).toBe(true);

    const check = runPython(
      [
        '-c',
        `
import os, sys
qt, fake = sys.argv[1], sys.argv[2]
sys.path[:0] = [fake, qt]
import MHubLib, MHubSlicer, MHubClassicalCt
for module in (MHubLib, MHubSlicer):
    assert os.path.dirname(os.path.dirname(module.__file__)) == qt, module.__file__
here = os.path.dirname(MHubClassicalCt.__file__)
for output in MHubClassicalCt.MODEL["outputs"]:
    for key in ("colorTable", "terminologyFile"):
        assert os.path.isfile(os.path.join(here, output[key])), output[key]
print("imported", MHubLib.__file__)
`,
        qt,
        path.join(here, 'py/fakeslicer'),
      ],
      {},
    );
    expect(check.status, check.stderr).toBe(0);
    expect(check.stdout).toContain(path.join(qt, 'MHubLib', '__init__.py'));

    // the catalog's zip, not built: Slicer puts a module's own folder on sys.path when it loads it
    // (qSlicerScriptedLoadableModuleFactory.cxx:49-60); the module finds Lib beside it
    const source = runPython(
      [
        '-c',
        `
import os, sys
sys.path[:0] = [sys.argv[2], sys.argv[1]]
import MHubClassicalCt, MHubLib
print(MHubLib.__file__)
`,
        path.join(ext, 'MHubClassicalCt'),
        path.join(here, 'py/fakeslicer'),
      ],
      {},
    );
    expect(source.status, source.stderr).toBe(0);
    expect(source.stdout.trim()).toBe(path.join(ext, 'Lib', 'MHubLib', '__init__.py'));
  },
  600_000,
);
