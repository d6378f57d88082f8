// Volume -> a single-frame DICOM series (CT or MR Image Storage), for models that accept DICOM
// only. Stored as 16-bit integers with a rescale that restores the real values.
import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { MhubError } from '../../errors.ts';
import { writeAll } from '../../fsafe/index.ts';
import { noProgress, type Progress } from '../../progress.ts';
import { writeAtomic } from '../atomic.ts';
import { add, cross, type ImageInfo, scale, unit, type Volume } from '../volume.ts';
import { WRITTEN_CHARSET } from './charset.ts';
import { T, tag } from './dictionary.ts';
import { clip, dataset, type Encoded, el, fileMeta, newUid, nowDaTm, pixelDataHeader } from './write.ts';

const SOP_CLASS: Record<string, string> = {
  CT: '1.2.840.10008.5.1.4.1.1.2',
  MR: '1.2.840.10008.5.1.4.1.1.4',
};

export interface DicomSeriesOptions {
  /** Patient / study identifiers to carry (default: the volume's own info). */
  info?: ImageInfo;
  /** CT (default) or MR. */
  modality?: 'CT' | 'MR';
  seriesDescription?: string;
  seriesNumber?: number;
  progress?: Progress;
  /** Replace an existing output (moved aside until the new one is complete). */
  force?: boolean;
}

/** 16-bit stored values and the rescale that gives back the real values. */
function toStored(v: Volume): { stored: Int16Array | Uint16Array; slope: number; intercept: number } {
  const slope0 = v.rescale?.slope ?? 1;
  const intercept0 = v.rescale?.intercept ?? 0;
  if (v.data instanceof Int16Array || v.data instanceof Uint16Array) {
    return { stored: v.data, slope: slope0, intercept: intercept0 };
  }
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let integral = true;
  for (let n = 0; n < v.data.length; n++) {
    const x = v.data[n]!;
    if (x < min) min = x;
    if (x > max) max = x;
    if (integral && !Number.isInteger(x)) integral = false;
  }
  const stored = new Int16Array(v.data.length);
  if (integral && min >= -32768 && max <= 32767) {
    stored.set(v.data);
    return { stored, slope: slope0, intercept: intercept0 };
  }
  // Real-valued data: a linear map of [min, max] onto the int16 range.
  const step = max > min ? (max - min) / 65535 : 1;
  for (let n = 0; n < v.data.length; n++) stored[n] = Math.round((v.data[n]! - min) / step) - 32768;
  return { stored, slope: slope0 * step, intercept: intercept0 + slope0 * (min + 32768 * step) };
}

