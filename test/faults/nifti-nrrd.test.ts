// Hostile and broken NIfTI / NRRD files (issue 12 §3): each is refused with exit 3, a sentence
// naming the file and what is wrong, and a fix; no output is written and nothing huge is
// allocated. The files are real files on disk, made by damaging a valid header byte by byte.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { constants, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import { niftiHeader } from '../../src/io/nifti.ts';
import { nrrdHeader } from '../../src/io/nrrd.ts';
import type { Volume } from '../../src/io/volume.ts';

const root = mkdtempSync(path.join(tmpdir(), 'mhub-faults-nifti-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function capture(): CliIO & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, isTTY: false, out: (l) => stdout.push(l), err: (l) => stderr.push(l) };
}

const cube = (n = 8): Volume => ({
  size: [n, n, n],
  spacing: [1, 1, 2],
  origin: [0, 0, 0],
  axes: [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ],
  data: new Int16Array(n * n * n).map((_, i) => i),
});

/** A valid 8x8x8 int16 .nii: 352-byte header + 1024 bytes; `damage` edits the header. */
function nifti(name: string, damage: (h: Buffer) => void = () => {}, tail?: Buffer): string {
  const v = cube();
  const h = niftiHeader(v);
  damage(h);
  const data = tail ?? Buffer.from(v.data.buffer);
  const file = path.join(root, name);
  const bytes = Buffer.concat([h, data]);
  writeFileSync(file, name.endsWith('.gz') ? gzipSync(bytes) : bytes);
  return file;
}

async function refused(file: string, reason: RegExp, args: string[] = []) {
  const io = capture();
  const out = path.join(root, `out-${path.basename(file)}.nii`);
  const code = await main(['convert', file, '--to', 'nifti', '--out', out, ...args], io);
  const text = io.stderr.join('\n');
  expect(code, text).toBe(3);
  expect(text).toContain(file);
  expect(text).toMatch(reason);
  expect(text).toMatch(/\n {2}Fix: \S/);
  expect(existsSync(out)).toBe(false);
  expect(readdirSync(root).filter((f) => f.includes('.tmp-'))).toEqual([]);
  return text;
}

/** A gzip stream of `header` followed by `zeros` zero bytes, compressed as a stream. */
function bombed(header: Buffer, zeros: number): Buffer {
  const chunk = Buffer.alloc(1 << 20);
  const parts = [header];
  for (let n = 0; n < zeros; n += chunk.length)
    parts.push(chunk.subarray(0, Math.min(chunk.length, zeros - n)));
  return gzipSync(Buffer.concat(parts), { level: constants.Z_BEST_COMPRESSION });
}

describe('hostile NIfTI headers give exit 3 with the field and a fix', () => {
  it('reads the undamaged file (the faults below differ from it in one field)', async () => {
    const io = capture();
    const file = nifti('good.nii');
    expect(await main(['convert', file, '--to', 'nifti', '--out', path.join(root, 'good-out.nii')], io)).toBe(
      0,
    );
  });

  it('vox_offset inside the header (header bytes would be read as voxels)', async () => {
    await refused(
      nifti('offset-in-header.nii', (h) => h.writeFloatLE(100, 108)),
      /vox_offset is 100, inside the 352-byte header/,
    );
  });

  it('vox_offset past the end of the file', async () => {
    await refused(
      nifti('offset-past-end.nii', (h) => h.writeFloatLE(1e6, 108)),
      /ends after 1376 bytes, before/,
    );
  });

  it('a file shorter or longer than its dimensions', async () => {
    await refused(
      nifti('truncated.nii', () => {}, Buffer.alloc(1000)),
      /ends after 1352 bytes, before the 1376/,
    );
    await refused(
      nifti('padded.nii', () => {}, Buffer.alloc(4096)),
      /4448 bytes long, 3072 more than its header declares/,
    );
    await refused(
      nifti('truncated.nii.gz', () => {}, Buffer.alloc(1000)),
      /ends after 1352 bytes, before the 1376/,
    );
  });

  it('zero, negative and too many dimensions', async () => {
    await refused(
      nifti('dim-zero.nii', (h) => h.writeInt16LE(0, 44)),
      /dimensions 8x0x8 are not all positive/,
    );
    await refused(
      nifti('dim-negative.nii', (h) => h.writeInt16LE(-8, 42)),
      /dimensions -8x8x8/,
    );
    await refused(
      nifti('ndim-9.nii', (h) => h.writeInt16LE(9, 40)),
      /dim\[0\].* is 9, not 1 to 7/,
    );
    await refused(
      nifti('five-d.nii', (h) => {
        h.writeInt16LE(5, 40);
        h.writeInt16LE(2, 50);
      }),
      /5 dimensions \(8x8x8x1x2\)/,
    );
  });

  it('a datatype mhub does not read, or no datatype at all', async () => {
    await refused(
      nifti('rgb.nii', (h) => h.writeInt16LE(128, 70)),
      /RGB \(datatype 128\)/,
    );
    await refused(
      nifti('datatype-999.nii', (h) => h.writeInt16LE(999, 70)),
      /datatype 999 is not a NIfTI datatype/,
    );
  });

  it('NaN or infinite sform, qform, pixdim and scaling (never a NaN affine)', async () => {
    await refused(
      nifti('sform-nan.nii', (h) => h.writeFloatLE(Number.NaN, 284)),
      /sform .* holds .*NaN/,
    );
    await refused(
      nifti('qform-inf.nii', (h) => {
        h.writeInt16LE(0, 254);
        h.writeFloatLE(Number.POSITIVE_INFINITY, 268);
      }),
      /qform .* is not finite/,
    );
    await refused(
      nifti('qform-long.nii', (h) => {
        h.writeInt16LE(0, 254);
        h.writeFloatLE(0.9, 256);
        h.writeFloatLE(0.9, 260);
      }),
      /quaternion .* is longer than 1/,
    );
    await refused(
      nifti('pixdim-nan.nii', (h) => {
        h.writeInt16LE(0, 252);
        h.writeInt16LE(0, 254);
        h.writeFloatLE(Number.NaN, 80);
      }),
      /pixdim .* is not finite and non-zero/,
    );
    await refused(
      nifti('sform-degenerate.nii', (h) => {
        for (let o = 280; o < 328; o += 4) h.writeFloatLE(0, o);
      }),
      /sform is degenerate/,
    );
    await refused(
      nifti('slope-inf.nii', (h) => h.writeFloatLE(Number.POSITIVE_INFINITY, 112)),
      /scaling .* not finite/,
    );
    await refused(
      nifti('inter-nan.nii', (h) => h.writeFloatLE(Number.NaN, 116)),
      /scaling .* not finite/,
    );
  });

  it('not NIfTI at all: wrong sizeof_hdr, Analyze 7.5, a .nii that is half of a pair', async () => {
    await refused(
      nifti('sizeof.nii', (h) => h.writeInt32LE(400, 0)),
      /sizeof_hdr is 400/,
    );
    await refused(
      nifti('analyze.nii', (h) => h.write('\0\0\0\0', 344, 'latin1')),
      /Analyze 7\.5/,
    );
    await refused(
      nifti('pair-magic.nii', (h) => h.write('ni1\0', 344, 'latin1')),
      /separate \.img file/,
    );
    const hdr = path.join(root, 'lonely.hdr');
    const h = niftiHeader(cube());
    h.write('ni1\0', 344, 'latin1');
    h.writeFloatLE(0, 108);
    writeFileSync(hdr, h);
    await refused(hdr, /lonely\.img is missing/);
  });

  it('a 4-D file without --volume, and a --volume it does not have', async () => {
    const four = nifti(
      'four-d.nii',
      (h) => {
        h.writeInt16LE(4, 40);
        h.writeInt16LE(3, 48);
      },
      Buffer.alloc(3 * 1024),
    );
    await refused(four, /4-D and holds 3 volumes/);
    await refused(four, /volume 3 does not exist/, ['--volume', '3']);
    const io = capture();
    const out = path.join(root, 'four-d-v2.nii');
    expect(await main(['convert', four, '--to', 'nifti', '--out', out, '--volume', '2'], io)).toBe(0);
    const usage = capture();
    expect(await main(['convert', four, '--to', 'nifti', '--out', out, '--volume', 'x'], usage)).toBe(2);
  });

  it('a header declaring more than the machine holds is refused before allocating', async () => {
    const file = nifti('huge.nii', (h) => {
      for (const i of [1, 2, 3]) h.writeInt16LE(32767, 40 + 2 * i);
    });
    await refused(file, /declare 65\d\d\d\.\d GiB per volume, more than this machine can hold/);
  });

  it('gzip bombs: more data than the header declares, stopped while inflating', async () => {
    const file = path.join(root, 'bomb.nii.gz');
    writeFileSync(file, bombed(niftiHeader(cube()), 256 * 2 ** 20));
    const before = process.memoryUsage().rss;
    await refused(file, /decompresses to more than the 1376 bytes its header declares/);
    // Inflation stopped at the first chunk past 1376 bytes: nowhere near the 256 MiB inside.
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 2 ** 20);
  });

  it('a header declaring more than its gzip can hold (deflate stops at 1032:1)', async () => {
    const h = niftiHeader(cube());
    for (const i of [1, 2, 3]) h.writeInt16LE(300, 40 + 2 * i);
    const file = path.join(root, 'claims-too-much.nii.gz');
    writeFileSync(file, gzipSync(Buffer.concat([h, Buffer.alloc(1024)])));
    await refused(file, /declares 51\.5 MiB of data, more than its \d+ bytes of gzip can hold/);
  });

  it('a damaged gzip stream', async () => {
    const file = path.join(root, 'damaged.nii.gz');
    const gz = gzipSync(Buffer.concat([niftiHeader(cube()), Buffer.from(cube().data.buffer)]));
    gz.fill(0x55, 40, 60);
    writeFileSync(file, gz);
    await refused(file, /damaged gzip file|ends after|decompresses to more/);
  });
});

