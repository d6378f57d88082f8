// DICOM SEG -> label map + label table. Label value k is segment number k. Frames are placed
// by their ImagePositionPatient, onto a reference grid when given, else onto the grid the
// frames themselves span.
import { readFile } from 'node:fs/promises';
import { MhubError } from '../../errors.ts';
import { loadTerminology, type Terminology } from '../../registry/index.ts';
import { T, tag } from '../dicom/dictionary.ts';
import { type DataSet, ParseError, parseDicom } from '../dicom/parse.ts';
import { type Code, GENERIC_TISSUE, type LabelEntry } from '../labels.ts';
import { cross, dot, type Geometry, sub, unit, type Vec3, type Volume } from '../volume.ts';
import { codeFromItem, dicomLabToRgb } from './codes.ts';

export interface DicomSegContents {
  labelMap: Volume;
  labels: LabelEntry[];
  /** Voxels claimed by more than one segment (the higher segment number wins). */
  overlaps: number;
  referencedSeriesUid?: string;
  /** Text (segment labels, code meanings) that could not be decoded cleanly, with the file named. */
  warnings: string[];
}

const MaximumFractionalValue = tag(0x0062, 0x000e);

function codeKey(c: Code | undefined): string {
  return c ? `${c.scheme}^${c.value}` : '';
}

// Terminology ids by their codes, to name segments of SEGs written elsewhere.
function idIndex(terminology: Terminology): Map<string, string> {
  const index = new Map<string, string>();
  for (const id of terminology.ids()) {
    const r = terminology.resolve(id);
    if (!r) continue;
    const key = `${codeKey(r.type)}|${codeKey(r.modifier)}`;
    if (!index.has(key)) index.set(key, id);
  }
  return index;
}

function labelFromSegment(item: DataSet, index: Map<string, string>): LabelEntry {
  const value = item.number(T.SegmentNumber) ?? 0;
  const typeItem = item.seq(T.SegmentedPropertyTypeCodeSequence)[0];
  const regionItem = item.seq(T.AnatomicRegionSequence)[0];
  const type = typeItem ? codeFromItem(typeItem) : undefined;
  const modifierItem = typeItem?.seq(T.SegmentedPropertyTypeModifierCodeSequence)[0];
  const modifier = modifierItem ? codeFromItem(modifierItem) : undefined;
  const category = item.seq(T.SegmentedPropertyCategoryCodeSequence)[0];
  const region = regionItem ? codeFromItem(regionItem) : undefined;
  const regionModifierItem = regionItem?.seq(T.AnatomicRegionModifierSequence)[0];
  const regionModifier = regionModifierItem ? codeFromItem(regionModifierItem) : undefined;
  const lab = item.numbers(T.RecommendedDisplayCIELabValue);
  let id = index.get(`${codeKey(type)}|${codeKey(modifier)}`);
  if (id && region) {
    const regionId = index.get(`${codeKey(region)}|${codeKey(regionModifier)}`);
    id = regionId ? `${regionId}+${id}` : undefined;
  }
  const entry: LabelEntry = {
    value,
    ...(id ? { id } : {}),
    name: item.string(T.SegmentLabel) || type?.meaning || `Segment ${value}`,
    color: lab.length === 3 ? dicomLabToRgb(lab) : [128, 128, 128],
    category: (category && codeFromItem(category)) || GENERIC_TISSUE,
    type: type ?? GENERIC_TISSUE,
  };
  if (modifier) entry.modifier = modifier;
  if (region) entry.region = region;
  if (regionModifier) entry.regionModifier = regionModifier;
  return entry;
}

