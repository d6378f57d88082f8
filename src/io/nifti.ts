// NIfTI-1 (.nii, .nii.gz) reader and writer. Written like dcm2niix does: stored values with
// scl_slope/scl_inter, sform and qform both set (code 1, scanner), units mm. The header and the
// voxel buffer are written as they are (no copy); .nii.gz goes through the parallel gzip.
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { MhubError } from '../errors.ts';
import { writeAll } from '../fsafe/index.ts';
import { noProgress, type Progress } from '../progress.ts';
import { writeAtomic } from './atomic.ts';
import { DEFAULT_GZIP_LEVEL, gzipBlocks } from './gzip.ts';
import {
  allocate,
  geometryFromRasAffine,
  rasAffine,
  type Vec3,
  type Volume,
  type VoxelType,
  voxelType,
} from './volume.ts';

const gunzip = promisify(zlib.gunzip);

const DATATYPE: Record<VoxelType, [code: number, bits: number]> = {
  uint8: [2, 8],
  int16: [4, 16],
  int32: [8, 32],
  float32: [16, 32],
  float64: [64, 64],
  int8: [256, 8],
  uint16: [512, 16],
  uint32: [768, 32],
};

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

export function niftiHeader(v: Volume, description = 'mhub'): Buffer {
  const h = Buffer.alloc(VOX_OFFSET);
  const type = voxelType(v.data);
  const [code, bits] = DATATYPE[type];
  h.writeInt32LE(HEADER_BYTES, 0);
  h.write('r', 38, 'latin1'); // regular: what nibabel and dcm2niix write
  [3, v.size[0], v.size[1], v.size[2], 1, 1, 1, 1].forEach((n, i) => {
    h.writeInt16LE(n, 40 + 2 * i);
  });
  h.writeInt16LE(code, 70);
  h.writeInt16LE(bits, 72);
  const affine = rasAffine(v);
  const rot = [0, 1, 2].map((r) => [0, 1, 2].map((c) => affine[r]![c]! / v.spacing[c]!));
  const q = quaternion(rot);
  [q.qfac, v.spacing[0], v.spacing[1], v.spacing[2], 0, 0, 0, 0].forEach((x, i) => {
    h.writeFloatLE(x, 76 + 4 * i);
  });
  h.writeFloatLE(VOX_OFFSET, 108);
  h.writeFloatLE(v.rescale?.slope ?? 1, 112);
  h.writeFloatLE(v.rescale?.intercept ?? 0, 116);
  h.writeUInt8(10, 123); // mm, seconds
  h.write(description.slice(0, 79), 148, 'latin1');
  h.writeInt16LE(1, 252); // qform_code: scanner
  h.writeInt16LE(1, 254); // sform_code: scanner
  h.writeFloatLE(q.b, 256);
  h.writeFloatLE(q.c, 260);
  h.writeFloatLE(q.d, 264);
  h.writeFloatLE(affine[0]![3]!, 268);
  h.writeFloatLE(affine[1]![3]!, 272);
  h.writeFloatLE(affine[2]![3]!, 276);
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

const TYPE_BY_CODE = new Map(Object.entries(DATATYPE).map(([t, [code]]) => [code, t as VoxelType]));

/** Reads a decompressed file's bytes; gzip is detected by its magic number, not the name. */
export async function readMaybeGzipped(file: string): Promise<Buffer> {
  const raw = await readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new MhubError('NOT_FOUND', `${file} cannot be read (${error.code})`, 'check the path');
  });
  if (raw[0] === 0x1f && raw[1] === 0x8b) {
    return gunzip(raw).catch(() => {
      throw new MhubError(
        'INVALID_INPUT',
        `${file} is a damaged gzip file`,
        'replace it with an intact copy',
      );
    });
  }
  return raw;
}

export async function readNifti(file: string): Promise<Volume> {
  const buf = await readMaybeGzipped(file);
  const bad = (why: string) =>
    new MhubError(
      'INVALID_INPUT',
      `${file} is not a readable NIfTI-1 file: ${why}`,
      'give a NIfTI-1 .nii or .nii.gz file',
    );
  if (buf.length < HEADER_BYTES) throw bad('it is shorter than a header');
  if (buf.readInt32LE(0) !== HEADER_BYTES) {
    if (buf.readInt32BE(0) === HEADER_BYTES) throw bad('big-endian files are not supported');
    if (buf.readInt32LE(0) === 540) throw bad('NIfTI-2 is not supported');
    throw bad('sizeof_hdr is not 348');
  }
  const dim = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => buf.readInt16LE(40 + 2 * i));
  const ndim = dim[0]!;
  if (ndim < 1 || ndim > 7 || dim.slice(4, ndim + 1).some((n) => n > 1)) {
    throw bad(
      `it has ${ndim} dimensions (${dim.slice(1, ndim + 1).join('x')}); only 3D images are supported`,
    );
  }
  const size: Vec3 = [dim[1]!, ndim >= 2 ? dim[2]! : 1, ndim >= 3 ? dim[3]! : 1];
  const type = TYPE_BY_CODE.get(buf.readInt16LE(70));
  if (!type) throw bad(`datatype ${buf.readInt16LE(70)} is not supported`);
  const voxOffset = Math.round(buf.readFloatLE(108)) || VOX_OFFSET;
  const pixdim = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => buf.readFloatLE(76 + 4 * i));
  const n = size[0] * size[1] * size[2];
  const bytes = n * (DATATYPE[type][1] / 8);
  if (buf.length < voxOffset + bytes) throw bad('it ends before its voxel data does');
  // Copy into an aligned buffer of its own (gunzip output offsets need not be aligned).
  const data = allocate(type, n);
  Buffer.from(data.buffer).set(buf.subarray(voxOffset, voxOffset + bytes));
  const qformCode = buf.readInt16LE(252);
  const sformCode = buf.readInt16LE(254);
  let affine: number[][];
  if (sformCode > 0) {
    affine = [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => buf.readFloatLE(280 + 16 * r + 4 * c)));
  } else if (qformCode > 0) {
    const b = buf.readFloatLE(256);
    const c = buf.readFloatLE(260);
    const d = buf.readFloatLE(264);
    const a = Math.sqrt(Math.max(0, 1 - (b * b + c * c + d * d)));
    const qfac = pixdim[0]! < 0 ? -1 : 1;
    const R = [
      [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
      [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
      [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b],
    ];
    const sp = [pixdim[1]!, pixdim[2]!, pixdim[3]! * qfac];
    const off = [268, 272, 276].map((o) => buf.readFloatLE(o));
    affine = [0, 1, 2].map((r) => [R[r]![0]! * sp[0]!, R[r]![1]! * sp[1]!, R[r]![2]! * sp[2]!, off[r]!]);
  } else {
    affine = [
      [pixdim[1]! || 1, 0, 0, 0],
      [0, pixdim[2]! || 1, 0, 0],
      [0, 0, pixdim[3]! || 1, 0],
    ];
  }
  affine.push([0, 0, 0, 1]);
  const slope = buf.readFloatLE(112);
  const intercept = buf.readFloatLE(116);
  const volume: Volume = { ...geometryFromRasAffine(affine, size), data };
  if (slope !== 0 && Number.isFinite(slope) && (slope !== 1 || intercept !== 0))
    volume.rescale = { slope, intercept };
  return volume;
}
