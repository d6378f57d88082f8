// Small tmpfs mounts for the "output folder full / read-only" faults (needs root; CI is root).
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';

export const isRoot = process.getuid?.() === 0;

export function mountTmpfs(dir: string, options: { sizeKb: number; readOnly?: boolean }): () => void {
  mkdirSync(dir, { recursive: true });
  const opts = `size=${options.sizeKb}k,mode=0777${options.readOnly ? ',ro' : ''}`;
  execFileSync('mount', ['-t', 'tmpfs', '-o', opts, 'tmpfs', dir]);
  return () => execFileSync('umount', ['-l', dir]);
}
