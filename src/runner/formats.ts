// What the user gave: a DICOM folder, a NIfTI file or an NRRD file, told apart by name.
import { realpath, stat } from 'node:fs/promises';
import { MhubError } from '../errors.ts';

export type DataFormat = 'dicom' | 'nifti' | 'nrrd' | 'dicomseg' | 'seg.nrrd';

export interface UserData {
  path: string;
  format: DataFormat;
  /** For NIfTI: whether the file is gzip-compressed (.nii.gz). */
  gzipped?: boolean;
  /** For NIfTI: a .hdr/.img pair (the path names the .hdr), converted to one .nii.gz for models. */
  pair?: boolean;
}

export async function detectInput(given: string): Promise<UserData> {
  const info = await stat(given).catch(() => undefined);
  if (!info)
    throw new MhubError('NOT_FOUND', `input ${given} does not exist`, 'give an existing file or folder');
  // Resolved here, once: a hard link or bind mount of a symlink would point nowhere in a container.
  // The name (and so the format) is the one the user gave; the data is the link's target.
  const path = await realpath(given);
  const lower = given.toLowerCase();
  if (info.isDirectory()) return { path, format: 'dicom' };
  if (lower.endsWith('.nii.gz')) return { path, format: 'nifti', gzipped: true };
  if (lower.endsWith('.nii')) return { path, format: 'nifti', gzipped: false };
  if (/\.hdr(\.gz)?$/.test(lower)) return { path, format: 'nifti', pair: true };
  if (lower.endsWith('.seg.nrrd')) return { path, format: 'seg.nrrd' };
  if (lower.endsWith('.nrrd') || lower.endsWith('.nhdr')) return { path, format: 'nrrd' };
  if (lower.endsWith('.dcm')) return { path, format: 'dicom' };
  throw new MhubError(
    'INVALID_INPUT',
    `input ${given} is not a DICOM folder, NIfTI (.nii, .nii.gz, .hdr/.img) or NRRD (.nrrd) file`,
    'give a folder of DICOM files or a .nii.gz/.nrrd volume',
  );
}

/** The file name a `files`-interface model expects for an input in a given format. */
export function stagedInputName(id: string, format: DataFormat): string {
  if (format === 'nifti') return `${id}.nii.gz`;
  if (format === 'nrrd') return `${id}.nrrd`;
  return id; // DICOM: a folder
}
