// Checked writes: every byte count is verified and data is fsynced before it is published, so a
// full disk or a short write can never leave a truncated file that looks complete.
import { closeSync, fsyncSync, openSync, readdirSync, writeSync } from 'node:fs';
import path from 'node:path';
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
