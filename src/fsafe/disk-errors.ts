// A failed write as one sentence naming the path and, for a full disk, the space left there.
import { statfsSync } from 'node:fs';
import path from 'node:path';
import { MhubError } from '../errors.ts';

const DISK_FULL = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);

function freeSpace(target: string): string {
  for (let dir = path.resolve(target); ; dir = path.dirname(dir)) {
    try {
      const s = statfsSync(dir);
      const mb = (s.bavail * s.bsize) / 1e6;
      return mb < 10 ? `${mb.toFixed(2)} MB free` : `${Math.round(mb)} MB free`;
    } catch {
      if (dir === path.dirname(dir)) return 'free space unknown';
    }
  }
}

/** True for "disk full" errno codes and our own short-write error. */
export function isDiskFull(error: unknown): boolean {
  return DISK_FULL.has((error as NodeJS.ErrnoException)?.code ?? '');
}

/** A disk-full or short-write failure as an ENVIRONMENT error (exit 4); anything else as is. */
export function writeError(error: unknown, target: string): unknown {
  if (error instanceof MhubError) return error;
  if (isDiskFull(error)) {
    return new MhubError(
      'ENVIRONMENT',
      `could not write ${target}: the disk is full (${freeSpace(target)}); nothing was written`,
      'free some disk space or choose an output on another disk',
      { cause: error },
    );
  }
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new MhubError(
      'ENVIRONMENT',
      `could not write ${target}: ${code === 'EROFS' ? 'the file system is read-only' : 'permission denied'}`,
      'choose an output you can write to',
      { cause: error },
    );
  }
  return error;
}

/** The error a short write raises: treated as a full disk (that is what it is on Linux). */
export function shortWrite(file: string, wrote: number, wanted: number): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`short write to ${file}: ${wrote} of ${wanted} bytes`);
  error.code = 'ENOSPC';
  return error;
}
