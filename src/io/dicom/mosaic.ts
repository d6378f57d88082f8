// Siemens MOSAIC images: one DICOM frame that tiles a whole 3-D volume (fMRI, DTI, ASL).
// Each tile becomes a slice, placed as dcm2niix and nibabel place them: ImagePositionPatient
// names the corner of the whole mosaic, so the first slice's corner is shifted by half the
// unused matrix, and the slices follow the CSA header's SliceNormalVector (the stored order),
// spaced by SpacingBetweenSlices (else SliceThickness).
import { add, cross, scale, unit, type Vec3 } from '../volume.ts';
import type { Instance } from './instance.ts';

/** The values of a Siemens CSA header ("SV10" layout), by element name; empty when absent. */
export function parseCsa(buf: Buffer | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!buf || buf.length < 16 || buf.toString('latin1', 0, 4) !== 'SV10') return out;
  const count = buf.readUInt32LE(8);
  let pos = 16;
  for (let n = 0; n < count && n < 1000; n++) {
    if (pos + 84 > buf.length) break;
    const name = buf.toString('latin1', pos, pos + 64).replace(/\0.*$/s, '');
    const items = buf.readInt32LE(pos + 76);
    pos += 84;
    const values: string[] = [];
    for (let k = 0; k < items; k++) {
      if (pos + 16 > buf.length) return out;
      const length = buf.readInt32LE(pos + 4);
      pos += 16;
      if (length < 0 || pos + length > buf.length) return out;
      const text = buf
        .toString('latin1', pos, pos + length)
        .replace(/\0.*$/s, '')
        .trim();
      if (text !== '') values.push(text);
      pos += Math.ceil(length / 4) * 4;
    }
    out.set(name, values);
  }
  return out;
}

export interface MosaicInfo {
  /** Tiles that hold slices (NumberOfImagesInMosaic). */
  count: number;
  /** From the CSA header when present: the direction the stored slices go. */
  sliceNormal?: Vec3;
}

/** A MOSAIC instance as one pseudo-instance per tile, each with its own plane position. */
export function expandMosaic(i: Instance): Instance[] | string {
  const m = i.mosaic!;
  const perSide = Math.ceil(Math.sqrt(m.count));
  if (!i.rows || !i.columns || i.rows % perSide || i.columns % perSide)
    return `its ${i.columns}x${i.rows} MOSAIC matrix does not split into ${perSide}x${perSide} tiles for ${m.count} slices`;
  if (!i.position || !i.orientation || !i.pixelSpacing)
    return 'its MOSAIC lacks ImagePositionPatient, ImageOrientationPatient or PixelSpacing';
  const rows = i.rows / perSide;
  const columns = i.columns / perSide;
  const o = i.orientation;
  const rowDir: Vec3 = [o[0], o[1], o[2]];
  const colDir: Vec3 = [o[3], o[4], o[5]];
  const normal = m.sliceNormal ? unit(m.sliceNormal) : unit(cross(rowDir, colDir));
  const step = i.spacingBetweenSlices ?? i.sliceThickness ?? 1;
  const corner = add(
    i.position,
    add(
      scale(rowDir, (i.pixelSpacing[1] * (i.columns - columns)) / 2),
      scale(colDir, (i.pixelSpacing[0] * (i.rows - rows)) / 2),
    ),
  );
  const { mosaic: _m, ...rest } = i;
  return Array.from({ length: m.count }, (_, n) => ({
    ...rest,
    rows,
    columns,
    position: add(corner, scale(normal, n * step)),
    instanceNumber: n + 1,
    tile: { index: n, perSide, mosaicColumns: i.columns!, mosaicRows: i.rows! },
  }));
}
