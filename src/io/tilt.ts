// Gantry tilt (CT) and other sheared grids: slices stacked along a direction that is not
// perpendicular to them. On request (`--tilt-correct`, as dcm2niix offers) the volume is
// resampled onto the orthogonal grid that shares its in-plane axes and spacing and is just
// large enough to hold every shifted slice (as dcm2niix's _Tilt_1 output: no voxel is cut off):
// each slice moves within its own plane (bilinear), nothing moves between slices. Voxels
// outside the scanned field take the volume's lowest value (air for CT).
import {
  add,
  cross,
  dot,
  SHEAR_TOLERANCE_DEGREES,
  scale,
  sub,
  unit,
  type Vec3,
  type Volume,
  type VoxelArray,
} from './volume.ts';

export interface TiltCorrection {
  /** Angle between the slice stacking direction and the slice normal, in degrees. */
  angleDegrees: number;
  /** Slice spacing along the normal after resampling (mm). */
  sliceSpacing: number;
  method: 'in-plane bilinear shift per slice';
  fill: number;
}

/** How far the stacking direction leans from the slice normal, in degrees (0 when orthogonal). */
export function shearAngle(v: Pick<Volume, 'axes' | 'size'>): number {
  if (v.size[2] < 2) return 0;
  const n = unit(cross(v.axes[0], v.axes[1]));
  const c = Math.min(1, Math.abs(dot(unit(v.axes[2]), n)));
  return (Math.acos(c) * 180) / Math.PI;
}

/** The volume on an orthogonal grid; unchanged (and no correction) when already orthogonal. */
export function correctTilt(v: Volume): { volume: Volume; correction?: TiltCorrection } {
  const angle = shearAngle(v);
  if (angle < SHEAR_TOLERANCE_DEGREES) return { volume: v };
  const [nx, ny, nz] = v.size;
  const [sx, sy, sz] = v.spacing;
  let n = unit(cross(v.axes[0], v.axes[1]));
  if (dot(v.axes[2], n) < 0) n = scale(n, -1);
  const step = scale(v.axes[2], sz);
  const dz = dot(step, n);
  const inPlane = sub(step, scale(n, dz));
  // Per slice k, slice k's voxel (i - k*du, j - k*dv) lies on the orthogonal grid's (i, j, k).
  const du = dot(inPlane, v.axes[0]) / sx;
  const dv = dot(inPlane, v.axes[1]) / sy;
  // The grid grows on the side the slices drift to (tolerance: a shift that lands on a voxel).
  const lowU = Math.floor(Math.min(0, (nz - 1) * du) + 1e-6);
  const lowV = Math.floor(Math.min(0, (nz - 1) * dv) + 1e-6);
  const mx = nx - lowU + Math.ceil(Math.max(0, (nz - 1) * du) - 1e-6);
  const my = ny - lowV + Math.ceil(Math.max(0, (nz - 1) * dv) - 1e-6);
  const src = v.data;
  let fill = Number.POSITIVE_INFINITY;
  for (let q = 0; q < src.length; q++) if (src[q]! < fill) fill = src[q]!;
  const out = new (src.constructor as new (n: number) => VoxelArray)(mx * my * nz);
  const integer = !(src instanceof Float32Array || src instanceof Float64Array);
  const plane = nx * ny;
  for (let k = 0; k < nz; k++) {
    const base = k * plane;
    const outBase = k * mx * my;
    for (let j = 0; j < my; j++) {
      const y = j + lowV - k * dv;
      const y0 = Math.floor(y);
      const fy = y - y0;
      for (let i = 0; i < mx; i++) {
        const x = i + lowU - k * du;
        const x0 = Math.floor(x);
        const fx = x - x0;
        const at = (xx: number, yy: number): number =>
          xx < 0 || yy < 0 || xx >= nx || yy >= ny ? fill : src[base + yy * nx + xx]!;
        // Exact sample points (no shear on this slice) need no neighbours.
        let value: number;
        if (fx < 1e-9 && fy < 1e-9) value = at(x0, y0);
        else
          value =
            (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) +
            fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1));
        out[outBase + j * mx + i] = integer ? Math.round(value) : value;
      }
    }
  }
  return {
    volume: {
      ...v,
      data: out,
      size: [mx, my, nz],
      spacing: [sx, sy, dz],
      origin: add(v.origin, add(scale(v.axes[0], lowU * sx), scale(v.axes[1], lowV * sy))) as Vec3,
      axes: [v.axes[0], v.axes[1], n],
    },
    correction: {
      angleDegrees: angle,
      sliceSpacing: dz,
      method: 'in-plane bilinear shift per slice',
      fill,
    },
  };
}

/** One line for result descriptions and sidecars. */
export function describeTilt(c: TiltCorrection): string {
  return `resampled from a ${c.angleDegrees.toFixed(2)} degree tilted/sheared grid to an orthogonal one (--tilt-correct: ${c.method}, slice spacing ${c.sliceSpacing.toFixed(4)} mm, outside filled with ${c.fill})`;
}
