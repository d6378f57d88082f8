// Reading a file (gzipped or not) whose header declares its size: the header is read first, then
// only the bytes it declares, and a file whose length (or decompressed length) disagrees with
// its header is refused. A decompression bomb stops as soon as it passes the declared size.
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { MhubError } from '../errors.ts';
import { type Inflated, type InflatePlan, inflateChecked, MAX_INFLATE_RATIO } from './gzip.ts';

export type Bad = (why: string, fix?: string) => MhubError;

const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;

/** The sentence for a compressed stream that disagrees with its header. */
export function inflateProblem(r: Inflated, bad: Bad): MhubError | undefined {
  if (r.problem === 'damaged') return bad('it is a damaged gzip file', 'replace it with an intact copy');
  if (r.problem === 'tooLarge')
    return bad(
      `it decompresses to more than the ${r.plan.total} bytes its header declares (stopped at ${r.produced}): a damaged file or a decompression bomb`,
      'replace it with an intact copy; mhub reads no more than a header declares',
    );
  if (r.problem === 'tooSmall')
    return bad(
      `it ends after ${r.produced} bytes, before the ${r.plan.total} bytes its header declares`,
      'the file is truncated: copy it again from its source',
    );
  return undefined;
}

/** A plan that refuses a declared size no deflate stream of `compressedBytes` can produce. */
export function bounded(plan: (head: Buffer) => InflatePlan, compressedBytes: number, bad: Bad) {
  return (head: Buffer): InflatePlan => {
    const p = plan(head);
    // 64 KiB of slack covers the gzip framing of tiny files.
    const ceiling = compressedBytes * MAX_INFLATE_RATIO + 65536;
    if (!p.atMost && p.total > ceiling)
      throw bad(
        `its header declares ${mib(p.total)} of data, more than its ${compressedBytes} bytes of gzip can hold (deflate expands at most ${MAX_INFLATE_RATIO}:1)`,
        'the file is truncated or its header is damaged: copy it again from its source',
      );
    return p;
  };
}

/**
 * Reads `file` (gzip detected by its magic number): its first `headBytes` go to `plan`, which
 * declares the file's size and the range to keep. Returns the head and the kept range.
 */
export async function readChecked(
  file: string,
  headBytes: number,
  plan: (head: Buffer) => InflatePlan,
  bad: Bad,
): Promise<{ head: Buffer; kept: Buffer }> {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    throw new MhubError(
      'NOT_FOUND',
      `${file} cannot be read (${(error as NodeJS.ErrnoException).code})`,
      'check the path',
    );
  }
  try {
    const size = fstatSync(fd).size;
    const start = Buffer.alloc(Math.min(size, Math.max(headBytes, 2)));
    readSync(fd, start, 0, start.length, 0);
    if (start[0] === 0x1f && start[1] === 0x8b) {
      const compressed = readFileSync(fd);
      const r = await inflateChecked(compressed, headBytes, bounded(plan, compressed.length, bad));
      const problem = inflateProblem(r, bad);
      if (problem) throw problem;
      return { head: r.head, kept: r.kept };
    }
    const head = start.subarray(0, headBytes);
    const p = plan(head);
    if (size < p.total && !p.atMost) return tooShort(size, p.total, bad);
    if (size > p.total)
      throw bad(
        `it is ${size} bytes long, ${size - p.total} more than its header declares (${p.total})`,
        'replace it with an intact copy; a header that disagrees with its data cannot be trusted',
      );
    const [from, to] = p.keep;
    const kept = Buffer.alloc(Math.max(0, Math.min(to, size) - from));
    let got = 0;
    while (got < kept.length) {
      const n = readSync(fd, kept, got, kept.length - got, from + got);
      if (n === 0) break;
      got += n;
    }
    return { head, kept };
  } finally {
    closeSync(fd);
  }
}

function tooShort(size: number, total: number, bad: Bad): never {
  throw bad(
    `it ends after ${size} bytes, before the ${total} bytes its header declares`,
    'the file is truncated: copy it again from its source',
  );
}
