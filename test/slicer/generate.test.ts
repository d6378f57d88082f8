// The generated extension for every card: structure, Python, CMake, catalog entry, Slicer API.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { generateSlicerExtension, moduleName } from '../../src/generator/index.ts';
import { loadRegistry } from '../../src/registry/validate.ts';
import { checkGenerated, cmakeConfigure, fixtures, has, need, repo, tempDir, walk } from './support.ts';

let out: string;
let names: string[];

beforeAll(async () => {
  out = path.join(tempDir('all'), 'ext');
  await generateSlicerExtension({ outDir: out });
  names = (await loadRegistry()).map((r) => r.card.name);
});

const read = (p: string) => readFileSync(path.join(out, p), 'utf8');

describe('generate slicer for every card', () => {
  it('writes a module per card, the browser, the Lib and the extension files', () => {
    const files = walk(out);
    for (const name of names) {
      const m = moduleName(name);
      for (const f of [
        `${m}/${m}.py`,
        `${m}/CMakeLists.txt`,
        `${m}/Resources/Icons/${m}.png`,
        `${m}/Testing/CMakeLists.txt`,
      ])
        expect(files).toContain(f);
    }
    for (const f of [
      'CMakeLists.txt',
      'MHubModels.json',
      'MHubModels.png',
      'README.md',
      'Lib/MHubLib/launcher.py',
    ])
      expect(files).toContain(f);
    expect(read('MHubModelBrowser/Resources/Registry/models.json')).toContain('"classical_ct"');
    expect(readFileSync(path.join(out, 'MHubModels.png')).subarray(1, 4).toString()).toBe('PNG');
  });

  it('keeps each per-model file thin (logic in the Lib)', () => {
    for (const name of names) {
      const m = moduleName(name);
      const lines = read(`${m}/${m}.py`).split('\n').length;
      expect(lines, m).toBeLessThan(400);
    }
  });

  it('compiles every Python file with 3.9 grammar and uses only real Slicer API names', () => {
    const report = checkGenerated(out);
    expect(report.errors).toEqual([]);
    expect(report.files).toBeGreaterThan(names.length);
    expect(report.util).toContain('exportNode');
    expect(report.slm).toContain('ScriptedLoadableModuleWidget.setup');
  });

  it('the FAKE slicer.util defines only names the real one has', () => {
    const api = JSON.parse(readFileSync(path.join(fixtures, 'slicer-python-api.json'), 'utf8'));
    const real = new Set(api['slicer.util'].top_level_functions.map((f: { name: string }) => f.name));
    const fake = [
      ...readFileSync(path.join(repo, 'test/slicer/py/fakeslicer/slicer/util.py'), 'utf8').matchAll(
        /^def ([a-zA-Z]\w*)/gm,
      ),
    ].map((m) => m[1]);
    expect(fake.length).toBeGreaterThan(5);
    expect(fake.filter((n) => !real.has(n))).toEqual([]);
  });

  it.runIf(need('cmake', has('cmake', ['--version'])))(
    'CMake (with a FAKE Slicer package) lists exactly the files on disk',
    () => {
      const { status, output, listing, build } = cmakeConfigure(out);
      expect(status, output).toBe(0);
      const listed = new Set(
        readFileSync(listing, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((f) => path.relative(out, f)),
      );
      const onDisk = walk(out).filter(
        (f) =>
          !f.endsWith('CMakeLists.txt') &&
          // .mhub-output.json: src/fsafe's record of what it wrote (not part of the extension).
          !['MHubModels.json', 'MHubModels.png', 'README.md', '.mhub-output.json'].includes(f),
      );
      expect([...listed].sort()).toEqual(onDisk.sort());
      // every CMakeLists.txt on disk was reached through add_subdirectory
      for (const f of walk(out).filter((f) => f.endsWith('CMakeLists.txt'))) {
        expect(walk(build), f).toContain(path.join(path.dirname(f), 'Makefile'));
      }
    },
  );

  it('writes a catalog entry valid against Slicer\u2019s schema', () => {
    const schema = JSON.parse(
      readFileSync(path.join(fixtures, 'slicer-extension-catalog-entry-schema-v1.0.2.json'), 'utf8'),
    );
    const validate = new Ajv({ strict: false }).compile(schema);
    const entry = JSON.parse(read('MHubModels.json'));
    expect(validate(entry), JSON.stringify(validate.errors)).toBe(true);
    expect(entry.build_dependencies).toEqual(['QuantitativeReporting']);
  });

  it('writes colour tables in Slicer 5.10 CSV format with SNOMED CT codes', () => {
    const header = readFileSync(path.join(fixtures, 'ColorTestWithTerminology.csv'), 'utf8').split('\n')[0];
    const csv = read('MHubClassicalCt/Resources/ColorTables/MHubClassicalCt_segmentation.csv')
      .trim()
      .split('\n');
    expect(csv[0]).toBe(header);
    expect(csv.slice(1).map((row) => row.split(',')[0])).toEqual(['1', '2', '3', '4']);
    expect(csv[2]).toBe(
      '2,"Right lung",81,166,79,255,SCT,123037004,"Body structure",SCT,39607008,"Lung structure",SCT,24028007,Right,,,,,,',
    );
    const term = JSON.parse(
      read('MHubClassicalCt/Resources/Terminology/MHubClassicalCt_segmentation.term.json'),
    );
    const lung = term.SegmentationCodes.Category[0].Type.find(
      (t: { CodeValue: string }) => t.CodeValue === '39607008',
    );
    expect(lung.Modifier.map((m: { CodeMeaning: string }) => m.CodeMeaning).sort()).toEqual([
      'Left',
      'Right',
    ]);
  });

  it('mhub generate slicer --models writes only those modules, and names an unknown one', async () => {
    const dir = path.join(tempDir('cli'), 'ext');
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l), isTTY: false };
    expect(await main(['generate', 'slicer', '--out', dir, '--models', 'classical_ct,lungmask'], io)).toBe(0);
    expect(
      walk(dir)
        .filter((f) => f.endsWith('CMakeLists.txt') && f.split('/').length === 2)
        .sort(),
    ).toEqual([
      'Lib/CMakeLists.txt',
      'MHubClassicalCt/CMakeLists.txt',
      'MHubLungmask/CMakeLists.txt',
      'MHubModelBrowser/CMakeLists.txt',
    ]);
    lines.length = 0;
    expect(await main(['generate', 'slicer', '--out', dir, '--models', 'lungmsk'], io)).toBe(3);
    expect(lines.join('\n')).toMatch(/no model card named 'lungmsk'.*\n.*did you mean 'lungmask'/);
    expect(walk(dir)).toContain('MHubLungmask/MHubLungmask.py'); // the old output is untouched
  });
});
