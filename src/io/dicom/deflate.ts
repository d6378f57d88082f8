// Deflated Explicit VR Little Endian (1.2.840.10008.1.2.1.99): the dataset after the meta group
// is one raw deflate stream. Inflating is bounded: zlib stops as soon as the output passes the
// limit (Node checks while it inflates), so a small file that claims to hold gigabytes is
// refused before it takes the memory.
import { constants, inflateRawSync } from 'node:zlib';
import { ParseError, TruncatedError } from './parse-errors.ts';

/** No DICOM dataset this reader inflates may exceed this (voxels plus header). */
export const INFLATE_CEILING = 2 * 1024 ** 3;
/** The header part (everything before the pixel data) may not inflate past this. */
const HEAD_CEILING = 64 * 1024 ** 2;

/** A deflate stream that decompresses to more than its header (or the ceiling) allows. */
export class InflateLimitError extends ParseError {}

function tooLarge(error: unknown): boolean {
  return (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError;
}

/**
 * Inflates the first `prefix` compressed bytes, as far as they go (enough for the header):
 * at most HEAD_CEILING bytes come out.
 */
export function inflateHead(compressed: Buffer, prefix: number): Buffer {
  try {
    return inflateRawSync(compressed.subarray(0, prefix), {
      finishFlush: constants.Z_SYNC_FLUSH,
      maxOutputLength: HEAD_CEILING,
    });
  } catch (error) {
    if (tooLarge(error))
      throw new InflateLimitError(`its deflated header decompresses to more than ${HEAD_CEILING} bytes`);
    throw new ParseError(`its deflated dataset is damaged (${(error as Error).message})`);
  }
}

/** Inflates the whole dataset, refusing it once more than `limit` bytes come out. */
export function inflateDataset(compressed: Buffer, limit = INFLATE_CEILING): Buffer {
  const cap = Math.min(limit, INFLATE_CEILING);
  try {
    return inflateRawSync(compressed, { maxOutputLength: cap });
  } catch (error) {
    if (tooLarge(error))
      throw new InflateLimitError(
        `its deflated dataset decompresses to more than ${cap} bytes, more than its header declares`,
      );
    if ((error as { code?: string }).code === 'Z_BUF_ERROR')
      throw new TruncatedError('the file ends inside its deflated dataset');
    throw new ParseError(`its deflated dataset is damaged (${(error as Error).message})`);
  }
}
