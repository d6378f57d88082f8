// Writes rendered files into a folder atomically: a sibling temp folder renamed into place,
// so a failed generation never leaves a half-written extension.
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { GeneratedFile } from './extension.ts';

export async function writeFiles(files: readonly GeneratedFile[], outDir: string): Promise<void> {
  const target = path.resolve(outDir);
  const parent = path.dirname(target);
  await mkdir(parent, { recursive: true });
  const temp = path.join(parent, `.${path.basename(target)}.tmp-${process.pid}`);
  await rm(temp, { recursive: true, force: true });
  try {
    const dirs = new Set(files.map((f) => path.dirname(path.join(temp, f.path))));
    for (const dir of [...dirs].sort()) await mkdir(dir, { recursive: true });
    await Promise.all(files.map((f) => writeFile(path.join(temp, f.path), f.content)));
    const old = `${temp}-old`;
    await rm(old, { recursive: true, force: true });
    await rename(target, old).catch(() => undefined);
    await rename(temp, target);
    await rm(old, { recursive: true, force: true });
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}
