// Puts a volume onto another grid when the two differ only by axis order and direction (a
// model that saved its output in RAS order, say). Anything else is a real mismatch.
import {
  allocate,
  dot,
  type Geometry,
  geometryMismatch,
  indexToPoint,
  norm,
  sub,
  type Volume,
  voxelType,
} from './volume.ts';

/** `v` on `target`'s grid when they match up to axis permutation and flips; else undefined. */
export function reorientTo(v: Volume, target: Geometry, tolerance = 0.01): Volume | undefined {
  if (!geometryMismatch(v, target, tolerance)) return v;
  // For each target axis: the source axis along it, and whether it runs the other way.
  const map: { axis: number; flip: boolean }[] = [];
  for (let t = 0; t < 3; t++) {
    const found = [0, 1, 2].find((s) => Math.abs(Math.abs(dot(v.axes[s]!, target.axes[t]!)) - 1) < 1e-4);
    if (found === undefined || map.some((m) => m.axis === found)) return undefined;
    if (v.size[found] !== target.size[t] || Math.abs(v.spacing[found]! - target.spacing[t]!) > 1e-3)
      return undefined;
    map.push({ axis: found, flip: dot(v.axes[found]!, target.axes[t]!) < 0 });
  }
  // The source voxel that lands on target voxel (0, 0, 0) must sit where the target's does.
  const start = [0, 0, 0] as [number, number, number];
  map.forEach((m, t) => {
    if (m.flip) start[m.axis] = target.size[t]! - 1;
  });
  if (norm(sub(indexToPoint(v, ...start), target.origin)) > tolerance) return undefined;
  const out = allocate(voxelType(v.data), v.data.length);
  const stride = [1, v.size[0], v.size[0] * v.size[1]];
  const [nx, ny, nz] = target.size;
  // Source offset of target index (i, j, k) = base + i*di + j*dj + k*dk.
  let base = 0;
  const step = map.map((m, t) => {
    const s = stride[m.axis]!;
    if (m.flip) base += (target.size[t]! - 1) * s;
    return m.flip ? -s : s;
  });
  let n = 0;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++) {
      let src = base + j * step[1]! + k * step[2]!;
      for (let i = 0; i < nx; i++, n++, src += step[0]!) out[n] = v.data[src]!;
    }
  return { ...v, ...target, data: out };
}
