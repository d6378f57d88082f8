// Checked writes: every byte count is verified and data is fsynced before it is published, so a
// full disk or a short write can never leave a truncated file that looks complete.
import { closeSync, fsyncSync, openSync, readdirSync, writeSync, writev } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { shortWrite } from './disk-errors.ts';

/** Writes all of `data` at the fd's position; writeSync may write less than asked. */
export function writeAll(fd: number, data: Uint8Array, file: string, offset = 0, length?: number): void {
  const end = offset + (length ?? data.byteLength - offset);
  let at = offset;
  while (at < end) {
    const n = writeSync(fd, data, at, end - at);
    if (n <= 0) throw shortWrite(file, at - offset, end - offset);
    at += n;
  }
}

const writevAsync = promisify(writev);

/**
 * Writes all of `parts` at the fd's position, on libuv's pool (the event loop keeps running);
 * writev may write less than asked, so it goes on from where the last call stopped. Returns the
 * byte count.
 */
export async function writevAll(fd: number, parts: readonly Uint8Array[], file: string): Promise<number> {
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  let rest = parts.filter((p) => p.byteLength > 0);
  let done = 0;
  while (rest.length > 0) {
    const n = (await writevAsync(fd, rest as Uint8Array[])).bytesWritten;
    if (n <= 0) throw shortWrite(file, done, total);
    done += n;
    if (done === total) break;
    let skip = n;
    while (skip >= rest[0]!.byteLength) skip -= rest.shift()!.byteLength;
    if (skip > 0) rest = [rest[0]!.subarray(skip), ...rest.slice(1)];
  }
  return total;
}

/** Creates `file` (which must not exist) with `data`, fsynced. */
export function writeFileChecked(file: string, data: string | Uint8Array): void {
  const fd = openSync(file, 'wx');
  try {
    writeAll(fd, typeof data === 'string' ? Buffer.from(data) : data, file);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** fsyncs a file, or a folder and everything below it (names and data reach the disk). */
export function fsyncTree(target: string): void {
  const fd = openSync(target, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  let entries: import('node:fs').Dirent[] = [];
  try {
    entries = readdirSync(target, { withFileTypes: true });
  } catch {
    return; // a file
  }
  for (const e of entries) if (e.isFile() || e.isDirectory()) fsyncTree(path.join(target, e.name));
}
