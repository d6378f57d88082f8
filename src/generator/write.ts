// Writes rendered files into a folder through src/fsafe: built beside the target and renamed into
// place, so a failed generation never leaves a half-written extension and never replaces a folder
// it did not write itself (unless forced).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type PublishOptions, writeAtomic, writeFileChecked } from '../fsafe/index.ts';
import type { GeneratedFile } from './extension.ts';

export async function writeFiles(
  files: readonly GeneratedFile[],
  outDir: string,
  options: PublishOptions = {},
): Promise<void> {
  await writeAtomic(
    outDir,
    (temp) => {
      const dirs = new Set(files.map((f) => path.dirname(path.join(temp, f.path))));
      for (const dir of [temp, ...[...dirs].sort()]) mkdirSync(dir, { recursive: true });
      for (const f of files) writeFileChecked(path.join(temp, f.path), f.content);
    },
    { ...options, marker: true },
  );
}
