// NIfTI reader (NIfTI-1 and -2, either byte order, .nii(.gz) or .hdr/.img, one volume of a 4-D
// file) and NIfTI-1 writer. Written like dcm2niix does: stored values with scl_slope/scl_inter,
// sform and qform naming the volume's space (code 1, scanner, for DICOM data), units mm. The header and the
// voxel buffer are written as they are (no copy); .nii.gz goes through the parallel gzip.
import { closeSync, existsSync, openSync } from 'node:fs';
import { MhubError } from '../errors.ts';
import { writeAll } from '../fsafe/index.ts';
import { noProgress, type Progress } from '../progress.ts';
import { writeAtomic } from './atomic.ts';
import { DEFAULT_GZIP_LEVEL, gzipBlocks, type InflatePlan } from './gzip.ts';
import {
  NIFTI_TYPES,
  type NiftiHeader,
  type NiftiLayout,
  niftiLayout,
  niftiSpace,
  parseNiftiHeader,
  SPACE_CODES,
} from './nifti-header.ts';
import { readChecked } from './read-checked.ts';
import {
  allocate,
  geometryFromRasAffine,
  rasAffine,
  SHEAR_TOLERANCE_DEGREES,
  skewDegrees,
  type Volume,
  voxelType,
} from './volume.ts';

const HEADER_BYTES = 348;
const VOX_OFFSET = 352;

/** Quaternion parameters for a rotation matrix (columns = unit axes, RAS), niftilib's method. */
function quaternion(r: number[][]): { b: number; c: number; d: number; qfac: number } {
  const m = r.map((row) => [...row]);
  const det =
    m[0]![0]! * (m[1]![1]! * m[2]![2]! - m[1]![2]! * m[2]![1]!) -
    m[0]![1]! * (m[1]![0]! * m[2]![2]! - m[1]![2]! * m[2]![0]!) +
    m[0]![2]! * (m[1]![0]! * m[2]![1]! - m[1]![1]! * m[2]![0]!);
  const qfac = det < 0 ? -1 : 1;
  if (qfac < 0) for (const row of m) row[2] = -row[2]!;
  const [r11, r12, r13] = m[0]!;
  const [r21, r22, r23] = m[1]!;
  const [r31, r32, r33] = m[2]!;
  let a = r11! + r22! + r33! + 1;
  let b: number;
  let c: number;
  let d: number;
  if (a > 0.5) {
    a = 0.5 * Math.sqrt(a);
    b = (0.25 * (r32! - r23!)) / a;
    c = (0.25 * (r13! - r31!)) / a;
    d = (0.25 * (r21! - r12!)) / a;
  } else {
    const xd = 1 + r11! - (r22! + r33!);
    const yd = 1 + r22! - (r11! + r33!);
    const zd = 1 + r33! - (r11! + r22!);
    if (xd > 1) {
      b = 0.5 * Math.sqrt(xd);
      c = (0.25 * (r12! + r21!)) / b;
      d = (0.25 * (r13! + r31!)) / b;
      a = (0.25 * (r32! - r23!)) / b;
    } else if (yd > 1) {
      c = 0.5 * Math.sqrt(yd);
      b = (0.25 * (r12! + r21!)) / c;
      d = (0.25 * (r23! + r32!)) / c;
      a = (0.25 * (r13! - r31!)) / c;
    } else {
      d = 0.5 * Math.sqrt(zd);
      b = (0.25 * (r13! + r31!)) / d;
      c = (0.25 * (r23! + r32!)) / d;
      a = (0.25 * (r21! - r12!)) / d;
    }
    if (a < 0) {
      b = -b;
      c = -c;
      d = -d;
    }
  }
  return { b, c, d, qfac };
}

/** Whether the grid's axes are not at right angles (tilted-gantry slices): no rigid qform fits it. */
function sheared(v: Volume): boolean {
  return skewDegrees(v.axes) > SHEAR_TOLERANCE_DEGREES;
}

/** Whether positions are voxel index times spacing, as NIfTI method 1 (no transform) gives. */
function methodOne(affine: number[][], v: Volume): boolean {
  return affine
    .slice(0, 3)
    .every((row, r) => row.every((x, c) => Math.abs(x - (r === c ? v.spacing[r]! : 0)) < 1e-6));
}

/**
 * The 352-byte NIfTI-1 header. sform and qform name the volume's space (code 1 scanner for DICOM
 * data; 0 for a volume read from a file without a transform, so we never claim scanner space).
 * A sheared grid (tilted slices) has no rigid qform: qform code 0 leaves the sform the only
 * transform, so a qform-preferring reader cannot place the slices elsewhere.
 */
