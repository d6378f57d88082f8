// The standard I/O API: DICOM discovery, volume conversions, result writers and readers.
// The runner and the CLI import from here only.
export { writeAtomic } from './atomic.ts';
export {
  type ConvertOptions,
  type ConvertResult,
  convert,
  OUTPUT_FORMATS,
  type OutputFormat,
} from './convert.ts';
export type { Instance } from './dicom/instance.ts';
export {
  type DicomScan,
  describeSeries,
  pickSeries,
  type SeriesKind,
  type SeriesSummary,
  type StudySummary,
  scanDicom,
} from './dicom/scan.ts';
export { readDicomSeries, seriesGeometry } from './dicom/series.ts';
export { type DicomSeriesOptions, writeDicomSeries } from './dicom/write-series.ts';
export { DEFAULT_GZIP_LEVEL } from './gzip.ts';
export {
  type Code,
  checkLabelValues,
  GENERIC_TISSUE,
  type LabelEntry,
  labelsFromJson,
  labelsFromSegments,
  loadLabels,
} from './labels.ts';
export { readNifti, writeNifti } from './nifti.ts';
export { applyRescale, type NrrdImage, readNrrd, writeNrrd } from './nrrd.ts';
export {
  detectFormat,
  type Format,
  onGrid,
  type ReadImageResult,
  type ReadLabelMapResult,
  readLabelMap,
  readReference,
  readVolume,
} from './read.ts';
export { reorientTo } from './reorient.ts';
export { type DicomSegContents, readDicomSeg } from './seg/read.ts';
export { type DicomSegOptions, type DicomSegResult, SEG_SOP_CLASS, writeDicomSeg } from './seg/write.ts';
export { readSegNrrd, terminologyEntry, writeSegNrrd } from './segnrrd.ts';
export { readSidecar, sidecarPath, writeLabelMapNifti } from './sidecar.ts';
export { correctTilt, describeTilt, shearAngle, type TiltCorrection } from './tilt.ts';
export {
  type Geometry,
  geometryMismatch,
  type ImageInfo,
  rasAffine,
  type Vec3,
  type Volume,
  type VoxelArray,
  type VoxelType,
} from './volume.ts';
