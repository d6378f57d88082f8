// Label map -> bit-packed SEG frames in two passes over the voxels: first which labels occur on
// which slice (to lay out the frames), then the bits, straight into one pixel buffer. Label
// maps are mostly zero, so both passes skip zeros four voxels at a time.
import { MhubError } from '../../errors.ts';
import type { LabelEntry } from '../labels.ts';
import type { Volume, VoxelArray } from '../volume.ts';

/** Calls `visit(offset, value)` for every non-zero voxel in [start, end). */
export function forEachNonZero(
  data: VoxelArray,
  start: number,
  end: number,
  visit: (offset: number, value: number) => void,
): void {
  const width =
    data instanceof Uint8Array ? 4 : data instanceof Uint16Array || data instanceof Int16Array ? 2 : 0;
  if (width > 0 && (data.byteOffset + start * (4 / width)) % 4 === 0 && (end - start) % width === 0) {
    // One 32-bit word holds `width` voxels: skip a whole word when it is zero.
    const words = new Uint32Array(data.buffer, data.byteOffset + start * (4 / width), (end - start) / width);
    for (let w = 0; w < words.length; w++) {
      if (words[w] === 0) continue;
      const base = start + w * width;
      for (let n = base; n < base + width; n++) {
        const v = data[n]!;
        if (v !== 0) visit(n, v);
      }
    }
    return;
  }
  for (let n = start; n < end; n++) {
    const v = data[n]!;
    if (v !== 0) visit(n, v);
  }
}

export interface PackedFrames {
  /** Frames in order: segment (1-based, in `segments` order), then slice. */
  frames: { segment: number; k: number }[];
  /** All frames' bits, one continuous little-endian bit stream, padded to even length. */
  pixels: Uint8Array;
  /** Label values that have voxels. */
  present: Set<number>;
}

/** Values beyond the label table are an error naming them (and the fix). */
function unknownValuesError(unknown: number[], labels: readonly LabelEntry[], what: string): MhubError {
  const max = labels.reduce((m, l) => Math.max(m, l.value), 0);
  return new MhubError(
    'INVALID_INPUT',
    `${what} holds label values ${unknown.slice(0, 10).join(', ')}${unknown.length > 10 ? ', ...' : ''} beyond the ${labels.length} labels given (largest ${max})`,
    'give the label table (--labels card or JSON) that matches this label map',
  );
}

/** Which label values occur on each slice; throws on values the table does not name. */
export function labelsBySlice(
  labelMap: Volume,
  labels: readonly LabelEntry[],
  what = 'the label map',
): Uint8Array[] {
  const [nx, ny, nz] = labelMap.size;
  const plane = nx * ny;
  const data = labelMap.data;
  if (!(data instanceof Uint8Array || data instanceof Uint16Array || data instanceof Int16Array)) {
    for (let n = 0; n < data.length; n++) {
      const v = data[n]!;
      if (v !== 0 && !(Number.isInteger(v) && v > 0 && v <= 65535))
        throw unknownValuesError([v], labels, what);
    }
  }
  const known = new Uint8Array(65536);
  for (const l of labels) known[l.value] = 1;
  const unknown = new Set<number>();
  const bySlice: Uint8Array[] = [];
  for (let k = 0; k < nz; k++) {
    const seen = new Uint8Array(65536);
    forEachNonZero(data, k * plane, (k + 1) * plane, (_n, v) => {
      if (v < 0 || known[v] !== 1) unknown.add(v);
      else seen[v] = 1;
    });
    bySlice.push(seen);
  }
  if (unknown.size > 0)
    throw unknownValuesError(
      [...unknown].sort((a, b) => a - b),
      labels,
      what,
    );
  return bySlice;
}

/** Packs frames for the labels in `segments` (the SEG's segments, in order). */
export function packFrames(
  labelMap: Volume,
  segments: readonly LabelEntry[],
  bySlice: Uint8Array[],
  onSlice: (k: number) => void = () => {},
): PackedFrames {
  const [nx, ny, nz] = labelMap.size;
  const plane = nx * ny;
  const frames: { segment: number; k: number }[] = [];
  // frameOf[value * nz + k]: frame index + 1 (0 = no frame).
  const frameOf = new Map<number, Int32Array>();
  const present = new Set<number>();
  segments.forEach((l, s) => {
    const row = new Int32Array(nz);
    for (let k = 0; k < nz; k++) {
      if (bySlice[k]![l.value]) {
        frames.push({ segment: s + 1, k });
        row[k] = frames.length;
        present.add(l.value);
      }
    }
    frameOf.set(l.value, row);
  });
  const bytes = Math.ceil((frames.length * plane) / 8);
  const pixels = new Uint8Array(bytes + (bytes % 2));
  const rowOf = new Array<Int32Array | undefined>(65536);
  for (const [v, row] of frameOf) rowOf[v] = row;
  for (let k = 0; k < nz; k++) {
    const base = k * plane;
    forEachNonZero(labelMap.data, base, base + plane, (n, v) => {
      const f = rowOf[v]?.[k];
      if (!f) return; // a label left out (empty segments dropped never reach here)
      const bit = (f - 1) * plane + (n - base);
      pixels[bit >>> 3]! |= 1 << (bit & 7);
    });
    onSlice(k);
  }
  return { frames, pixels, present };
}
