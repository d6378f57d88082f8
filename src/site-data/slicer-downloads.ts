// The catalog's "download the Slicer module" files: for each model, a zip of the extension the
// generator makes for that model alone (its module, the model browser and the shared Lib).
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { zipSync } from 'fflate';
import { moduleName, renderExtension } from '../generator/index.ts';
import type { Terminology } from '../registry/terminology.ts';
import type { CardRecord } from '../registry/validate.ts';

/** Zip bytes of one model's extension; entries sit under a folder named after the module. */
export function slicerZip(
  record: CardRecord,
  registry: readonly CardRecord[],
  terminology: Terminology,
): Uint8Array {
  const root = moduleName(record.card.name);
  const entries: Record<string, Uint8Array> = {};
  for (const file of renderExtension([record], terminology, { registry })) {
    entries[`${root}/${file.path}`] =
      typeof file.content === 'string' ? Buffer.from(file.content) : file.content;
  }
  // A fixed timestamp keeps the archive byte-identical for the same registry.
  return zipSync(entries, { level: 6, mtime: new Date('2020-01-01T00:00:00Z') });
}

/** Writes `<outDir>/<Module>.zip` for every record; returns how many. */
export async function writeSlicerDownloads(
  records: readonly CardRecord[],
  terminology: Terminology,
  outDir: string,
): Promise<number> {
  await mkdir(outDir, { recursive: true });
  for (const record of records) {
    await writeFile(
      path.join(outDir, `${moduleName(record.card.name)}.zip`),
      slicerZip(record, records, terminology),
    );
  }
  return records.length;
}
