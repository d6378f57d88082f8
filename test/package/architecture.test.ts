// The architecture rule (scripts/check-imports.ts, run by `npm test`): capabilities meet only at
// their index.ts, and nothing imports src/cli. Proven to fail on each kind of violation.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkImports, fixImports } from '../../scripts/check-imports.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const root = mkdtempSync(path.join(tmpdir(), 'mhub-arch-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A small src/ tree: files given as path -> text. */
function tree(name: string, files: Record<string, string>): string {
  const dir = path.join(root, name);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

const base = {
  'errors.ts': 'export const E = 1;\n',
  'registry/index.ts': "export { load } from './load.ts';\n",
  'registry/load.ts': "import { E } from '../errors.ts';\nexport const load = E;\n",
  'cli/main.ts': "import { load } from '../registry/index.ts';\nexport const main = load;\n",
};

describe('check-imports', () => {
  it('passes the repository and a tree that keeps the rule', () => {
    expect(checkImports(path.join(repo, 'src'))).toEqual([]);
    expect(checkImports(tree('ok', base))).toEqual([]);
  });

  it('names an import past another capability’s index, static, type-only or dynamic', () => {
    const dir = tree('deep', {
      ...base,
      'io/index.ts': "export * from './read.ts';\n",
      'io/read.ts': [
        "import type { X } from '../registry/load.ts';",
        "// import { load } from '../registry/load.ts';  (a comment: not an import)",
        "export const read = () => import('../registry/load.ts');",
        '',
      ].join('\n'),
    });
    const found = checkImports(dir).map((v) => [path.basename(v.file), v.line, v.specifier]);
    expect(found).toEqual([
      ['read.ts', 1, '../registry/load.ts'],
      ['read.ts', 3, '../registry/load.ts'],
    ]);
  });

  it('refuses any import of src/cli, even its entry, and the CLI reaching into a capability', () => {
    const dir = tree('cli', {
      ...base,
      'cli/index.ts': "export * from './main.ts';\n",
      'contrib/run.ts': "import { main } from '../cli/index.ts';\nexport { main };\n",
      'cli/commands/x.ts': "export { load } from '../../registry/load.ts';\n",
    });
    const messages = checkImports(dir).map((v) => `${path.basename(v.file)} ${v.message}`);
    expect(messages).toHaveLength(2);
    expect(messages[0]).toMatch(
      /^x\.ts reaches into src\/registry; import from '..\/..\/registry\/index.ts'/,
    );
    expect(messages[1]).toMatch(/^run\.ts imports src\/cli/);
  });

  it('--fix points each deep import at the capability entry, multi-line ones too; src/cli stays reported', () => {
    const dir = tree('fix', {
      ...base,
      'io/read.ts': [
        'import {',
        '  load,',
        "} from '../registry/load.ts';",
        "import { main } from '../cli/main.ts';",
        'export const read = [load, main];',
        '',
      ].join('\n'),
    });
    const left = fixImports(checkImports(dir));
    expect(left.map((v) => v.specifier)).toEqual(['../cli/main.ts']);
    expect(readFileSync(path.join(dir, 'io/read.ts'), 'utf8')).toContain("} from '../registry/index.ts';");
    expect(checkImports(dir).map((v) => v.specifier)).toEqual(['../cli/main.ts']);
  });

  it('exits 1 with file:line on a violation (the form npm test runs it in)', () => {
    const dir = tree('exit', { ...base, 'io/a.ts': "import { load } from '../registry/load.ts';\n" });
    const r = spawnSync(process.execPath, [path.join(repo, 'scripts/check-imports.ts'), dir], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/io\/a\.ts:1 '..\/registry\/load.ts' reaches into src\/registry/);
    const ok = spawnSync(process.execPath, [path.join(repo, 'scripts/check-imports.ts')], {
      encoding: 'utf8',
    });
    expect(ok.status).toBe(0);
  });
});
