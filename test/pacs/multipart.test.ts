// The multipart/related reader on its own: every split of the byte stream gives the same parts,
// RFC 2046 leniencies are accepted, broken and truncated responses are told apart.
import { describe, expect, it } from 'vitest';
import { boundaryOf, MultipartError, readMultipart } from '../../src/pacs/multipart.ts';

async function* chunks(bytes: Buffer, sizes: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  let i = 0;
  while (at < bytes.length) {
    const size = sizes[i++ % sizes.length]!;
    yield bytes.subarray(at, at + size);
    at += size;
  }
}

async function parse(bytes: Buffer, boundary: string, sizes = [bytes.length]) {
  const parts: { headers: Map<string, string>; body: Buffer }[] = [];
  let current: Buffer[] = [];
  let headers = new Map<string, string>();
  const count = await readMultipart(chunks(bytes, sizes), boundary, {
    begin(h) {
      headers = h;
      current = [];
    },
    data(chunk) {
      current.push(Buffer.from(chunk));
    },
    end() {
      parts.push({ headers, body: Buffer.concat(current) });
    },
  });
  expect(count).toBe(parts.length);
  return parts;
}

const B = 'b0undary-42';
// Bodies that contain CR, LF, "--" and a near-boundary, to catch off-by-one splits.
const bodies = [
  Buffer.from('first\r\nline\r\n--b0undary-4 not quite'),
  Buffer.alloc(0),
  Buffer.from([0x0d, 0x0a, 0x2d, 0x2d, 0x0d]),
  Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 256)),
];
const message = Buffer.concat([
  Buffer.from('preamble to ignore\r\n'),
  ...bodies.flatMap((b) => [
    Buffer.from(`--${B}\r\nContent-Type: application/dicom\r\n\r\n`),
    b,
    Buffer.from('\r\n'),
  ]),
  Buffer.from(`--${B}--\r\nepilogue`),
]);

describe('readMultipart', () => {
  it('gives the same parts whatever the chunking (every split point, 1-byte chunks)', async () => {
    const want = (await parse(message, B)).map((p) => p.body.toString('hex'));
    expect(want).toEqual(bodies.map((b) => b.toString('hex')));
    for (let split = 1; split < message.length; split += 7) {
      const got = await parse(message, B, [split, message.length]);
      expect(got.map((p) => p.body.toString('hex'))).toEqual(want);
    }
    for (const sizes of [[13], [100], [64, 5, 700]]) {
      const got = await parse(message, B, sizes);
      expect(got.map((p) => p.body.toString('hex'))).toEqual(want);
    }
    const bytewise = await parse(message, B, [1]);
    expect(bytewise.map((p) => p.body.toString('hex'))).toEqual(want);
    expect(bytewise[0]!.headers.get('content-type')).toBe('application/dicom');
  });

  it('accepts transport padding after a boundary, bare LF line ends and parts without headers', async () => {
    const text = Buffer.from(
      `--${B}  \t\nContent-Type: application/dicom\n\nA\n--${B}\r\n\r\nBB\r\n--${B}--`,
    );
    const parts = await parse(text, B, [5]);
    expect(parts.map((p) => p.body.toString())).toEqual(['A', 'BB']);
    expect(parts[1]!.headers.size).toBe(0);
  });

  it('calls a stream that stops inside a part truncated, and one with garbage malformed', async () => {
    const cut = message.subarray(0, message.length - 200);
    await expect(parse(cut, B)).rejects.toMatchObject({
      truncated: true,
      message: expect.stringMatching(/stopped inside part 4/),
    });
    await expect(parse(Buffer.alloc(0), B)).rejects.toMatchObject({
      truncated: true,
      message: 'the response is empty',
    });
    const junk = Buffer.from(`--${B}x\r\n\r\nA\r\n--${B}--`);
    await expect(parse(junk, B)).rejects.toMatchObject({ truncated: false, message: /extra text/ });
    const noHeaderEnd = Buffer.concat([Buffer.from(`--${B}\r\nX: `), Buffer.alloc(20_000, 0x61)]);
    await expect(parse(noHeaderEnd, B)).rejects.toMatchObject({
      truncated: false,
      message: /longer than 16 KiB/,
    });
    await expect(parse(Buffer.from(`garbage\r\nmore garbage --${B}\r\n`), B)).rejects.toBeInstanceOf(
      MultipartError,
    );
  });

  it('reads the boundary from the Content-Type, quoted or not, and refuses other types', () => {
    expect(boundaryOf('multipart/related; type="application/dicom"; boundary="a b:c"')).toBe('a b:c');
    expect(boundaryOf('Multipart/Related;boundary=xyz; type=application/dicom')).toBe('xyz');
    expect(() => boundaryOf('application/json')).toThrow(/not multipart\/related/);
    expect(() => boundaryOf('multipart/related; type="application/dicom"')).toThrow(/no valid boundary/);
    expect(() => boundaryOf(null)).toThrow(/untyped/);
  });
});
