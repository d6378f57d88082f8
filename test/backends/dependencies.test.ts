// Two models whose pinned dependencies conflict (numpy 1.x and 2.x), run side by side: each
// backend gives each model its own environment, so both run at once and each sees its own pin.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runModel } from '../../src/runner/run.ts';
import type { BackendName } from '../../src/runner/types.ts';
import { fixtureNifti, hasDocker, repo, tempDir } from '../runner/support.ts';
import { venvPython } from '../support/requirements.ts';

const fixtures = path.join(repo, 'test/backends/fixtures');
const cards = path.join(fixtures, 'cards');

async function sideBySide(backend: BackendName, home: string) {
  const work = await tempDir(`deps-${backend}`);
  const input = fixtureNifti(work, 'the numpy probes do not read their input');
  const run = async (model: string) => {
    const lines: string[] = [];
    await runModel({
      model,
      registry: [cards],
      input,
      output: path.join(work, model),
      backend,
      home,
      log: (l) => lines.push(l),
    });
    return lines.join('\n').match(/numpy_probe: numpy (\S+)/)?.[1];
  };
  const [older, newer] = await Promise.all([run('numpy_old'), run('numpy_new')]);
  return { older, newer };
}

describe.runIf(hasDocker)('conflicting dependencies under Docker', () => {
  beforeAll(async () => {
    execFileSync('bash', [path.join(repo, 'models/base/build-base.sh')], { stdio: 'ignore' });
    for (const [tag, wheel] of [
      ['mhub-backends-test/numpy_old:1', undefined],
      ['mhub-backends-test/numpy_new:1', 'numpy==2.2.6'],
    ] as const) {
      const context = await tempDir('deps-image');
      cpSync(path.join(fixtures, 'numpy_probe'), context, { recursive: true });
      mkdirSync(path.join(context, 'wheels'));
      // The wheel comes from the configured package index, as the venv backend's do.
      if (wheel)
        execFileSync('python3', [
          '-m',
          'pip',
          'download',
          '-q',
          '--no-deps',
          '-d',
          path.join(context, 'wheels'),
          wheel,
        ]);
      execFileSync('docker', ['build', '-q', '--network', 'none', '-t', tag, context], { stdio: 'ignore' });
    }
  }, 300_000);

  it('runs each model with its own numpy at the same time', async () => {
    const { older, newer } = await sideBySide('docker', await tempDir('deps-home'));
    expect(older).toMatch(/^1\./);
    expect(newer).toBe('2.2.6');
  }, 120_000);
});

describe.runIf(venvPython())('conflicting dependencies under Python environments (venv)', () => {
  it('gives each model its own environment, so both pins hold at the same time', async () => {
    const { older, newer } = await sideBySide('venv', await tempDir('deps-home'));
    expect(older).toBe('1.26.4');
    expect(newer).toBe('2.2.6');
  }, 300_000);
});
