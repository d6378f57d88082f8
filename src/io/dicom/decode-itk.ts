// Compressed pixel data (JPEG, JPEG-LS, JPEG 2000, RLE) decoded by itk-wasm's DICOM series
// reader (GDCM/DCMTK compiled to WebAssembly, shipped in the npm package, runs offline). Loaded
// only when a series needs it. Geometry stays ours (from the headers); only voxels come from ITK.
import { MhubError } from '../../errors.ts';
import type { VoxelArray } from '../volume.ts';
import type { SeriesSummary } from './scan.ts';

/** Transfer syntaxes itk-wasm decodes. */
export const ITK_DECODABLE = new Set([
  '1.2.840.10008.1.2.4.50',
  '1.2.840.10008.1.2.4.51',
  '1.2.840.10008.1.2.4.57',
  '1.2.840.10008.1.2.4.70',
  '1.2.840.10008.1.2.4.80',
  '1.2.840.10008.1.2.4.81',
  '1.2.840.10008.1.2.4.90',
  '1.2.840.10008.1.2.4.91',
  '1.2.840.10008.1.2.5',
]);

/** Real-valued voxels (rescale applied by ITK) in our sorted slice order. */
export async function decodeWithItk(series: SeriesSummary): Promise<VoxelArray> {
  const { readImageDicomFileSeriesNode } = await import('@itk-wasm/dicom');
  const files = series.instances.map((i) => i.path);
  let result: Awaited<ReturnType<typeof readImageDicomFileSeriesNode>>;
  try {
    result = await readImageDicomFileSeriesNode({ inputImages: files, singleSortedSeries: false });
  } catch (error) {
    throw new MhubError(
      'INVALID_INPUT',
      `series ${series.seriesInstanceUid}: its compressed pixel data could not be decoded (${(error as Error).message})`,
      "decompress it first, e.g. with 'gdcmconv --raw'",
    );
  }
  const image = result.outputImage;
  const first = series.instances[0]!;
  const [nx, ny, nz] = [first.columns!, first.rows!, files.length];
  if (image.size.join() !== [nx, ny, nz].join() || !image.data) {
    throw new MhubError(
      'INVALID_INPUT',
      `series ${series.seriesInstanceUid}: the decoder returned ${image.size.join('x')} voxels, the headers say ${nx}x${ny}x${nz}`,
      'check the series for inconsistent slices',
    );
  }
  const data = image.data as VoxelArray;
  const order = (result.sortedFilenames ?? []) as string[];
  if (order[0] === files[0]) return narrow(data);
  if (order[0] !== files[nz - 1]) {
    throw new MhubError(
      'INTERNAL',
      'the DICOM decoder sorted the slices differently',
      'report this with the series',
    );
  }
  // ITK sorted the other way along the normal: reverse the slices.
  const plane = nx * ny;
  const out = new (data.constructor as new (n: number) => VoxelArray)(data.length);
  for (let k = 0; k < nz; k++) out.set(data.subarray((nz - 1 - k) * plane, (nz - k) * plane), k * plane);
  return narrow(out);
}

/** int32 voxels that fit int16 become int16 (half the memory and file size). */
function narrow(data: VoxelArray): VoxelArray {
  if (!(data instanceof Int32Array)) return data;
  for (let n = 0; n < data.length; n++) if (data[n]! < -32768 || data[n]! > 32767) return data;
  return Int16Array.from(data);
}
