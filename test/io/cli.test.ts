import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import { barRenderer, lineRenderer, throttle } from '../../src/progress.ts';
import { makeSeries, tempDir, tools } from './support.ts';

function capture(isTTY = false): CliIO & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, isTTY, out: (l) => stdout.push(l), err: (l) => stderr.push(l) };
}

describe.skipIf(!tools.ok)('mhub convert', () => {
  const tmp = tempDir();
  const root = tmp.dir;
  beforeAll(() => {
    makeSeries(path.join(root, 'two', 'a'), { size: [8, 8, 3], seriesNumber: 1 });
    makeSeries(path.join(root, 'two', 'b'), { size: [8, 8, 4], seriesNumber: 2 });
    writeFileSync(path.join(root, 'two', 'notes.txt'), 'hello');
  });
  afterAll(() => tmp.cleanup());

  it('lists studies and series with --list', async () => {
    const io = capture();
    expect(await main(['convert', path.join(root, 'two'), '--list'], io)).toBe(0);
    expect(io.stdout[0]).toBe('8 file(s), 1 skipped (not DICOM)');
    expect(io.stdout.filter((l) => l.startsWith('  '))).toHaveLength(2);
  });

  it('asks for --series when a folder holds several, and converts the one picked', async () => {
    const io = capture();
    const out = path.join(root, 'out.nii.gz');
    expect(await main(['convert', path.join(root, 'two'), '--to', 'nifti', '--out', out], io)).toBe(3);
    expect(io.stderr.join('\n')).toMatch(/holds 2 image series[\s\S]*Fix: pick one with --series/);
    expect(existsSync(out)).toBe(false);
    const list = capture();
    await main(['convert', path.join(root, 'two'), '--list', '--json'], list);
    const uid = JSON.parse(list.stdout.join('\n')).series[1].seriesInstanceUid;
    const ok = capture();
    expect(
      await main(
        ['convert', path.join(root, 'two'), '--to', 'nifti', '--out', out, '--series', uid, '--json'],
        ok,
      ),
    ).toBe(0);
    expect(JSON.parse(ok.stdout.join('\n'))).toMatchObject({ size: [8, 8, 4], skipped: 1, outputs: [out] });
    expect(ok.stderr.some((l) => l.startsWith('scan '))).toBe(true);
  });

  it('fails cleanly on bad input and leaves no partial output', async () => {
    const io = capture();
    const out = path.join(root, 'bad.nii.gz');
    expect(await main(['convert', path.join(root, 'missing'), '--to', 'nifti', '--out', out], io)).toBe(3);
    expect(io.stderr[0]).toMatch(/does not exist/);
    const usage = capture();
    expect(await main(['convert', path.join(root, 'two'), '--to', 'nifti'], usage)).toBe(2);
    expect(readdirSync(root).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});

describe('progress renderers', () => {
  it('prints plain lines, throttled per phase but always the last', () => {
    const lines: string[] = [];
    const r = lineRenderer((l) => lines.push(l), 60_000);
    for (let n = 1; n <= 100; n++) r.progress({ phase: 'scan', done: n, total: 100, message: 'files' });
    r.progress({ phase: 'seg', done: 1 });
    expect(lines).toEqual(['scan 1/100 files', 'scan 100/100 files', 'seg 1']);
  });

  it('redraws one bar in place and ends the line on close', () => {
    let text = '';
    const r = barRenderer({ write: (s: string) => (text += s), columns: 80 });
    r.progress({ phase: 'seg', done: 5, total: 10 });
    r.close();
    expect(text.startsWith('\r\u001b[K')).toBe(true);
    expect(text.slice(4)).toMatch(/^seg \[#+-+\] 50%\n$/);
  });

  it('throttle passes the first event of each phase', () => {
    const seen: string[] = [];
    const p = throttle((e) => seen.push(e.phase), 60_000);
    p({ phase: 'a', done: 1, total: 3 });
    p({ phase: 'a', done: 2, total: 3 });
    p({ phase: 'b', done: 1, total: 3 });
    expect(seen).toEqual(['a', 'b']);
  });
});
