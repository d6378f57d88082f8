// NIfTI-1 and NIfTI-2 headers, either byte order, checked before a single voxel is read: a header
// that would make us read header bytes as voxels, allocate more than the file holds, or write NaN
// affines is refused with the field that is wrong. Layouts: nifti1.h and nifti2.h (NITRC).
import type { MhubError } from '../errors.ts';
import { MAX_VOLUME_BYTES, type Space, type VoxelType } from './volume.ts';

/** NIfTI datatype code -> our voxel type and its size in bytes. */
export const NIFTI_TYPES: Record<VoxelType, [code: number, bytes: number]> = {
  uint8: [2, 1],
  int16: [4, 2],
  int32: [8, 4],
  float32: [16, 4],
  float64: [64, 8],
  int8: [256, 1],
  uint16: [512, 2],
  uint32: [768, 4],
};
const TYPE_BY_CODE = new Map(Object.entries(NIFTI_TYPES).map(([t, [code]]) => [code, t as VoxelType]));
const UNSUPPORTED_TYPES: Record<number, string> = {
  1: 'binary (1 bit)',
  32: 'complex64',
  128: 'RGB',
  1024: 'int64',
  1280: 'uint64',
  1536: 'float128',
  1792: 'complex128',
  2048: 'complex256',
  2304: 'RGBA',
};

/** NIfTI xform codes (nifti1.h NIFTI_XFORM_*) and what they mean here. */
export const SPACE_CODES: Record<Space, number> = {
  none: 0,
  scanner: 1,
  aligned: 2,
  talairach: 3,
  mni: 4,
  template: 5,
};
const SPACE_BY_CODE = new Map(Object.entries(SPACE_CODES).map(([s, c]) => [c, s as Space]));

export interface NiftiHeader {
  version: 1 | 2;
  littleEndian: boolean;
  /** Magic ni1/ni2: the voxels are in a separate .img file. */
  pair: boolean;
  headerBytes: number;
  /** dim[1..ndim]. */
  dims: number[];
  type: VoxelType;
  bytesPerVoxel: number;
  pixdim: number[];
  /** Where the voxels start (in the .nii, or in the .img of a pair). */
  voxOffset: number;
  slope: number;
  intercept: number;
  qformCode: number;
  sformCode: number;
  quatern: [number, number, number];
  qoffset: [number, number, number];
  srow: number[][];
  intent: number;
}

type Bad = (why: string, fix?: string) => MhubError;