export function niftiHeader(v: Volume, description = 'mhub'): Buffer {
  const h = Buffer.alloc(VOX_OFFSET);
  const type = voxelType(v.data);
  const [code, bytes] = NIFTI_TYPES[type];
  const affine = rasAffine(v);
  if (!affine.flat().every(Number.isFinite) || !v.spacing.every((s) => s > 0))
    throw new MhubError(
      'INTERNAL',
      `a volume with a non-finite or zero-spacing grid reached the NIfTI writer (spacing ${v.spacing.join(', ')})`,
      'report this: readers refuse such grids',
    );
  let space = v.space ?? 'scanner';
  // A volume without a transform that has since been put on another grid is no longer method 1.
  if (space === 'none' && !methodOne(affine, v)) space = 'aligned';
  const sformCode = SPACE_CODES[space];
  const qformCode = sheared(v) ? 0 : sformCode;
  h.writeInt32LE(HEADER_BYTES, 0);
  h.write('r', 38, 'latin1'); // regular: what nibabel and dcm2niix write
  [3, v.size[0], v.size[1], v.size[2], 1, 1, 1, 1].forEach((n, i) => {
    h.writeInt16LE(n, 40 + 2 * i);
  });
  h.writeInt16LE(code, 70);
  h.writeInt16LE(bytes * 8, 72);
  const rot = [0, 1, 2].map((r) => [0, 1, 2].map((c) => affine[r]![c]! / v.spacing[c]!));
  const q = qformCode > 0 ? quaternion(rot) : { b: 0, c: 0, d: 0, qfac: 1 };
  [q.qfac, v.spacing[0], v.spacing[1], v.spacing[2], 0, 0, 0, 0].forEach((x, i) => {
    h.writeFloatLE(x, 76 + 4 * i);
  });
  h.writeFloatLE(VOX_OFFSET, 108);
  h.writeFloatLE(v.rescale?.slope ?? 1, 112);
  h.writeFloatLE(v.rescale?.intercept ?? 0, 116);
  h.writeUInt8(10, 123); // mm, seconds
  h.write(description.slice(0, 79), 148, 'latin1');
  h.writeInt16LE(qformCode, 252);
  h.writeInt16LE(sformCode, 254);
  if (qformCode > 0) {
    h.writeFloatLE(q.b, 256);
    h.writeFloatLE(q.c, 260);
    h.writeFloatLE(q.d, 264);
    h.writeFloatLE(affine[0]![3]!, 268);
    h.writeFloatLE(affine[1]![3]!, 272);
    h.writeFloatLE(affine[2]![3]!, 276);
  }
  if (sformCode > 0)
    for (let r = 0; r < 3; r++)
      for (let c = 0; c < 4; c++) h.writeFloatLE(affine[r]![c]!, 280 + 16 * r + 4 * c);
  h.write('n+1\0', 344, 'latin1');
  return h;
}

export const bytesOf = (data: Volume['data']): Buffer =>
  Buffer.from(data.buffer, data.byteOffset, data.byteLength);

/** Writes `plain` as is, then `parts` (gzipped when `gz`); atomic. Reports 'write' progress in MB. */
export async function writeParts(
  file: string,
  parts: Uint8Array[],
  options: { gz: boolean; level?: number; plain?: Uint8Array; progress?: Progress; force?: boolean },
) {
  const progress = options.progress ?? noProgress;
  const mb = (n: number) => Math.round(n / 1e6);
  await writeAtomic(
    file,
    async (temp) => {
      const fd = openSync(temp, 'w');
      try {
        if (options.plain) writeAll(fd, options.plain, file);
        if (options.gz) {
          await gzipBlocks(
            parts,
            (chunk) => {
              writeAll(fd, chunk, file);
            },
            options.level ?? DEFAULT_GZIP_LEVEL,
            (done, total) =>
              progress({ phase: 'write', done: mb(done), total: mb(total), message: `MB gzip ${file}` }),
          );
        } else for (const p of parts) writeAll(fd, p, file);
      } finally {
        closeSync(fd);
      }
    },
    { force: options.force },
  );
}

export interface WriteOptions {
  /** gzip level 1-9 for .gz outputs (default 6). */
  level?: number;
  progress?: Progress;
  /** Replace an existing file (moved aside until the new one is complete). */
  force?: boolean;
}

export async function writeNifti(file: string, volume: Volume, options: WriteOptions = {}): Promise<void> {
  await writeParts(file, [niftiHeader(volume), bytesOf(volume.data)], {
    ...options,
    gz: file.endsWith('.gz'),
  });
}

export interface NiftiReadOptions {
  /** Which volume (0-based) of a 4-D file to read; required when the file has several. */
  volume?: number;
}

const PAIR = /\.(hdr|img)(\.gz)?$/i;

