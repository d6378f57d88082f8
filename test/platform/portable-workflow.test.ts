// .github/workflows/portable.yml runs the portable suites on Windows, macOS and Linux runners. It
// cannot run here; this checks what can be checked here: the matrix, actions pinned by commit SHA,
// every test file it names exists, and no step can pass without testing (actionlint: actionlint.test.ts).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { isPinnedAction } from '../../src/contrib/workflow-audit.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const text = readFileSync(path.join(repo, '.github/workflows/portable.yml'), 'utf8');
const wf = parse(text) as {
  permissions: Record<string, string>;
  jobs: Record<
    string,
    {
      strategy: { matrix: { os: string[] } };
      steps: { uses?: string; run?: string; 'continue-on-error'?: unknown; if?: unknown }[];
    }
  >;
};
const job = wf.jobs.portable!;

describe('portable.yml', () => {
  it('runs on windows-latest, macos-latest and ubuntu-latest, read-only, actions pinned by SHA', () => {
    expect([...job.strategy.matrix.os].sort()).toEqual(['macos-latest', 'ubuntu-latest', 'windows-latest']);
    expect(wf.permissions).toEqual({ contents: 'read' });
    const uses = job.steps.filter((s) => s.uses).map((s) => s.uses!);
    expect(uses.length).toBeGreaterThan(0);
    for (const u of uses) expect(isPinnedAction(u), u).toBe(true);
  });

  it('names test files that exist, the platform tables and the Python launcher tests among them', () => {
    const runs = job.steps.map((s) => s.run ?? '').join('\n');
    const named = [...runs.matchAll(/\btest\/[\w./-]+/g)].map((m) => m[0]);
    expect(named.length).toBeGreaterThan(10);
    for (const f of named) expect(existsSync(path.join(repo, f)), f).toBe(true);
    expect(named).toEqual(
      expect.arrayContaining([
        'test/platform/platform.test.ts',
        'test/platform/site-page.test.ts',
        'test/platform/test_platform.py',
        'test/contract/test_vectors.py',
        'test/contract/vectors.test.ts',
      ]),
    );
    expect(runs).toMatch(/site build --out/);
  });

  it('has no step that could pass without testing', () => {
    for (const s of job.steps) {
      expect(s['continue-on-error'], JSON.stringify(s)).toBeUndefined();
      expect(s.if, JSON.stringify(s)).toBeUndefined();
      expect(s.run ?? '').not.toMatch(/\|\|\s*(true|:|exit 0)|set \+e/);
    }
    // GitHub sets CI=true: a test whose requirement is missing fails there (never unset here).
    expect(text).not.toMatch(/\bCI:\s*/);
  });
});
