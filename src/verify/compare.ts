// Comparing a model's output with its reference: label maps (geometry first, then per-segment
// Dice and voxel mismatch), numbers within a tolerance (bioimage.io's rule), files exactly.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { geometryMismatch, readLabelMap, readVolume, reorientTo, type Volume } from '../io/index.ts';
import { parseCsvRows, type TestCompare } from '../registry/index.ts';

/** bioimage.io's reproducibility tolerance, the defaults of `compare: {tolerance: {}}`. */
export const DEFAULT_TOLERANCE = { relative: 1e-3, absolute: 1e-3, mismatchedPerMillion: 100 } as const;

export interface SegmentFigure {
  label: number;
  /** The card's segment id for this label value, when the card lists it. */
  segment?: string;
  dice: number;
  referenceVoxels: number;
  outputVoxels: number;
}

export interface Comparison {
  /** The card output compared. */
  output: string;
  /** The output file, relative to the run's output folder. */
  file: string;
  /** Where the reference came from (a repository path or a URL). */
  reference: string;
  /** The rule, as written: "exact", "dice >= 0.99", "tolerance rel 0.001 abs 0.001, 100 per million". */
  rule: string;
  ok: boolean;
  /** One sentence: what was found. */
  message: string;
  segments?: SegmentFigure[];
  mismatchedVoxels?: number;
  totalVoxels?: number;
  /** Numeric comparisons: values compared, beyond tolerance, largest differences. */
  numbers?: { compared: number; mismatched: number; maxAbsolute: number; maxRelative: number };
}

export function describeRule(compare: TestCompare): string {
  if (compare.exact) return 'exact';
  if (compare.dice) return `dice >= ${compare.dice.min}`;
  const t = { ...DEFAULT_TOLERANCE, ...compare.tolerance };
  return `tolerance: relative ${t.relative}, absolute ${t.absolute}, ${t.mismatchedPerMillion} mismatched per million`;
}

type Counted = Omit<Comparison, 'output' | 'file' | 'reference' | 'rule'>;

/**
 * Compares two label maps: their geometry first (the output is reoriented onto the reference
 * grid when only axis order or direction differ), then voxel by voxel. Dice per label value
 * present in either (`segments[k-1]` names label k); labels absent from both are not listed.
 */
export function compareLabelMaps(
  output: Volume,
  reference: Volume,
  compare: TestCompare,
  segments: readonly string[] = [],
): Counted {
  const onGrid = geometryMismatch(output, reference) ? reorientTo(output, reference) : output;
  if (!onGrid) {
    const why = geometryMismatch(output, reference) ?? 'the grids differ';
    return { ok: false, message: `the label geometry differs from the reference: ${why}` };
  }
  const a = onGrid.data;
  const b = reference.data;
  const out = new Map<number, number>();
  const ref = new Map<number, number>();
  const both = new Map<number, number>();
  let mismatched = 0;
  for (let i = 0; i < b.length; i++) {
    const x = Number(a[i]);
    const y = Number(b[i]);
    out.set(x, (out.get(x) ?? 0) + 1);
    ref.set(y, (ref.get(y) ?? 0) + 1);
    if (x === y) both.set(x, (both.get(x) ?? 0) + 1);
    else mismatched++;
  }
  const labels = [...new Set([...out.keys(), ...ref.keys()])].filter((l) => l !== 0).sort((p, q) => p - q);
  const figures: SegmentFigure[] = labels.map((label) => {
    const o = out.get(label) ?? 0;
    const r = ref.get(label) ?? 0;
    const segment = segments[label - 1];
    return {
      label,
      ...(segment ? { segment } : {}),
      dice: round((2 * (both.get(label) ?? 0)) / (o + r)),
      referenceVoxels: r,
      outputVoxels: o,
    };
  });
  const counted = { segments: figures, mismatchedVoxels: mismatched, totalVoxels: b.length };
  const worst = figures.reduce<SegmentFigure | undefined>(
    (w, f) => (!w || f.dice < w.dice ? f : w),
    undefined,
  );
  const lowest = worst
    ? `lowest Dice ${worst.dice} (${worst.segment ?? `label ${worst.label}`})`
    : 'no segments';
  const where = `${mismatched} of ${b.length} voxels differ; ${lowest}`;
  if (compare.dice) {
    const below = figures.filter((f) => f.dice < compare.dice!.min);
    return {
      ok: below.length === 0,
      message: below.length
        ? `Dice below ${compare.dice.min} for ${below.map((f) => `${f.segment ?? `label ${f.label}`} (${f.dice})`).join(', ')}; ${where}`
        : `every segment's Dice is at least ${compare.dice.min}: ${where}`,
      ...counted,
    };
  }
  if (compare.tolerance) {
    const numbers = compareNumbers(Array.from(a, Number), Array.from(b, Number), compare.tolerance);
    return { ...numbers, ...counted };
  }
  return {
    ok: mismatched === 0,
    message: mismatched === 0 ? `identical label maps (${where})` : `not identical: ${where}`,
    ...counted,
  };
}

