// gzip for large volumes: the data is cut into blocks compressed concurrently on libuv's
// thread pool, written in order as gzip members. Concatenated members are one valid gzip
// stream (RFC 1952 2.2) that zlib, Python, ITK and Slicer read as one file.
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

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
  const width = Math.max(1, availableParallelism()) + 1;
  const inflight: Promise<Buffer>[] = [];
  let next = 0;
  while (next < merged.length && inflight.length < width) inflight.push(gzip(merged[next++]!, { level }));
  while (inflight.length > 0) {
    const done = await inflight.shift()!;
    sink(done);
    if (next < merged.length) inflight.push(gzip(merged[next++]!, { level }));
  }
}
