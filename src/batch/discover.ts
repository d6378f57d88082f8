// A folder of studies -> items: each NIfTI/NRRD file at the top is one item; each subfolder is
// one item when it holds volume files (named by input id for multi-input models), else its
// DICOM image series are found by src/io's scanDicom, one item per series.
import { copyFile, link, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { MhubError } from '../errors.ts';
import { type SeriesSummary, scanDicom } from '../io/index.ts';
import { idFromName } from './ids.ts';
import type { BatchItem } from './types.ts';

const VOLUME = /\.(nii\.gz|nii|nrrd|nhdr)$/i;
const stem = (name: string) => name.replace(VOLUME, '');

export interface Discovery {
  items: BatchItem[];
  /** DICOM series that are not images (SEG, SR, ...) or not volumes, with the reason. */
  ignored: string[];
}

/**
 * `linkRoot`: where a series that shares its folder with other series gets a folder of its
 * own (hard links, copies across file systems), so the runner sees exactly one series.
 */
export async function discoverFolder(
  root: string,
  inputIds: readonly string[],
  linkRoot: string,
): Promise<Discovery> {
  const entries = (await readdir(root, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  const items: BatchItem[] = [];
  const ignored: string[] = [];
  for (const entry of entries) {
    const full = path.join(root, entry.name);
    if (entry.name.startsWith('.')) continue;
    if (entry.isFile() && VOLUME.test(entry.name)) {
      if (inputIds.length !== 1) {
        ignored.push(
          `${full}: the model takes ${inputIds.length} inputs; put each study's files in a folder of its own`,
        );
        continue;
      }
      items.push({ id: idFromName(stem(entry.name)), inputs: full, source: full });
    } else if (entry.isDirectory()) {
      const volumes = (await readdir(full)).filter((n) => VOLUME.test(n)).sort();
      if (volumes.length > 0) items.push(volumeFolderItem(full, volumes, inputIds));
      else {
        const found = await dicomItems(full, inputIds, linkRoot);
        items.push(...found.items);
        ignored.push(...found.ignored);
      }
    }
  }
  if (items.length === 0) {
    throw new MhubError(
      'NOT_FOUND',
      `no studies in ${root}${ignored.length ? ` (${ignored.length} ignored: ${ignored[0]})` : ''}`,
      'give a folder holding NIfTI/NRRD files or one folder of DICOM files per study, or a manifest',
    );
  }
  return { items, ignored };
}

function volumeFolderItem(folder: string, volumes: string[], inputIds: readonly string[]): BatchItem {
  const id = idFromName(path.basename(folder));
  const byStem = new Map(volumes.map((v) => [stem(v), path.join(folder, v)]));
  if (inputIds.every((i) => byStem.has(i))) {
    const inputs = Object.fromEntries(inputIds.map((i) => [i, byStem.get(i)!]));
    return { id, inputs: inputIds.length === 1 ? inputs[inputIds[0]!]! : inputs, source: folder };
  }
  if (inputIds.length === 1 && volumes.length === 1)
    return { id, inputs: path.join(folder, volumes[0]!), source: folder };
  throw new MhubError(
    'INVALID_INPUT',
    `${folder} holds ${volumes.join(', ')}: which is ${inputIds.length === 1 ? `the input ${inputIds[0]}` : `each of ${inputIds.join(', ')}`}?`,
    `name the files after the model's inputs (${inputIds.map((i) => `${i}.nii.gz`).join(', ')}) or use a manifest`,
  );
}

async function dicomItems(folder: string, inputIds: readonly string[], linkRoot: string): Promise<Discovery> {
  const scan = await scanDicom(folder);
  const images = scan.series.filter((s) => s.kind === 'image' && s.problems.length === 0);
  const ignored = scan.series
    .filter((s) => !images.includes(s))
    .map((s) => `${folder} series ${s.seriesNumber ?? s.seriesInstanceUid}: ${s.problems[0] ?? s.kind}`);
  if (images.length === 0) return { items: [], ignored };
  if (inputIds.length !== 1) {
    ignored.push(`${folder}: DICOM series of a ${inputIds.length}-input model need a manifest`);
    return { items: [], ignored };
  }
  const base = idFromName(path.basename(folder));
  const items: BatchItem[] = [];
  for (const series of images) {
    const id = images.length === 1 ? base : `${base}_${seriesSuffix(series)}`;
    const dir = await ownFolder(series, scan.series, path.join(linkRoot, id));
    items.push({
      id,
      inputs: dir,
      source: `${folder} series ${series.seriesNumber ?? series.seriesInstanceUid}`,
    });
  }
  return { items, ignored };
}

const seriesSuffix = (s: SeriesSummary) =>
  s.seriesNumber !== undefined ? `s${s.seriesNumber}` : idFromName(s.seriesInstanceUid.slice(-12));

/** The series' folder when it holds that series alone, else a folder of links to its files. */
async function ownFolder(series: SeriesSummary, all: SeriesSummary[], linkDir: string): Promise<string> {
  const files = [...new Set(series.instances.map((i) => i.path))];
  const dirs = new Set(files.map((f) => path.dirname(f)));
  if (dirs.size === 1) {
    const dir = [...dirs][0]!;
    const shared = all.some((s) => s !== series && s.instances.some((i) => path.dirname(i.path) === dir));
    if (!shared) return dir;
  }
  await mkdir(linkDir, { recursive: true });
  for (const [n, file] of files.entries()) {
    const target = path.join(linkDir, `${String(n).padStart(5, '0')}.dcm`);
    await link(file, target).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST') return;
      await copyFile(file, target);
    });
  }
  return linkDir;
}
