// The catalog's "download the Slicer module" files: for each model, a zip of the extension the
// generator makes for that model alone (its module, the model browser and the shared Lib), and
// one zip of the whole extension. Files shared by every zip are compressed once per build.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileChecked } from '../fsafe/index.ts';
import { moduleName, renderExtension } from '../generator/index.ts';
import type { CardRecord, Terminology } from '../registry/index.ts';
import { type ZipEntry, zipArchive, zipEntry } from './zip.ts';

export const FULL_EXTENSION_ZIP = 'MHubModels.zip';
/** Where the catalog serves a model's Slicer module zip (the folder writeSlicerDownloads fills). */
export const slicerZipPath = (model: string) => `/slicer/${moduleName(model)}.zip`;

/** Compressed entries by name, reused while the content is the same, so shared files are deflated once. */
function entryCache(): (name: string, content: string | Buffer) => ZipEntry {
  const cache = new Map<string, { content: string | Buffer; entry: ZipEntry }>();
  return (name, content) => {
    const hit = cache.get(name);
    if (
      hit &&
      (hit.content === content ||
        (Buffer.isBuffer(content) && Buffer.isBuffer(hit.content) && content.equals(hit.content)))
    ) {
      return hit.entry;
    }
    const entry = zipEntry(name, content);
    cache.set(name, { content, entry });
    return entry;
  };
}

/** Zip of the extension generated for `records`, under a folder named `root`. */
export function slicerZip(
  records: readonly CardRecord[],
  terminology: Terminology,
  root: string,
  entry = entryCache(),
): Buffer {
  // Each download's browser lists the models it carries; it refreshes from the catalog online.
  const files = renderExtension(records, terminology, { registry: records });
  return zipArchive(files.map((f) => entry(`${root}/${f.path}`, f.content)));
}

/** Writes `<outDir>/<Module>.zip` per model and the whole extension; returns how many zips. */
export async function writeSlicerDownloads(
  records: readonly CardRecord[],
  terminology: Terminology,
  outDir: string,
): Promise<number> {
  await mkdir(outDir, { recursive: true });
  const entry = entryCache();
  for (const record of records) {
    const name = moduleName(record.card.name);
    writeFileChecked(path.join(outDir, `${name}.zip`), slicerZip([record], terminology, name, entry));
  }
  writeFileChecked(
    path.join(outDir, FULL_EXTENSION_ZIP),
    slicerZip(records, terminology, 'MHubModels', entry),
  );
  return records.length + 1;
}
