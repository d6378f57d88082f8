// The contract's shared vectors (vectors.json) against the TypeScript contract, then the same
// table against the Slicer launcher's Python (test_vectors.py), and the generated Python
// constants against their source.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONTRACT_PY, contractPython } from '../../src/generator/contract-py.ts';
import {
  cacheRoot,
  containerConfig,
  containerUser,
  dockerCliArgs,
  envHash,
  envKey,
  envPaths,
  expectedOutputs,
  LABELS,
  missingOutputs,
  packageIndexes,
  satisfies,
} from '../../src/runner/contract/index.ts';
import { parseProgressLine } from '../../src/runner/progress-events.ts';
import { python, runPython } from '../slicer/support.ts';

const here = fileURLToPath(new URL('./', import.meta.url));
const vectors = JSON.parse(readFileSync(path.join(here, 'vectors.json'), 'utf8'));
const ranges: { version: string; spec: string; matches?: boolean; error?: boolean; why: string }[] =
  vectors.versionRanges;

describe('contract vectors (TypeScript)', () => {
  it.each(ranges)('$version against "$spec"', (v) => {
    const run = () => satisfies(v.version, v.spec);
    if (v.error) expect(run).toThrow(/version specifier/);
    else expect(run(), v.why).toBe(v.matches);
  });

  it('container user', () => {
    for (const v of vectors.containerUser)
      expect(containerUser(v.uid ?? undefined, v.gid ?? undefined)).toBe(v.user ?? undefined);
  });

  it('container arguments, with every safety default', () => {
    for (const { spec: s, argv } of vectors.containers) {
      const config = containerConfig({
        image: s.image,
        name: s.name,
        cmd: s.cmd ?? undefined,
        inputDir: s.inputDir,
        outputDir: s.outputDir,
        labels: {
          [LABELS.run]: s.run,
          [LABELS.model]: s.model,
          [LABELS.version]: s.version,
          [LABELS.owner]: s.owner,
        },
        user: s.user ?? undefined,
        gpu: s.gpu,
      });
      expect(dockerCliArgs(config)).toEqual(argv);
      const text = argv.join(' ');
      for (const flag of [
        '--network none',
        '--cap-drop ALL',
        '--security-opt no-new-privileges',
        '--pids-limit',
      ]) {
        expect(text).toContain(flag);
      }
      expect(argv).toContain(`${s.inputDir}:/app/data/input_data:ro`);
      expect(text.includes('--gpus all')).toBe(s.gpu);
    }
    expect(() =>
      dockerCliArgs({
        ...containerConfig({ image: 'x', inputDir: '/i', outputDir: '/o' }),
        Tty: true,
      } as never),
    ).toThrow(/no CLI spelling for Tty/);
  });

  it.each(
    vectors.packageIndexes as {
      requirements: string[];
      mirror: string | null;
      indexes: string[];
      why: string;
    }[],
  )('package indexes: $why', (v) => {
    expect(packageIndexes(v.requirements, v.mirror ?? undefined)).toEqual(v.indexes);
  });

  it('cache layout and environment stamps', () => {
    // The vectors are POSIX paths: checked with path.posix, so they hold on Windows runners too.
    for (const v of vectors.cacheLayout) expect(cacheRoot(v.env, v.homedir, path.posix)).toBe(v.home);
    for (const v of vectors.envPaths) {
      expect(envPaths(v.home, v.name, v.version, path.posix)).toEqual({
        root: v.root,
        lock: v.lock,
        weights: v.weights,
      });
    }
    for (const v of vectors.envHash) {
      expect(envKey(v.runtime)).toBe(v.key);
      expect(envHash(v.key, v.pythonVersion)).toBe(v.hash);
      expect(envHash(v.key, `${v.pythonVersion.split('.').slice(0, 2).join('.')}.99`)).toBe(v.hash);
    }
  });

  it('progress lines', () => {
    for (const v of vectors.progressLines) expect(parseProgressLine(v.line) ?? null, v.why).toEqual(v.event);
  });

  it('expected outputs', () => {
    for (const v of vectors.expectedOutputs) {
      const expected = expectedOutputs(v.card, v.runtime, v.workflow);
      expect(expected).toEqual(v.expected);
      for (const c of v.cases) {
        expect(
          missingOutputs(expected, c.files).map((e) => e.description),
          c.files.join(', '),
        ).toEqual(c.missing);
      }
    }
  });
});

describe('contract vectors (Python launcher)', () => {
  it(`pass in MHubLib under ${python}`, () => {
    const result = runPython([path.join(here, 'test_vectors.py')], {
      MHUB_LIB: path.join(here, '../../templates/slicer'),
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/^OK$/m);
  });

  it('MHubLib/contract_gen.py is the generator output (npm run gen:contract)', () => {
    expect(readFileSync(CONTRACT_PY, 'utf8')).toBe(contractPython());
  });
});