/** Writes `volume` as a series of single-frame files into folder `dir` (atomic). */
export async function writeDicomSeries(
  dir: string,
  volume: Volume,
  options: DicomSeriesOptions = {},
): Promise<string[]> {
  const progress = options.progress ?? noProgress;
  const modality = options.modality ?? (volume.info?.modality === 'MR' ? 'MR' : 'CT');
  const sopClass = SOP_CLASS[modality];
  if (!sopClass) throw new MhubError('USAGE', `cannot write modality ${modality} as DICOM`, 'use CT or MR');
  const info = { ...volume.info, ...options.info };
  const { stored, slope, intercept } = toStored(volume);
  const [nx, ny, nz] = volume.size;
  const [row, col] = volume.axes;
  const normal = unit(cross(row, col));
  const plane = nx * ny;
  const signed = stored instanceof Int16Array;
  const now = nowDaTm();
  const seriesUid = newUid();
  const studyUid = info.studyInstanceUid ?? newUid();
  const frameUid = info.frameOfReferenceUid ?? newUid();
  const t = tag;
  const common: Encoded[] = [
    el(t(0x0008, 0x0005), 'CS', WRITTEN_CHARSET),
    el(t(0x0008, 0x0008), 'CS', ['DERIVED', 'SECONDARY', 'AXIAL']),
    el(T.SOPClassUID, 'UI', sopClass),
    el(T.StudyDate, 'DA', info.studyDate ?? now.da),
    el(t(0x0008, 0x0021), 'DA', now.da),
    el(T.StudyTime, 'TM', info.studyTime ?? now.tm),
    el(t(0x0008, 0x0031), 'TM', now.tm),
    el(T.AccessionNumber, 'SH', info.accessionNumber),
    el(T.Modality, 'CS', modality),
    el(T.Manufacturer, 'LO', 'mhub'),
    el(t(0x0008, 0x0090), 'PN', ''),
    el(T.StudyDescription, 'LO', info.studyDescription),
    el(
      T.SeriesDescription,
      'LO',
      clip(options.seriesDescription ?? info.seriesDescription ?? 'converted by mhub'),
    ),
    el(T.PatientName, 'PN', info.patientName ?? ''),
    el(T.PatientID, 'LO', info.patientId ?? ''),
    el(T.PatientBirthDate, 'DA', info.patientBirthDate),
    el(T.PatientSex, 'CS', info.patientSex),
    el(T.SliceThickness, 'DS', volume.spacing[2]),
    el(T.StudyInstanceUID, 'UI', studyUid),
    el(T.SeriesInstanceUID, 'UI', seriesUid),
    el(T.StudyID, 'SH', info.studyId ?? ''),
    el(T.SeriesNumber, 'IS', options.seriesNumber ?? 1),
    el(T.AcquisitionNumber, 'IS', 1),
    el(T.ImageOrientationPatient, 'DS', [...row, ...col]),
    el(T.FrameOfReferenceUID, 'UI', frameUid),
    el(t(0x0020, 0x1040), 'LO', ''),
    el(T.SamplesPerPixel, 'US', 1),
    el(T.PhotometricInterpretation, 'CS', 'MONOCHROME2'),
    el(T.Rows, 'US', ny),
    el(T.Columns, 'US', nx),
    el(T.PixelSpacing, 'DS', [volume.spacing[1], volume.spacing[0]]),
    el(T.BitsAllocated, 'US', 16),
    el(T.BitsStored, 'US', 16),
    el(T.HighBit, 'US', 15),
    el(T.PixelRepresentation, 'US', signed ? 1 : 0),
    el(T.RescaleIntercept, 'DS', intercept),
    el(T.RescaleSlope, 'DS', slope),
    ...(modality === 'CT' ? [el(t(0x0018, 0x0060), 'DS', undefined), el(t(0x0028, 0x1054), 'LO', 'HU')] : []),
  ];
  const bytes = Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
  const names: string[] = [];
  await writeAtomic(
    dir,
    (temp) => {
      mkdirSync(temp, { recursive: true });
      for (let k = 0; k < nz; k++) {
        const sop = newUid();
        const position = add(volume.origin, scale(volume.axes[2], volume.spacing[2] * k));
        const body = dataset([
          ...common,
          el(T.SOPInstanceUID, 'UI', sop),
          el(T.InstanceNumber, 'IS', k + 1),
          el(T.ImagePositionPatient, 'DS', position),
          el(
            t(0x0020, 0x1041),
            'DS',
            position[0] * normal[0] + position[1] * normal[1] + position[2] * normal[2],
          ),
        ]);
        const name = `IM${String(k + 1).padStart(6, '0')}.dcm`;
        const fd = openSync(path.join(temp, name), 'w');
        try {
          const file = path.join(dir, name);
          writeAll(fd, fileMeta(sopClass, sop), file);
          writeAll(fd, body, file);
          writeAll(fd, pixelDataHeader('OW', plane * 2), file);
          writeAll(fd, bytes, file, k * plane * 2, plane * 2);
        } finally {
          closeSync(fd);
        }
        names.push(name);
        if (k % 32 === 31 || k === nz - 1)
          progress({ phase: 'write', done: k + 1, total: nz, message: 'DICOM slices' });
      }
    },
    { force: options.force },
  );
  return names.map((n) => path.join(dir, n));
}