/** The header file and the data file: one .nii(.gz), or the two halves of a .hdr/.img pair. */
function niftiFiles(file: string): { header: string; data: string | undefined; stem: string } {
  const m = PAIR.exec(file);
  if (!m) return { header: file, data: file, stem: file };
  const stem = file.slice(0, m.index);
  const find = (ext: string) =>
    [ext, `${ext}.gz`, ext.toUpperCase(), `${ext.toUpperCase()}.GZ`]
      .map((e) => `${stem}.${e}`)
      .find((n) => existsSync(n));
  const header = m[1]!.toLowerCase() === 'hdr' ? file : find('hdr');
  if (!header)
    throw new MhubError(
      'INVALID_INPUT',
      `${file} is half of a .hdr/.img pair, and ${stem}.hdr is missing`,
      'put the .hdr and .img files side by side with the same name',
    );
  return { header, data: m[1]!.toLowerCase() === 'img' ? file : find('img'), stem };
}

/** NIfTI-1 or -2, either byte order, one file or a .hdr/.img pair; one volume of a 4-D file. */
export async function readNifti(file: string, options: NiftiReadOptions = {}): Promise<Volume> {
  const bad = (why: string, fix = 'give a NIfTI-1 or NIfTI-2 image (.nii, .nii.gz or a .hdr/.img pair)') =>
    new MhubError('INVALID_INPUT', `${file} is not a readable NIfTI file: ${why}`, fix);
  const files = niftiFiles(file);
  const single = files.header === files.data;
  const pairData = () => {
    if (files.data) return files.data;
    throw bad(
      `it is the header of a .hdr/.img pair, and ${files.stem}.img is missing`,
      'put the .hdr and .img files side by side with the same name',
    );
  };
  let header: NiftiHeader | undefined;
  let layout: NiftiLayout | undefined;
  let start = 0;
  const plan = (head: Buffer): InflatePlan => {
    header = parseNiftiHeader(head, bad);
    if (header.pair === single)
      throw bad(
        single
          ? 'its magic (ni1/ni2) says its voxels are in a separate .img file'
          : 'its magic (n+1/n+2) says its voxels follow the header in one .nii file',
        single ? 'give the .hdr/.img pair, named alike' : 'rename it to .nii',
      );
    niftiSpace(header, bad);
    layout = niftiLayout(header, bad);
    const volume = options.volume ?? 0;
    if (options.volume === undefined && layout.volumes > 1)
      throw bad(
        `it is 4-D and holds ${layout.volumes} volumes of ${layout.size.join('x')}`,
        `pick one with mhub convert --volume <0-${layout.volumes - 1}> (a 3-D file it writes can go to mhub run)`,
      );
    if (!(Number.isInteger(volume) && volume >= 0 && volume < layout.volumes))
      throw bad(
        `volume ${options.volume} does not exist: it holds ${layout.volumes} volume(s)`,
        `pick a volume from 0 to ${layout.volumes - 1}`,
      );
    start = layout.voxOffset + volume * layout.volumeBytes;
    return single
      ? { total: layout.fileBytes, keep: [start, start + layout.volumeBytes] }
      : { total: 16 * 2 ** 20, keep: [0, 0], atMost: true };
  };
  const first = await readChecked(files.header, 540, plan, bad);
  let bytes = first.kept;
  if (!single) {
    const badData = (why: string, fix?: string) =>
      new MhubError(
        'INVALID_INPUT',
        `${files.data} (the voxels of ${files.header}) is not readable: ${why}`,
        fix,
      );
    const data = await readChecked(
      pairData(),
      0,
      () => ({ total: layout!.fileBytes, keep: [start, start + layout!.volumeBytes] }),
      badData,
    );
    bytes = data.kept;
  }
  const h = header!;
  const { size, volumeBytes } = layout!;
  const n = size[0] * size[1] * size[2];
  // The kept bytes are a buffer of their own (Buffer.alloc, not the pool): viewed in place when
  // aligned, else copied once.
  const aligned = bytes.byteOffset % h.bytesPerVoxel === 0 && bytes.length === volumeBytes;
  const data = aligned
    ? allocate(h.type, n, bytes.buffer as ArrayBuffer, bytes.byteOffset)
    : allocate(h.type, n);
  const target = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (!aligned) target.set(bytes.subarray(0, volumeBytes));
  if (!h.littleEndian && h.bytesPerVoxel > 1) {
    if (h.bytesPerVoxel === 2) target.swap16();
    else if (h.bytesPerVoxel === 4) target.swap32();
    else target.swap64();
  }
  const { affine, space, slope, intercept } = niftiSpace(h, bad);
  const volume: Volume = { ...geometryFromRasAffine(affine, size), data };
  if (space !== 'scanner') volume.space = space;
  if (slope !== undefined) volume.rescale = { slope, intercept: intercept! };
  return volume;
}
