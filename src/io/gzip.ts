// gzip for large volumes: the data is cut into blocks compressed concurrently on libuv's
// thread pool, written in order as gzip members. Concatenated members are one valid gzip
// stream (RFC 1952 2.2) that zlib, Python, ITK and Slicer read as one file.
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { MhubError } from '../errors.ts';

const gzip = promisify(zlib.gzip);
const BLOCK = 8 * 1024 * 1024;

/** Default level: zlib's 6, the same as dcm2niix's default and gzip(1)'s. */
export const DEFAULT_GZIP_LEVEL = 6;

/**
 * Compresses `parts` (in order) and hands each compressed block to `sink` in order. At most
 * `availableParallelism() + 1` blocks are in flight, so memory stays near the input size.
 */
export async function gzipBlocks(
  parts: readonly Uint8Array[],
  sink: (chunk: Buffer) => void,
  level = DEFAULT_GZIP_LEVEL,
  onBlock: (doneBytes: number, totalBytes: number) => void = () => {},
): Promise<void> {
  const blocks: Uint8Array[] = [];
  for (const p of parts) {
    for (let o = 0; o < p.byteLength; o += BLOCK)
      blocks.push(p.subarray(o, Math.min(p.byteLength, o + BLOCK)));
  }
  // Tiny parts (headers) ride with the next block so we do not emit a member per header.
  const merged: Uint8Array[] = [];
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  for (const b of blocks) {
    pending.push(b);
    pendingBytes += b.byteLength;
    if (pendingBytes >= BLOCK / 2) {
      merged.push(pending.length === 1 ? pending[0]! : Buffer.concat(pending));
      pending = [];
      pendingBytes = 0;
    }
  }
  if (pending.length) merged.push(pending.length === 1 ? pending[0]! : Buffer.concat(pending));
  const total = merged.reduce((n, b) => n + b.byteLength, 0);
  let doneBytes = 0;
  let completed = 0;
  const width = Math.max(1, availableParallelism()) + 1;
  const inflight: Promise<Buffer>[] = [];
  let next = 0;
  while (next < merged.length && inflight.length < width) inflight.push(gzip(merged[next++]!, { level }));
  while (inflight.length > 0) {
    const done = await inflight.shift()!;
    sink(done);
    doneBytes += merged[completed++]!.byteLength;
    onBlock(doneBytes, total);
    if (next < merged.length) inflight.push(gzip(merged[next++]!, { level }));
  }
}

/**
 * deflate's largest expansion is about 1032:1 (RFC 1951: a 258-byte match per 2 bits); a header
 * declaring more than this many bytes per compressed byte describes data the file cannot hold.
 */
export const MAX_INFLATE_RATIO = 1032;

export interface InflatePlan {
  /** Decompressed bytes the file's header declares: more is a bomb, fewer a truncated file. */
  total: number;
  /** The byte range to keep (the rest is counted, not stored). */
  keep: [start: number, end: number];
  /** `total` is a ceiling, not the exact size (a .hdr file, whose length no header declares). */
  atMost?: boolean;
}

/**
 * Inflates `compressed` as a stream: the first `headBytes` are handed to `plan`, which reads the
 * header and says how large the whole must be and which range to keep. Inflation stops as soon
 * as the output passes `total`, so memory stays at the kept range whatever the file claims.
 * Errors come back as reasons (`tooLarge`, `tooSmall`, `damaged`) for the caller to word.
 */
export interface Inflated {
  /** Why the stream disagrees with its plan; absent when it matches. */
  problem?: 'tooLarge' | 'tooSmall' | 'damaged';
  /** Decompressed bytes seen (inflation stops just past `plan.total`). */
  produced: number;
  head: Buffer;
  kept: Buffer;
  plan: InflatePlan;
}

export async function inflateChecked(
  compressed: Uint8Array,
  headBytes: number,
  plan: (head: Buffer) => InflatePlan,
): Promise<Inflated> {
  const stream = zlib.createGunzip();
  const pending: Buffer[] = [];
  let produced = 0;
  let chosen: InflatePlan | undefined;
  let head = Buffer.alloc(0);
  let kept = Buffer.alloc(0);
  const settle = (chunk: Buffer, at: number) => {
    // Copies the part of `chunk` (at output offset `at`) that lies in the kept range.
    const [start, end] = chosen!.keep;
    const from = Math.max(start, at);
    const to = Math.min(end, at + chunk.length);
    if (to > from) kept.set(chunk.subarray(from - at, to - at), from - start);
  };
  const choose = () => {
    head = Buffer.concat(pending).subarray(0, headBytes);
    chosen = plan(head);
    kept = Buffer.alloc(chosen.keep[1] - chosen.keep[0]);
    let at = 0;
    for (const p of pending) {
      settle(p, at);
      at += p.length;
    }
    pending.length = 0;
  };
  let problem: Inflated['problem'];
  stream.end(compressed);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const at = produced;
      produced += chunk.length;
      if (chosen) settle(chunk, at);
      else {
        pending.push(chunk);
        if (produced >= headBytes) choose();
      }
      if (chosen && produced > chosen.total) {
        stream.destroy();
        problem = 'tooLarge';
        break;
      }
    }
  } catch (error) {
    if (error instanceof MhubError) throw error; // the plan refused the header
    problem = 'damaged';
  }
  if (!chosen && problem === 'damaged')
    return { problem, produced, head, kept, plan: { total: 0, keep: [0, 0] } };
  // A stream shorter than `headBytes`: the plan sees what there is.
  if (!chosen) choose();
  if (!problem && produced < chosen!.total && !chosen!.atMost) problem = 'tooSmall';
  return { produced, head, kept, plan: chosen!, ...(problem ? { problem } : {}) };
}
