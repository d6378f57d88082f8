// The bundle file as untrusted input, without Docker or pip: the tar writer's output read back
// by GNU tar and by the reader, and bundles that must be refused before anything is installed
// (made with python3's tarfile, as an attacker's tool would): entries leaving the folder, links,
// missing, unlisted or altered files, a wrong --sha256, a truncated file.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBundle } from '../../src/bundle/index.ts';
import { extractTar, TarWriter } from '../../src/bundle/tar.ts';
import { pythonCan, requirement } from '../support/requirements.ts';

const work = mkdtempSync(path.join(os.tmpdir(), 'mhub-bundle-tar-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const sha = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

const MAKE = `
import io, json, sys, tarfile
out, spec = sys.argv[1], json.loads(sys.argv[2])
with tarfile.open(out, "w") as t:
    for e in spec:
        info = tarfile.TarInfo(e["name"])
        if "link" in e:
            info.type = tarfile.SYMTYPE; info.linkname = e["link"]; t.addfile(info)
        else:
            data = e["data"].encode(); info.size = len(data); t.addfile(info, io.BytesIO(data))
`;

type Entry = { name: string; data?: string; link?: string };

function bundle(name: string, entries: Entry[]): string {
  const file = path.join(work, name);
  execFileSync('python3', ['-c', MAKE, file, JSON.stringify(entries)]);
  return file;
}

const card = '---\nname: x\n---\n';
const manifest = (files: Record<string, string>) =>
  JSON.stringify({ format: 'mhub-bundle/1', model: 'x', version: '1.0.0', backends: ['venv'], files });

describe('bundle tar', () => {
  it('writes a tar GNU tar lists and the reader unpacks with the same sha256s (long names too)', async () => {
    const dir = path.join(work, 'src');
    mkdirSync(dir);
    const long = `${'deep/'.repeat(30)}file.py`; // 155 + characters: ustar prefix
    mkdirSync(path.join(dir, path.dirname(long)), { recursive: true });
    writeFileSync(path.join(dir, long), 'print(1)\n');
    writeFileSync(path.join(dir, 'big.bin'), Buffer.alloc(70_000, 7));
    writeFileSync(path.join(dir, 'empty'), '');
    const file = path.join(work, 'ok.tar');
    const writer = new TarWriter(file);
    const written: Record<string, string> = {};
    for (const name of [long, 'big.bin', 'empty'])
      written[name] = await writer.addFile(name, path.join(dir, name));
    await writer.addBuffer('manifest.json', Buffer.from('{}'));
    await writer.finish();
    expect(execFileSync('tar', ['tf', file], { encoding: 'utf8' }).trim().split('\n')).toEqual([
      long,
      'big.bin',
      'empty',
      'manifest.json',
    ]);
    const into = path.join(work, 'out');
    const sums = await extractTar(file, into);
    expect(Object.fromEntries([...sums].filter(([n]) => n !== 'manifest.json'))).toEqual(written);
    expect(written['big.bin']).toBe(sha(Buffer.alloc(70_000, 7)));
    expect(readFileSync(path.join(into, long), 'utf8')).toBe('print(1)\n');
  });
});

describe.runIf(requirement('python3', pythonCan('python3', ['tarfile']), 'install python3'))(
  'mhub load refuses a bad bundle before installing anything',
  () => {
    const home = path.join(work, 'home');
    const refusal = (file: string, sha256?: string) =>
      loadBundle({ file, home, sha256 }).then(
        () => 'loaded',
        (e: Error) => e.message,
      );
    const nothingInstalled = () => {
      const bundles = path.join(home, 'bundles');
      expect(existsSync(bundles) ? readdirSync(bundles) : []).toEqual([]);
      expect(existsSync(path.join(home, 'venvs'))).toBe(false);
    };

    it('an entry that would land outside, or a link', async () => {
      const outside = bundle('escape.tar', [{ name: '../evil.txt', data: 'x' }]);
      expect(await refusal(outside)).toBe(
        `${outside} is not a valid mhub bundle: the entry '../evil.txt' would be written outside the folder`,
      );
      expect(existsSync(path.join(home, 'evil.txt'))).toBe(false);
      const absolute = bundle('absolute.tar', [{ name: '/tmp/mhub-bundle-evil.txt', data: 'x' }]);
      expect(await refusal(absolute)).toMatch(
        /the entry '\/tmp\/mhub-bundle-evil\.txt' would be written outside/,
      );
      const link = bundle('link.tar', [{ name: 'card.md', link: '/etc/passwd' }]);
      expect(await refusal(link)).toBe(
        `${link} is not a valid mhub bundle: the entry 'card.md' is not a regular file`,
      );
      nothingInstalled();
    });

    it('files missing from, unlisted in, or different from the manifest', async () => {
      const missing = bundle('missing.tar', [
        { name: 'card.md', data: card },
        { name: 'manifest.json', data: manifest({ 'card.md': sha(card), 'image.tar': sha('') }) },
      ]);
      expect(await refusal(missing)).toBe(
        `${missing} was refused: image.tar, listed in its manifest.json, is missing; nothing was installed`,
      );
      const extra = bundle('extra.tar', [
        { name: 'card.md', data: card },
        { name: 'wheels/evil-1.0-py3-none-any.whl', data: 'x' },
        { name: 'manifest.json', data: manifest({ 'card.md': sha(card) }) },
      ]);
      expect(await refusal(extra)).toBe(
        `${extra} was refused: wheels/evil-1.0-py3-none-any.whl is not listed in its manifest.json; nothing was installed`,
      );
      const altered = bundle('altered.tar', [
        { name: 'card.md', data: `${card}# changed\n` },
        { name: 'manifest.json', data: manifest({ 'card.md': sha(card) }) },
      ]);
      expect(await refusal(altered)).toBe(
        `${altered} was refused: card.md does not match its sha256 in manifest.json (expected ${sha(card)}, got ${sha(`${card}# changed\n`)}); nothing was installed`,
      );
      const none = bundle('none.tar', [{ name: 'card.md', data: card }]);
      expect(await refusal(none)).toBe(
        `${none} was refused: it has no readable manifest.json; nothing was installed`,
      );
      nothingInstalled();
    });

    it('a wrong --sha256, and a truncated file', async () => {
      const ok = bundle('ok-for-sha.tar', [
        { name: 'card.md', data: card },
        { name: 'manifest.json', data: manifest({ 'card.md': sha(card) }) },
      ]);
      const actual = sha(readFileSync(ok));
      expect(await refusal(ok, 'f'.repeat(64))).toBe(
        `${ok} was refused: its sha256 is ${actual}, not ${'f'.repeat(64)}; nothing was installed`,
      );
      const cut = bundle('cut.tar', [{ name: 'card.md', data: 'y'.repeat(5000) }]);
      truncateSync(cut, 2048);
      expect(await refusal(cut)).toBe(`${cut} is not a valid mhub bundle: the entry card.md is cut short`);
      nothingInstalled();
    });
  },
);