/**
 * bioimage.io's rule: a value mismatches when |out - ref| > absolute + relative * |ref|; the
 * comparison passes when at most `mismatchedPerMillion` values in a million mismatch.
 */
export function compareNumbers(
  output: readonly (number | string)[],
  reference: readonly (number | string)[],
  tolerance: TestCompare['tolerance'] = {},
): Counted {
  const t = { ...DEFAULT_TOLERANCE, ...tolerance };
  if (output.length !== reference.length) {
    return {
      ok: false,
      message: `${output.length} values where the reference has ${reference.length}`,
    };
  }
  let mismatched = 0;
  let maxAbsolute = 0;
  let maxRelative = 0;
  for (let i = 0; i < reference.length; i++) {
    const x = output[i]!;
    const y = reference[i]!;
    if (typeof x === 'string' || typeof y === 'string') {
      if (String(x) !== String(y)) mismatched++;
      continue;
    }
    const diff = Math.abs(x - y);
    if (Number.isNaN(x) !== Number.isNaN(y) || diff > t.absolute + t.relative * Math.abs(y)) mismatched++;
    if (Number.isFinite(diff)) {
      maxAbsolute = Math.max(maxAbsolute, diff);
      if (y !== 0) maxRelative = Math.max(maxRelative, diff / Math.abs(y));
    }
  }
  const perMillion = reference.length ? (mismatched * 1e6) / reference.length : 0;
  const numbers = {
    compared: reference.length,
    mismatched,
    maxAbsolute: round(maxAbsolute),
    maxRelative: round(maxRelative),
  };
  return {
    ok: perMillion <= t.mismatchedPerMillion,
    message: `${mismatched} of ${reference.length} values beyond the tolerance (${round(perMillion)} per million, allowed ${t.mismatchedPerMillion}); largest difference ${numbers.maxAbsolute}`,
    numbers,
  };
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

/** The values of a JSON or CSV file in a fixed order (JSON: leaves by path; CSV: cells by row). */
async function values(file: string): Promise<(number | string)[]> {
  const text = await readFile(file, 'utf8');
  if (/\.json$/i.test(file)) {
    const out: (number | string)[] = [];
    const walk = (v: unknown, at: string) => {
      if (v !== null && typeof v === 'object') {
        for (const [k, x] of Object.entries(v as Record<string, unknown>).sort(([p], [q]) =>
          p.localeCompare(q),
        ))
          walk(x, `${at}/${k}`);
      } else {
        out.push(at, typeof v === 'number' ? v : String(v));
      }
    };
    walk(JSON.parse(text), '');
    return out;
  }
  const { header, rows } = parseCsvRows(text);
  const cell = (s: string) => (s.trim() !== '' && Number.isFinite(Number(s)) ? Number(s) : s);
  return [...header, ...rows.flatMap((r) => r.fields.map(cell))];
}

const LABEL_MAP = /\.(seg\.dcm|dcm|nii|nii\.gz|nrrd|seg\.nrrd)$/i;

/** Compares one output file with its reference file by the card's rule. */
export async function compareFiles(
  outputFile: string,
  referenceFile: string,
  compare: TestCompare,
  kind: 'segmentation' | 'other',
  segments: readonly string[] = [],
): Promise<Counted> {
  if (kind === 'segmentation' || (LABEL_MAP.test(outputFile) && !compare.tolerance)) {
    const reference = (await readLabelMap(referenceFile)).labelMap;
    const output = (await readLabelMap(outputFile)).labelMap;
    return compareLabelMaps(output, reference, compare, segments);
  }
  if (LABEL_MAP.test(outputFile)) {
    const output = (await readVolume(outputFile)).volume;
    const reference = (await readVolume(referenceFile)).volume;
    const geometry = geometryMismatch(output, reference);
    if (geometry) return { ok: false, message: `the image geometry differs from the reference: ${geometry}` };
    return compareNumbers(
      Array.from(output.data, Number),
      Array.from(reference.data, Number),
      compare.tolerance,
    );
  }
  if (compare.exact) {
    const [x, y] = await Promise.all([readFile(outputFile), readFile(referenceFile)]);
    const same = x.equals(y);
    return {
      ok: same,
      message: same
        ? `identical to the reference (${y.length} bytes)`
        : `differs from the reference (${x.length} bytes against ${y.length})`,
    };
  }
  if (!/\.(json|csv)$/i.test(outputFile)) {
    return {
      ok: false,
      message: `${path.basename(outputFile)} is neither an image, JSON nor CSV: only exact: true can compare it`,
    };
  }
  return compareNumbers(await values(outputFile), await values(referenceFile), compare.tolerance);
}
