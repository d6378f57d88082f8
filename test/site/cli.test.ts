import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

it('mhub site build names the bad card and field, and writes nothing', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'mhub-site-cli-'));
  dirs.push(dir);
  await writeFile(path.join(dir, 'bad.md'), '---\nname: bad\ntitle: X\n---\n');
  const out = path.join(dir, 'dist');
  const lines: string[] = [];
  const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l), isTTY: false };
  const code = await main(['site', 'build', '--models', dir, '--out', out], io);
  expect(code).toBe(1);
  expect(lines.join('\n')).toMatch(/bad\.md:\d+:\d+ missing required field 'version'/);
  expect(existsSync(out)).toBe(false);
});