describe('hostile NRRD files give exit 3 with the field and a fix', () => {
  const v = cube();
  const nrrd = (name: string, edit: (header: string) => string, body?: Buffer, gz = true) => {
    const header = edit(nrrdHeader(v, v.data, gz));
    const data = body ?? Buffer.from(v.data.buffer);
    const file = path.join(root, name);
    writeFileSync(file, Buffer.concat([Buffer.from(header, 'latin1'), gz ? gzipSync(data) : data]));
    return file;
  };

  it('reads the undamaged file', async () => {
    const io = capture();
    const file = nrrd('good.nrrd', (h) => h);
    expect(
      await main(['convert', file, '--to', 'nifti', '--out', path.join(root, 'good-nrrd.nii')], io),
    ).toBe(0);
  });

  it('a gzip bomb in the data', async () => {
    const file = path.join(root, 'bomb.nrrd');
    const header = Buffer.from(nrrdHeader(v, v.data, true), 'latin1');
    writeFileSync(file, Buffer.concat([header, bombed(Buffer.alloc(0), 256 * 2 ** 20)]));
    await refused(file, /decompresses to more than the 1024 bytes its header declares/);
  });

  it('truncated data, zero or absurd sizes, NaN directions', async () => {
    await refused(
      nrrd('short.nrrd', (h) => h, Buffer.alloc(100)),
      /ends after 100 bytes, before the 1024/,
    );
    await refused(
      nrrd('short-raw.nrrd', (h) => h, Buffer.alloc(100), false),
      /ends 924 bytes before its data/,
    );
    await refused(
      nrrd('size-zero.nrrd', (h) => h.replace('sizes: 8 8 8', 'sizes: 8 0 8')),
      /sizes '8 0 8'/,
    );
    await refused(
      nrrd('size-huge.nrrd', (h) => h.replace('sizes: 8 8 8', 'sizes: 100000 100000 100000')),
      /more than this machine can hold/,
    );
    await refused(
      nrrd('dir-nan.nrrd', (h) => h.replace('space directions: (1,0,0)', 'space directions: (nan,0,0)')),
      /'space directions' holds/,
    );
    await refused(
      nrrd('dir-zero.nrrd', (h) => h.replace('space directions: (1,0,0)', 'space directions: (0,0,0)')),
      /length zero/,
    );
  });

  it('big-endian data is read, not refused', async () => {
    const swapped = Buffer.from(v.data.buffer.slice(0)).swap16();
    const file = nrrd('big.nrrd', (h) => h.replace('endian: little', 'endian: big'), swapped);
    const { readNrrd } = await import('../../src/io/nrrd.ts');
    expect([...(await readNrrd(file)).data.subarray(0, 300)]).toEqual([...v.data.subarray(0, 300)]);
  });
});
