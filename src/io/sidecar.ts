// NIfTI label map + JSON sidecar (<name>.json beside <name>.nii.gz) holding the label table.
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../fsafe/index.ts';
import { checkLabelValues, type LabelEntry, labelsFromJson } from './labels.ts';
import { type WriteOptions, writeNifti } from './nifti.ts';
import type { Volume } from './volume.ts';

export const SIDECAR_VERSION = 1;

export function sidecarPath(niftiPath: string): string {
  return `${niftiPath.replace(/\.nii(\.gz)?$/i, '')}.json`;
}

/** The sidecar JSON: {mhubLabels: 1, labels: [{value, id, name, color, category, type, ...}]}. */
export function sidecarJson(labels: readonly LabelEntry[]): string {
  return `${JSON.stringify({ mhubLabels: SIDECAR_VERSION, labels }, null, 2)}\n`;
}

/** Writes the label map (uint8, or uint16 above 255 labels) and its sidecar. */
export async function writeLabelMapNifti(
  file: string,
  labelMap: Volume,
  labels: readonly LabelEntry[],
  options: WriteOptions = {},
): Promise<{ image: string; sidecar: string }> {
  checkLabelValues(labelMap, labels);
  const max = labels.reduce((m, l) => Math.max(m, l.value), 0);
  const data =
    max <= 255
      ? labelMap.data instanceof Uint8Array
        ? labelMap.data
        : Uint8Array.from(labelMap.data)
      : labelMap.data instanceof Uint16Array
        ? labelMap.data
        : Uint16Array.from(labelMap.data);
  const { rescale: _r, ...geometry } = labelMap;
  await writeNifti(file, { ...geometry, data }, options);
  const sidecar = sidecarPath(file);
  await writeFileAtomic(sidecar, sidecarJson(labels), { force: options.force });
  return { image: file, sidecar };
}

/** The label table beside a NIfTI file, or undefined when it has no sidecar. */
export async function readSidecar(niftiPath: string): Promise<LabelEntry[] | undefined> {
  const file = sidecarPath(niftiPath);
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  let json: { labels?: unknown };
  try {
    json = JSON.parse(text);
  } catch {
    return undefined; // a JSON file of some other tool: not ours to judge
  }
  return Array.isArray(json?.labels) ? labelsFromJson(json, file) : undefined;
}
