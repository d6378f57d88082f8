// The in-memory image every reader returns and every writer takes: voxels in one typed array
// (i fastest, then j, then k) plus geometry in DICOM/ITK patient space (LPS, millimetres).
import { totalmem } from 'node:os';

export type Vec3 = [number, number, number];

export type VoxelArray =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array;

/**
 * The largest volume mhub reads into memory: half the machine's memory. A header that declares
 * more is refused before anything is allocated.
 */
export const MAX_VOLUME_BYTES = Math.floor(totalmem() / 2);

/**
 * Axes closer to perpendicular than this (degrees) count as orthogonal: one rule for the NIfTI
 * writer's qform (none for a sheared grid) and for tilt detection and correction.
 */
export const SHEAR_TOLERANCE_DEGREES = 1e-3;

/** The worst angle by which any two of the grid's axes miss being perpendicular, in degrees. */
export function skewDegrees(axes: readonly [Vec3, Vec3, Vec3]): number {
  const [a, b, c] = axes.map(unit) as [Vec3, Vec3, Vec3];
  const worst = Math.max(Math.abs(dot(a, b)), Math.abs(dot(a, c)), Math.abs(dot(b, c)));
  return 90 - (Math.acos(Math.min(1, worst)) * 180) / Math.PI;
}

export type VoxelType = 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'float64';

export interface Geometry {
  /** Voxels along i, j, k. */
  size: Vec3;
  /** Millimetres between voxel centres along i, j, k. */
  spacing: Vec3;
  /** LPS position of the centre of voxel (0, 0, 0). */
  origin: Vec3;
  /** Unit LPS directions of the i, j and k axes (ITK's direction matrix, by column). */
  axes: [Vec3, Vec3, Vec3];
}

/** Patient and study identifiers carried from DICOM, or given for a DICOM series we write. */
export interface ImageInfo {
  patientName?: string;
  patientId?: string;
  patientBirthDate?: string;
  patientSex?: string;
  studyInstanceUid?: string;
  studyDate?: string;
  studyTime?: string;
  studyId?: string;
  accessionNumber?: string;
  studyDescription?: string;
  seriesDescription?: string;
  modality?: string;
  frameOfReferenceUid?: string;
}

/**
 * What a volume's coordinates mean. Absent or 'scanner': patient space (DICOM's, NIfTI code 1).
 * 'none': the file had no transform (NIfTI qform and sform codes 0), so positions are voxel index
 * times spacing (NIfTI method 1) and say nothing about the patient. The others are NIfTI's codes
 * 2-5 (aligned to another image, Talairach, MNI, another template).
 */
export type Space = 'scanner' | 'none' | 'aligned' | 'talairach' | 'mni' | 'template';

export interface Volume extends Geometry {
  data: VoxelArray;
  space?: Space;
  /** Stored value -> real value (DICOM rescale, NIfTI scl_*): real = stored * slope + intercept. */
  rescale?: { slope: number; intercept: number };
  info?: ImageInfo;
}

export function voxelType(data: VoxelArray): VoxelType {
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Uint32Array) return 'uint32';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Float32Array) return 'float32';
  return 'float64';
}

export function allocate(type: VoxelType, n: number, buffer?: ArrayBuffer, offset = 0): VoxelArray {
  const ctor = {
    uint8: Uint8Array,
    int8: Int8Array,
    uint16: Uint16Array,
    int16: Int16Array,
    uint32: Uint32Array,
    int32: Int32Array,
    float32: Float32Array,
    float64: Float64Array,
  }[type];
  return buffer ? new ctor(buffer, offset, n) : new ctor(n);
}

export const voxelCount = (g: Pick<Geometry, 'size'>): number => g.size[0] * g.size[1] * g.size[2];

export const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
export const cross = (a: Vec3, b: Vec3): Vec3 => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];
export const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
export const add = (a: Vec3, b: Vec3): Vec3 => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
export const scale = (a: Vec3, s: number): Vec3 => [a[0] * s, a[1] * s, a[2] * s];
export const norm = (a: Vec3): number => Math.sqrt(dot(a, a));
export const unit = (a: Vec3): Vec3 => scale(a, 1 / norm(a));

/** LPS position of voxel index (i, j, k). */
export function indexToPoint(g: Geometry, i: number, j: number, k: number): Vec3 {
  const [a, b, c] = g.axes;
  const [si, sj, sk] = g.spacing;
  return [
    g.origin[0] + a[0] * si * i + b[0] * sj * j + c[0] * sk * k,
    g.origin[1] + a[1] * si * i + b[1] * sj * j + c[1] * sk * k,
    g.origin[2] + a[2] * si * i + b[2] * sj * j + c[2] * sk * k,
  ];
}

/** The 4x4 voxel-to-RAS matrix (NIfTI sform), row-major. */
export function rasAffine(g: Geometry): number[][] {
  const m: number[][] = [];
  for (let r = 0; r < 3; r++) {
    const flip = r < 2 ? -1 : 1; // LPS -> RAS
    m.push([
      flip * g.axes[0][r]! * g.spacing[0],
      flip * g.axes[1][r]! * g.spacing[1],
      flip * g.axes[2][r]! * g.spacing[2],
      flip * g.origin[r]!,
    ]);
  }
  m.push([0, 0, 0, 1]);
  return m;
}

/** Geometry from a voxel-to-RAS affine (columns give axes times spacing). */
export function geometryFromRasAffine(m: number[][], size: Vec3): Geometry {
  const col = (c: number): Vec3 => [-m[0]![c]!, -m[1]![c]!, m[2]![c]!];
  const spacing = [0, 1, 2].map((c) => norm(col(c))) as Vec3;
  const axes = [0, 1, 2].map((c) => (spacing[c]! > 0 ? unit(col(c)) : ([0, 0, 0] as Vec3))) as [
    Vec3,
    Vec3,
    Vec3,
  ];
  return { size, spacing, origin: col(3), axes };
}

/**
 * Why two geometries differ (size, or voxel positions more than `tolerance` mm apart at the
 * corners), or undefined when they match.
 */
export function geometryMismatch(a: Geometry, b: Geometry, tolerance = 1e-3): string | undefined {
  if (a.size.some((n, i) => n !== b.size[i]))
    return `size ${a.size.join('x')} differs from ${b.size.join('x')}`;
  const last = (g: Geometry): Vec3 => [g.size[0] - 1, g.size[1] - 1, g.size[2] - 1];
  for (const idx of [
    [0, 0, 0],
    last(a),
    [last(a)[0], 0, 0],
    [0, last(a)[1], 0],
    [0, 0, last(a)[2]],
  ] as Vec3[]) {
    const pa = indexToPoint(a, ...idx);
    const pb = indexToPoint(b, ...idx);
    if (norm(sub(pa, pb)) > tolerance) {
      return `voxel (${idx.join(', ')}) lies at (${pa.map((v) => v.toFixed(3)).join(', ')}) in one and (${pb
        .map((v) => v.toFixed(3))
        .join(', ')}) in the other`;
    }
  }
  return undefined;
}

export function geometryOf(v: Geometry): Geometry {
  return { size: [...v.size], spacing: [...v.spacing], origin: [...v.origin], axes: [...v.axes] };
}