/** Reads a binary or fractional DICOM SEG (fractional values >= half the maximum count as in). */
export async function readDicomSeg(
  file: string,
  options: { reference?: Geometry; terminology?: Terminology } = {},
): Promise<DicomSegContents> {
  const buf = await readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new MhubError('NOT_FOUND', `${file} cannot be read (${error.code})`, 'check the path');
  });
  const bad = (why: string) =>
    new MhubError('INVALID_INPUT', `${file} is not a readable DICOM SEG: ${why}`, 'give a DICOM SEG file');
  let d: DataSet;
  let pixelOffset: number;
  try {
    const parsed = parseDicom(buf);
    d = parsed.dataset;
    if (!parsed.pixelData || parsed.pixelData.length < 0) throw bad('it has no native pixel data');
    pixelOffset = parsed.pixelData.offset;
  } catch (error) {
    if (error instanceof ParseError) throw bad(error.message);
    throw error;
  }
  if (d.string(T.Modality) !== 'SEG')
    throw bad(`its modality is ${d.string(T.Modality) || 'missing'}, not SEG`);
  const segType = d.string(T.SegmentationType);
  const bits = d.number(T.BitsAllocated);
  if (!((segType === 'BINARY' && bits === 1) || (segType === 'FRACTIONAL' && bits === 8))) {
    throw bad(`SegmentationType ${segType} with ${bits} bits is not supported`);
  }
  const rows = d.number(T.Rows)!;
  const cols = d.number(T.Columns)!;
  const frameCount = d.number(T.NumberOfFrames) ?? 1;
  const shared = d.seq(T.SharedFunctionalGroupsSequence)[0];
  const perFrame = d.seq(T.PerFrameFunctionalGroupsSequence);
  if (perFrame.length !== frameCount)
    throw bad(`it has ${perFrame.length} per-frame items for ${frameCount} frames`);
  const fromGroups = (frame: DataSet, seqTag: number, valueTag: number): number[] => {
    const own = frame.seq(seqTag)[0];
    if (own?.has(valueTag)) return own.numbers(valueTag);
    return shared?.seq(seqTag)[0]?.numbers(valueTag) ?? [];
  };
  const first = perFrame[0]!;
  const iop = fromGroups(first, T.PlaneOrientationSequence, T.ImageOrientationPatient);
  const ps = fromGroups(first, T.PixelMeasuresSequence, T.PixelSpacing);
  if (iop.length !== 6 || ps.length !== 2) throw bad('it lacks plane orientation or pixel spacing');
  const row: Vec3 = [iop[0]!, iop[1]!, iop[2]!];
  const col: Vec3 = [iop[3]!, iop[4]!, iop[5]!];
  const positions = perFrame.map(
    (f) => fromGroups(f, T.PlanePositionSequence, T.ImagePositionPatient) as Vec3,
  );
  const segmentOf = perFrame.map(
    (f) => fromGroups(f, T.SegmentIdentificationSequence, T.ReferencedSegmentNumber)[0] ?? 0,
  );

  let geometry = options.reference;
  if (!geometry) {
    const normal = unit(cross(row, col));
    const along = positions.map((p) => dot(p, normal));
    const unique = [...new Set(along.map((a) => Math.round(a * 1000) / 1000))].sort((a, b) => a - b);
    const declared = fromGroups(first, T.PixelMeasuresSequence, T.SpacingBetweenSlices)[0];
    const gaps = unique.slice(1).map((u, i) => u - unique[i]!);
    const step = declared ?? (gaps.length ? Math.min(...gaps) : 1);
    const lowest = positions[along.indexOf(Math.min(...along))]!;
    const nz = unique.length ? Math.round((unique.at(-1)! - unique[0]!) / step) + 1 : 1;
    geometry = {
      size: [cols, rows, nz],
      spacing: [ps[1]!, ps[0]!, step],
      origin: [...lowest],
      axes: [row, col, normal],
    };
  }
  const [nx, ny, nz] = geometry.size;
  if (nx !== cols || ny !== rows) throw bad(`its frames are ${cols}x${rows}, the reference grid ${nx}x${ny}`);
  const data = segmentOf.some((s) => s > 255) ? new Uint16Array(nx * ny * nz) : new Uint8Array(nx * ny * nz);
  const plane = nx * ny;
  const sliceAxis = geometry.axes[2];
  const normal = unit(cross(geometry.axes[0], geometry.axes[1]));
  const perSlice = dot(sliceAxis, normal) * geometry.spacing[2];
  const threshold = segType === 'FRACTIONAL' ? (d.number(MaximumFractionalValue) ?? 255) / 2 : 0;
  let overlaps = 0;
  for (let f = 0; f < frameCount; f++) {
    const k = Math.round(dot(sub(positions[f]!, geometry.origin), normal) / perSlice);
    if (!(k >= 0 && k < nz)) throw bad(`frame ${f + 1} lies outside the reference grid (slice ${k})`);
    const seg = segmentOf[f]!;
    const base = k * plane;
    const set = (n: number) => {
      if (data[base + n] !== 0 && data[base + n] !== seg) overlaps++;
      data[base + n] = seg;
    };
    if (bits === 1 && plane % 8 === 0) {
      // Byte-aligned frames: skip empty bytes, most of a segmentation.
      const start = pixelOffset + (f * plane) / 8;
      for (let b = 0; b < plane / 8; b++) {
        const byte = buf[start + b]!;
        if (byte === 0) continue;
        for (let bit = 0; bit < 8; bit++) if (byte & (1 << bit)) set(b * 8 + bit);
      }
    } else if (bits === 1) {
      for (let n = 0; n < plane; n++) {
        const bit = f * plane + n;
        if (buf[pixelOffset + Math.floor(bit / 8)]! & (1 << (bit % 8))) set(n);
      }
    } else {
      for (let n = 0; n < plane; n++) {
        const v = buf[pixelOffset + f * plane + n]!;
        if (v > 0 && v >= threshold) set(n);
      }
    }
  }
  const index = idIndex(options.terminology ?? loadTerminology());
  const labels = d.seq(T.SegmentSequence).map((item) => labelFromSegment(item, index));
  const referenced = d.seq(T.ReferencedSeriesSequence)[0]?.string(T.SeriesInstanceUID);
  return {
    labelMap: { ...geometry, data },
    labels,
    overlaps,
    ...(referenced ? { referencedSeriesUid: referenced } : {}),
    warnings: d.charset.warnings.map((w) => `${file}: ${w}`),
  };
}
