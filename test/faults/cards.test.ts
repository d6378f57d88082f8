// Cards cannot reach outside their model: source.path stays in the model's own folder (no ..,
// no absolute path, no symlink out), each requirement is one hash-pinned line, and the card
// checks and the venv builder apply the same rule. Real cards, real commands.
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CardRecord, loadRegistry } from '../../src/registry/validate.ts';
import { runModel } from '../../src/runner/run.ts';
import { repo } from '../runner/support.ts';
import { expectSafe, mhub, reportTally, tempDir } from './support.ts';

reportTally('cards');

const original = readFileSync(path.join(repo, 'registry/models/classical_ct.md'), 'utf8');
const PIN = 'numpy==2.2.6 --hash=sha256:ba10f8411898fc418a521833e014a77d3ca01c15b0c6cdcce6a0d2897e6dbbdf';

/** A copy of the classical_ct card in `<root>/registry/models/`, edited by `edit`. */
function card(root: string, edit: (text: string) => string): string {
  const dir = path.join(root, 'registry', 'models');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'classical_ct.md');
  writeFileSync(file, edit(original));
  return file;
}

/** Runs `record` under the venv backend on a stand-in input in `root`; returns the refusal. */
async function venvRun(record: CardRecord, root: string) {
  const out = path.join(root, 'out');
  const home = path.join(root, 'home');
  const input = path.join(root, 'ct.nii.gz');
  writeFileSync(input, 'not read: the card is refused first');
  const error = await runModel({ model: record, input, output: out, backend: 'venv', home }).then(
    () => undefined,
    (e: Error) => e,
  );
  return { error, out, home };
}

describe('runtimes.venv.source.path', () => {
  for (const [bad, why] of [
    ['../../../../usr/lib/python3', /climbs out of the repository with \.\./],
    ['/usr/lib/python3', /is an absolute path/],
    ['.', /has an empty or \. part/],
    ['models', /is not a model's own folder/],
  ] as const) {
    it(`'${bad}' is refused by registry validate and by generate slicer (nothing published)`, async () => {
      const root = tempDir('source');
      const file = card(root, (t) => t.replace('path: models/classical_ct', `path: ${bad}`));
      const validate = await mhub('registry', 'validate', file);
      expect(validate.code).toBe(1);
      expect(validate.out + validate.err).toMatch(why);
      expect(validate.out + validate.err).toMatch(/runtimes\.venv\.source\.path/);
      const out = path.join(root, 'ext');
      const r = await mhub('generate', 'slicer', '--registry', path.dirname(file), '--out', out);
      expectSafe(r, { code: 1, message: why }, [], [out]);
    });
  }

  it('a source folder that is a symlink out of the repository is refused (venv), before anything is built', async () => {
    const root = tempDir('symlink-source');
    const file = card(root, (t) => t);
    mkdirSync(path.join(root, 'models'));
    symlinkSync('/usr/lib/python3', path.join(root, 'models', 'classical_ct'));
    const [record] = await loadRegistry([file]);
    const { error, out, home } = await venvRun(record!, root);
    expectSafe(
      { code: error ? 3 : 0, out: '', err: `${error?.message}` },
      { code: 3, message: /source\.path 'models\/classical_ct' leads outside .* \(through a symlink\)/ },
      [],
      [out, path.join(home, 'venvs')],
    );
  });
});

describe('requirements: one hash-pinned line each', () => {
  const smuggled = `${PIN}\\nevil @ http://127.0.0.1:9/evil-1.0-py3-none-any.whl`;

  it('a newline smuggling in an unpinned URL requirement is refused by registry validate', async () => {
    const file = card(tempDir('req'), (t) => t.replace(`- ${PIN}`, `- "${smuggled}"`));
    const r = await mhub('registry', 'validate', file);
    expectSafe(
      { ...r, err: r.out + r.err },
      {
        code: 1,
        message:
          /runtimes\.venv\.requirements\[0\].*holds a line break: pip would read a second requirement/s,
      },
      [],
    );
  });

  it('the venv builder refuses it too (a card object that skipped validation), before pip runs', async () => {
    const root = tempDir('req-venv');
    const file = card(root, (t) => t);
    const [record] = await loadRegistry([file]);
    record!.card.runtimes.venv!.requirements = [
      `${PIN}\nevil @ http://127.0.0.1:9/evil-1.0-py3-none-any.whl`,
    ];
    const { error, out } = await venvRun(record!, root);
    expectSafe(
      { code: error ? 3 : 0, out: '', err: `${error?.message}` },
      { code: 3, message: /runtimes\.venv\.requirements .* is not one hash-pinned line/ },
      [],
      [out],
    );
    expect(readdirSync(root).sort()).toEqual(['ct.nii.gz', 'registry']); // no environment, no output folder
  });
});
