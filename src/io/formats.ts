// What `convert` can write; kept apart from the converters so the CLI can declare its options
// without loading them.
export type OutputFormat = 'nifti' | 'nrrd' | 'dicom' | 'dicomseg' | 'seg.nrrd';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['nifti', 'nrrd', 'dicom', 'dicomseg', 'seg.nrrd'];
