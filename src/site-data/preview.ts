// Preview images for a model page: one axial and one coronal slice through the middle of the
// card's sample input with its reference segmentation overlaid in the segments' colours, as
// PNG, made at build time from the committed test data (no image typed or drawn by hand).
import { crc32, deflateSync } from 'node:zlib';
import { readLabelMap, readVolume, type Volume } from '../io/index.ts';

export interface PreviewImages {
  axial: Buffer;
  coronal: Buffer;
  /** Label values that appear in at least one of the two slices. */
  labels: number[];
}

/** A PNG of RGB pixels (8-bit, no interlace, filter 0 on every row). */
export function encodePng(width: number, height: number, rgb: Uint8Array): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type RGB
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 3 + 1)] = 0;
    Buffer.from(rgb.buffer, rgb.byteOffset + y * width * 3, width * 3).copy(raw, y * (width * 3 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The voxel axis closest to each patient axis (LPS x, y, z) and whether it runs the same way. */
function patientAxes(v: Volume): { axis: number; forward: boolean }[] {
  return [0, 1, 2].map((p) => {
    let best = 0;
    for (let a = 1; a < 3; a++) if (Math.abs(v.axes[a]![p]!) > Math.abs(v.axes[best]![p]!)) best = a;
    return { axis: best, forward: v.axes[best]![p]! > 0 };
  });
}

/** How strongly a segment's colour covers the image under it. */
export const ALPHA = 0.55;
/** The longer side of a preview, in pixels: small samples are enlarged, big ones reduced. */
const MIN_SIDE = 256;
const MAX_SIDE = 384;

/**
 * One slice as RGB: `across` runs left to right on screen, `down` top to bottom; each is a
 * patient axis (0 x: right to left, 1 y: anterior to posterior, 2 z: shown superior at the top).
 * Radiological convention: the patient's right on the image's left, anterior or superior up.
 */
function renderSlice(
  image: Volume,
  labels: Volume,
  colours: ReadonlyMap<number, readonly [number, number, number]>,
  across: number,
  down: number,
  through: number,
  seen: Set<number>,
): Buffer {
  const axes = patientAxes(image);
  const n = (p: number) => image.size[axes[p]!.axis]!;
  const sp = (p: number) => image.spacing[axes[p]!.axis]!;
  // Square pixels of the finer spacing, the longer side between MIN_SIDE and MAX_SIDE.
  const step = Math.min(sp(across), sp(down));
  let width = Math.round((n(across) * sp(across)) / step);
  let height = Math.round((n(down) * sp(down)) / step);
  const longer = Math.max(width, height);
  const scale = Math.min(MAX_SIDE, Math.max(MIN_SIDE, longer)) / longer;
  width = Math.max(1, Math.round(width * scale));
  height = Math.max(1, Math.round(height * scale));
  const index = (p: number, t: number, flip: boolean) => {
    const count = n(p);
    const k = Math.min(count - 1, Math.floor(t * count));
    // Along the patient axis: screen order (x: R->L increasing, y: A->P increasing, z: S->I decreasing).
    const increasing = flip ? count - 1 - k : k;
    return axes[p]!.forward ? increasing : count - 1 - increasing;
  };
  const middle = Math.floor(n(through) / 2);
  const ijk = [0, 0, 0];
  const [sx, sy] = [image.size[0], image.size[0] * image.size[1]];
  const values = new Float64Array(width * height);
  const label = new Int32Array(width * height);
  for (let row = 0; row < height; row++) {
    for (let col = 0; col < width; col++) {
      ijk[axes[across]!.axis] = index(across, (col + 0.5) / width, false);
      ijk[axes[down]!.axis] = index(down, (row + 0.5) / height, down === 2);
      ijk[axes[through]!.axis] = middle;
      const at = ijk[0]! + sx * ijk[1]! + sy * ijk[2]!;
      values[row * width + col] = Number(image.data[at]);
      label[row * width + col] = Number(labels.data[at]);
    }
  }
  // Window: the 1st to 99th percentile of the slice.
  const sorted = Float64Array.from(values).sort();
  const lo = sorted[Math.floor(0.01 * (sorted.length - 1))]!;
  const hi = Math.max(lo + 1, sorted[Math.floor(0.99 * (sorted.length - 1))]!);
  const rgb = new Uint8Array(width * height * 3);
  for (let p = 0; p < values.length; p++) {
    const grey = Math.round(255 * Math.min(1, Math.max(0, (values[p]! - lo) / (hi - lo))));
    const colour = colours.get(label[p]!);
    if (colour) seen.add(label[p]!);
    for (let c = 0; c < 3; c++)
      rgb[p * 3 + c] = colour ? Math.round((1 - ALPHA) * grey + ALPHA * colour[c]!) : grey;
  }
  return encodePng(width, height, rgb);
}

/**
 * The axial and coronal previews of `input` (a NIfTI/NRRD file or a DICOM folder) with the label
 * map `reference` on the same grid; `colours[k - 1]` is the colour of label k.
 */
export async function renderPreviews(
  input: string,
  reference: string,
  colours: readonly (readonly [number, number, number])[],
): Promise<PreviewImages> {
  const { volume } = await readVolume(input);
  const { labelMap } = await readLabelMap(reference, { reference: volume });
  const byLabel = new Map(colours.map((c, i) => [i + 1, c] as const));
  const seen = new Set<number>();
  const axial = renderSlice(volume, labelMap, byLabel, 0, 1, 2, seen);
  const coronal = renderSlice(volume, labelMap, byLabel, 0, 2, 1, seen);
  return { axial, coronal, labels: [...seen].sort((a, b) => a - b) };
}