/** Reads the fields of a NIfTI-1 or -2 header from its first 348 / 540 bytes. */
export function parseNiftiHeader(buf: Buffer, bad: Bad): NiftiHeader {
  if (buf.length < 4) throw bad('it is shorter than a NIfTI header');
  const sizes = [buf.readInt32LE(0), buf.readInt32BE(0)];
  const version = sizes.includes(348) ? 1 : sizes.includes(540) ? 2 : 0;
  if (version === 0)
    throw bad(
      `sizeof_hdr is ${sizes[0]}, not 348 (NIfTI-1) or 540 (NIfTI-2)`,
      'give a NIfTI-1 or NIfTI-2 file',
    );
  const littleEndian = sizes[0] === (version === 1 ? 348 : 540);
  const headerBytes = version === 1 ? 348 : 540;
  if (buf.length < headerBytes) throw bad('it ends inside its header', 'replace it with an intact copy');
  const i16 = (o: number) => (littleEndian ? buf.readInt16LE(o) : buf.readInt16BE(o));
  const i32 = (o: number) => (littleEndian ? buf.readInt32LE(o) : buf.readInt32BE(o));
  const f32 = (o: number) => (littleEndian ? buf.readFloatLE(o) : buf.readFloatBE(o));
  const f64 = (o: number) => (littleEndian ? buf.readDoubleLE(o) : buf.readDoubleBE(o));
  const i64 = (o: number) => {
    const v = littleEndian ? buf.readBigInt64LE(o) : buf.readBigInt64BE(o);
    return v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)
      ? Number.NaN
      : Number(v);
  };
  const magic = buf.toString('latin1', version === 1 ? 344 : 4, version === 1 ? 348 : 12);
  let pair: boolean;
  if (version === 1) {
    if (magic === 'n+1\0') pair = false;
    else if (magic === 'ni1\0') pair = true;
    else
      throw bad(
        'it is an Analyze 7.5 header (no NIfTI magic), which does not say how the image lies in space',
        'convert it to NIfTI with a tool that knows its orientation (e.g. SPM or FSL fslchfiletype), then try again',
      );
  } else {
    if (magic !== 'n+2\0\r\n\x1a\n' && magic !== 'ni2\0\r\n\x1a\n')
      throw bad(`its NIfTI-2 magic is ${JSON.stringify(magic)}`, 'replace it with an intact copy');
    pair = magic.startsWith('ni2');
  }
  const v1 = version === 1;
  const dimAll = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => (v1 ? i16(40 + 2 * i) : i64(16 + 8 * i)));
  const pixdim = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => (v1 ? f32(76 + 4 * i) : f64(104 + 8 * i)));
  const ndim = dimAll[0]!;
  const intent = v1 ? i16(68) : i32(504);
  if (!(ndim >= 1 && ndim <= 7))
    throw bad(`dim[0] (the number of dimensions) is ${ndim}, not 1 to 7`, 'replace it with an intact copy');
  const dims = dimAll.slice(1, ndim + 1);
  if (dims.some((n) => !(Number.isInteger(n) && n >= 1)))
    throw bad(
      `its dimensions ${dims.join('x')} are not all positive whole numbers`,
      'replace it with an intact copy',
    );
  const code = v1 ? i16(70) : i16(12);
  const type = TYPE_BY_CODE.get(code);
  if (!type) {
    const what = UNSUPPORTED_TYPES[code];
    throw bad(
      what
        ? `its voxels are ${what} (datatype ${code}), which mhub does not read`
        : `datatype ${code} is not a NIfTI datatype`,
      what
        ? 'convert it to an integer or float type (e.g. with nibabel or fslmaths -odt float)'
        : 'replace it with an intact copy',
    );
  }
  const rawOffset = v1 ? f32(108) : i64(168);
  const xform = (o1: number, o2: number) => (v1 ? f32(o1) : f64(o2));
  return {
    version,
    littleEndian,
    pair,
    headerBytes,
    dims,
    type,
    bytesPerVoxel: NIFTI_TYPES[type][1],
    pixdim,
    voxOffset: rawOffset,
    slope: v1 ? f32(112) : f64(176),
    intercept: v1 ? f32(116) : f64(184),
    qformCode: v1 ? i16(252) : i32(344),
    sformCode: v1 ? i16(254) : i32(348),
    quatern: [xform(256, 352), xform(260, 360), xform(264, 368)],
    qoffset: [xform(268, 376), xform(272, 384), xform(276, 392)],
    srow: [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => xform(280 + 16 * r + 4 * c, 400 + 32 * r + 8 * c))),
    intent,
  };
}

export interface NiftiLayout {
  /** Voxels per 3-D volume, along i, j, k. */
  size: [number, number, number];
  volumes: number;
  volumeBytes: number;
  /** Where the voxels start, and the exact length the data file must have. */
  voxOffset: number;
  fileBytes: number;
}

/**
 * Checks what the header says about the data against itself and the file: the dimensions a
 * reader of one 3-D volume can handle, vox_offset past the header, a size that fits in memory.
 */
export function niftiLayout(h: NiftiHeader, bad: Bad): NiftiLayout {
  const [nx = 1, ny = 1, nz = 1, nt = 1, ...rest] = h.dims;
  if (h.intent >= 3000 && h.intent < 3100)
    throw bad(
      `it is a CIFTI-2 file (intent ${h.intent}) with dimensions ${h.dims.join('x')}, not an image volume`,
      'give a NIfTI image volume; CIFTI matrices are read with tools such as Connectome Workbench',
    );
  if (rest.some((n) => n > 1))
    throw bad(
      `it has ${h.dims.length} dimensions (${h.dims.join('x')}); mhub reads 3-D images and one volume of a 4-D image`,
      'split it into 3-D volumes (e.g. fslsplit) and give one',
    );
  const voxels = nx * ny * nz;
  const volumeBytes = voxels * h.bytesPerVoxel;
  if (!Number.isSafeInteger(volumeBytes * nt) || volumeBytes > MAX_VOLUME_BYTES)
    throw bad(
      `its dimensions ${h.dims.join('x')} declare ${(volumeBytes / 2 ** 30).toFixed(1)} GiB per volume, more than this machine can hold (${(MAX_VOLUME_BYTES / 2 ** 30).toFixed(1)} GiB)`,
      'check the file: a damaged or hostile header declares sizes its data does not have',
    );
  const minOffset = h.pair ? 0 : h.version === 1 ? 352 : 544;
  // vox_offset 0 in a single file is an old writer's way of saying "right after the header"
  // (nibabel reads it so too).
  const voxOffset = h.voxOffset === 0 && !h.pair ? minOffset : h.voxOffset;
  if (!(Number.isInteger(voxOffset) && voxOffset >= minOffset))
    throw bad(
      `vox_offset is ${h.voxOffset}, ${Number.isInteger(voxOffset) ? `inside the ${minOffset}-byte header` : 'not a whole number of bytes'}, so its header would be read as voxels`,
      'replace it with an intact copy (vox_offset must be at least 352 for NIfTI-1, 544 for NIfTI-2)',
    );
  return {
    size: [nx, ny, nz],
    volumes: nt,
    volumeBytes,
    voxOffset,
    fileBytes: voxOffset + volumeBytes * nt,
  };
}

