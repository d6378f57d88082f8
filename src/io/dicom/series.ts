// A scanned single-frame DICOM series -> Volume. Slices are read straight from each file's
// pixel data offset into one preallocated buffer: no per-file copies, no re-parsing.
import { MhubError } from '../../errors.ts';
import { noProgress, type Progress } from '../../progress.ts';
import {
  allocate,
  cross,
  type Geometry,
  type ImageInfo,
  MAX_VOLUME_BYTES,
  norm,
  scale,
  sub,
  unit,
  type Vec3,
  type Volume,
  type VoxelType,
} from '../volume.ts';
import { decodeWithItk } from './decode-itk.ts';
import type { Instance } from './instance.ts';
import { PixelReader } from './pixels.ts';
import { describeSeries, isNativeTransferSyntax, type SeriesSummary } from './scan.ts';

function voxelTypeOf(i: Instance): VoxelType {
  const signed = i.pixelRepresentation === 1;
  if (i.bitsAllocated === 8) return signed ? 'int8' : 'uint8';
  if (i.bitsAllocated === 16) return signed ? 'int16' : 'uint16';
  if (i.bitsAllocated === 32) return signed ? 'int32' : 'uint32';
  throw new MhubError(
    'INVALID_INPUT',
    `${i.path}: BitsAllocated ${i.bitsAllocated} is not supported`,
    'convert the series to 8, 16 or 32 bits per pixel',
  );
}

/** The voxel grid of a sorted single-frame series (k follows the sorted slices). */
export function seriesGeometry(series: SeriesSummary): Geometry {
  const slices = series.instances;
  const first = slices[0]!;
  const nz = slices.length;
  const o = first.orientation!;
  const rowDir: Vec3 = [o[0], o[1], o[2]];
  const colDir: Vec3 = [o[3], o[4], o[5]];
  let sliceDir = unit(cross(rowDir, colDir));
  // One slice: the step a stack would have (dcm2niix's choice), else its thickness.
  let sliceSpacing = first.spacingBetweenSlices ?? first.sliceThickness ?? 1;
  if (nz > 1) {
    // The mean step between slices: exact for even spacing, and right for gantry tilt too.
    const step = scale(sub(slices[nz - 1]!.position!, first.position!), 1 / (nz - 1));
    sliceSpacing = norm(step);
    sliceDir = unit(step);
  }
  return {
    size: [first.columns!, first.rows!, nz],
    spacing: [first.pixelSpacing![1], first.pixelSpacing![0], sliceSpacing],
    origin: [...first.position!],
    axes: [rowDir, colDir, sliceDir],
  };
}

/** Reads an image series found by scanDicom into one volume (LPS geometry, rescale kept). */
export async function readDicomSeries(
  series: SeriesSummary,
  options: { progress?: Progress } = {},
): Promise<Volume> {
  const progress = options.progress ?? noProgress;
  if (series.problems.length > 0) {
    throw new MhubError(
      'INVALID_INPUT',
      `series ${describeSeries(series)} cannot be read as a volume: ${series.problems.join('; ')}`,
      'fix the series or pick another with --series',
    );
  }
  const slices = series.instances;
  const first = slices[0]!;
  checkSize(series);
  if (first.samplesPerPixel !== 1) {
    throw new MhubError(
      'INVALID_INPUT',
      `${first.path}: colour images (SamplesPerPixel ${first.samplesPerPixel}) are not supported`,
      'give a greyscale series',
    );
  }
  if (!series.transferSyntaxes.every(isNativeTransferSyntax)) {
    const data = await decodeWithItk(series);
    options.progress?.({
      phase: 'read',
      done: series.instances.length,
      total: series.instances.length,
      message: 'slices (decoded)',
    });
    // ITK applies the rescale pair, not RT Dose's DoseGridScaling: that stays ours.
    const dose = first.doseGridScaling;
    const doseRescale = dose !== undefined && dose !== 1 ? { rescale: { slope: dose, intercept: 0 } } : {};
    return { ...seriesGeometry(series), data, ...doseRescale, info: infoOf(first) };
  }
  const type = voxelTypeOf(first);
  const nx = first.columns!;
  const ny = first.rows!;
  const nz = slices.length;
  const bytes = first.bitsAllocated! / 8;
  const sliceBytes = nx * ny * bytes;
  const buffer = new ArrayBuffer(sliceBytes * nz);
  const view = Buffer.from(buffer);
  const reader = new PixelReader();
  slices.forEach((s, k) => {
    reader.read(s, view, k * sliceBytes, sliceBytes);
    if (k % 32 === 31 || k === nz - 1) progress({ phase: 'read', done: k + 1, total: nz, message: 'slices' });
  });
  let data = allocate(type, nx * ny * nz, buffer);
  if (first.pixelRepresentation === 1 && first.bitsStored && first.bitsStored < first.bitsAllocated!) {
    // Sign-extend values stored in fewer bits than allocated.
    const bits = 32 - first.bitsStored;
    for (let n = 0; n < data.length; n++) data[n] = (data[n]! << bits) >> bits;
  }
  let rescale: Volume['rescale'] = { slope: first.rescaleSlope, intercept: first.rescaleIntercept };
  if (
    slices.some((s) => s.rescaleSlope !== first.rescaleSlope || s.rescaleIntercept !== first.rescaleIntercept)
  ) {
    // Per-slice scaling (common in PET): apply it, since one volume has one scale.
    const real = new Float32Array(data.length);
    const plane = nx * ny;
    slices.forEach((s, k) => {
      for (let n = k * plane; n < (k + 1) * plane; n++)
        real[n] = data[n]! * s.rescaleSlope + s.rescaleIntercept;
    });
    data = real;
    rescale = undefined;
  } else if (rescale.slope === 1 && rescale.intercept === 0) rescale = undefined;

  return {
    ...seriesGeometry(series),
    data,
    ...(rescale ? { rescale } : {}),
    info: infoOf(first),
  };
}

/** Refuses a volume whose declared size cannot be held, before anything is allocated. */
function checkSize(series: SeriesSummary): void {
  const first = series.instances[0]!;
  const nz = series.instances.length;
  const bytes = Math.max(first.bitsAllocated ?? 16, 16) / 8;
  const total = (first.columns ?? 0) * (first.rows ?? 0) * nz * first.samplesPerPixel * bytes;
  if (total > MAX_VOLUME_BYTES) {
    throw new MhubError(
      'INVALID_INPUT',
      `series ${describeSeries(series)} declares ${first.columns}x${first.rows}x${nz} voxels (${(total / 1024 ** 3).toFixed(1)} GiB), more than the ${(MAX_VOLUME_BYTES / 1024 ** 3).toFixed(1)} GiB this machine can hold (half its memory)`,
      'check Rows, Columns and the number of slices in that series; a genuine volume this large needs a machine with more memory',
    );
  }
}

function infoOf(first: Instance): ImageInfo {
  return {
    patientName: first.patientName,
    patientId: first.patientId,
    patientBirthDate: first.patientBirthDate,
    patientSex: first.patientSex,
    studyInstanceUid: first.studyInstanceUid,
    studyDate: first.studyDate,
    studyTime: first.studyTime,
    studyId: first.studyId,
    accessionNumber: first.accessionNumber,
    studyDescription: first.studyDescription,
    seriesDescription: first.seriesDescription,
    modality: first.modality,
    frameOfReferenceUid: first.frameOfReferenceUid,
  };
}
