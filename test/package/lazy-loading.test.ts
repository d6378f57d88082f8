// Start-up (issue 13 §2): the CLI loads only the command being run, and heavy libraries only
// when used. Checked by recording every module a real `mhub` process loads.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '../..');
const hook = path.join(import.meta.dirname, 'fixtures/record-loads.mjs');

function loads(args: string[]): { status: number | null; modules: string[] } {
  const r = spawnSync(process.execPath, ['--import', hook, path.join(repo, 'bin/mhub.js'), ...args], {
    encoding: 'utf8',
  });
  const line = r.stderr.split('\n').find((l) => l.startsWith('LOADED '));
  const modules = (JSON.parse(line!.slice('LOADED '.length)) as string[]).map((u) =>
    u.startsWith('file:') ? path.relative(repo, new URL(u).pathname) : u,
  );
  return { status: r.status, modules };
}

const heavy =
  /node_modules\/(dcmjs|yaml|js-yaml|ajv|@itk-wasm|itk-wasm|dockerode|handlebars|@clack|fuzzysort)\//;

describe('lazy loading', () => {
  it('mhub --help loads commander and the CLI shell, no capability', () => {
    const { status, modules } = loads(['--help']);
    expect(status).toBe(0);
    const ours = modules.filter((m) => m.startsWith('src/'));
    expect(ours.sort()).toEqual(['src/cli/io.ts', 'src/cli/main.ts', 'src/errors.ts', 'src/exit-codes.ts']);
    expect(modules.filter((m) => heavy.test(m))).toEqual([]);
  });

  it('mhub convert loads the I/O, not the runner, the generator or a YAML, DICOM or schema library it does not use', () => {
    const { status, modules } = loads(['convert', '--help']);
    expect(status).toBe(0);
    expect(modules.some((m) => m.startsWith('src/io/'))).toBe(true);
    expect(modules.filter((m) => /^src\/(runner|generator|contrib|site-data)\//.test(m))).toEqual([]);
    expect(modules.filter((m) => heavy.test(m))).toEqual([]);
  });

  it('mhub registry validate loads the YAML parser it needs, and no schema compiler', () => {
    const { status, modules } = loads([
      'registry',
      'validate',
      path.join(repo, 'registry/models/classical_ct.md'),
    ]);
    expect(status).toBe(0);
    expect(modules.some((m) => /node_modules\/js-yaml\//.test(m))).toBe(true);
    // Precompiled validators: ajv's runtime helpers only, never its compiler (ajv/dist/compile).
    expect(modules.filter((m) => /node_modules\/ajv\/dist\/(compile|core|2020)/.test(m))).toEqual([]);
    expect(modules.filter((m) => /node_modules\/(dcmjs|@itk-wasm|dockerode|@clack)\//.test(m))).toEqual([]);
  });
});