export interface NiftiSpace {
  /** Voxel -> RAS affine, 4x4. */
  affine: number[][];
  space: Space;
  slope?: number;
  intercept?: number;
}

const finite = (xs: number[]) => xs.every(Number.isFinite);
/** Header floats as people wrote them (0.9, not float32's 0.8999999761581421). */
const show = (xs: number[]) => xs.map((x) => String(Number(x.toPrecision(7)))).join(', ');

/**
 * The transform the NIfTI standard says to use: sform when its code is set, else qform, else
 * method 1 (voxel index times pixdim, no claim about the patient: space 'none'). Non-finite or
 * degenerate transforms and scaling are refused.
 */
export function niftiSpace(h: NiftiHeader, bad: Bad): NiftiSpace {
  const fix = 'replace it with an intact copy, or re-save it with nibabel or dcm2niix';
  const spacing = () => {
    const sp = h.pixdim.slice(1, 4).map((p) => Math.abs(p));
    if (!finite(sp) || sp.some((p) => p === 0))
      throw bad(`pixdim (voxel spacing) ${show(h.pixdim.slice(1, 4))} is not finite and non-zero`, fix);
    return sp;
  };
  let affine: number[][];
  let code: number;
  if (h.sformCode > 0) {
    code = h.sformCode;
    affine = h.srow.map((row) => [...row]);
    if (!finite(affine.flat())) throw bad(`its sform (srow_x/y/z) holds ${show(affine.flat())}`, fix);
  } else if (h.qformCode > 0) {
    code = h.qformCode;
    const [b, c, d] = h.quatern;
    const [sx, sy, sz] = spacing();
    if (!finite([b, c, d, ...h.qoffset, h.pixdim[0]!]))
      throw bad(`its qform (quatern_b/c/d, qoffset_x/y/z) is not finite`, fix);
    // nifti1.h: a = sqrt(1 - b^2 - c^2 - d^2); nibabel refuses b^2+c^2+d^2 > 1 beyond float32 noise.
    const w2 = 1 - (b * b + c * c + d * d);
    if (w2 < -3 * 2 ** -23)
      throw bad(`its qform quaternion (b, c, d) = (${show([b, c, d])}) is longer than 1`, fix);
    const a = Math.sqrt(Math.max(0, w2));
    const qfac = h.pixdim[0]! < 0 ? -1 : 1;
    const R = [
      [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
      [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
      [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b],
    ];
    const sp = [sx!, sy!, sz! * qfac];
    affine = [0, 1, 2].map((r) => [
      R[r]![0]! * sp[0]!,
      R[r]![1]! * sp[1]!,
      R[r]![2]! * sp[2]!,
      h.qoffset[r]!,
    ]);
  } else {
    code = 0;
    const [sx, sy, sz] = spacing();
    affine = [
      [sx!, 0, 0, 0],
      [0, sy!, 0, 0],
      [0, 0, sz!, 0],
    ];
  }
  const [m0, m1, m2] = affine as [number[], number[], number[]];
  const det =
    m0[0]! * (m1[1]! * m2[2]! - m1[2]! * m2[1]!) -
    m0[1]! * (m1[0]! * m2[2]! - m1[2]! * m2[0]!) +
    m0[2]! * (m1[0]! * m2[1]! - m1[1]! * m2[0]!);
  // Only an sform can get here degenerate: a qform or pixdim grid has non-zero spacing by now.
  if (!(Math.abs(det) > 0)) throw bad('its sform is degenerate (zero volume per voxel)', fix);
  affine.push([0, 0, 0, 1]);
  const out: NiftiSpace = { affine, space: SPACE_BY_CODE.get(code) ?? 'aligned' };
  // nifti1.h: scl_slope 0 means "no scaling"; nibabel reads NaN so too.
  if (h.slope !== 0 && !Number.isNaN(h.slope)) {
    if (!Number.isFinite(h.slope) || !Number.isFinite(h.intercept))
      throw bad(`its scaling (scl_slope, scl_inter = ${show([h.slope, h.intercept])}) is not finite`, fix);
    if (h.slope !== 1 || h.intercept !== 0) {
      out.slope = h.slope;
      out.intercept = h.intercept;
    }
  }
  return out;
}
