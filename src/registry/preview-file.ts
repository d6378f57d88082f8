// A card's contributed preview image (card.preview.path). The schema only sees a path, so this
// reads the file: it must lie in the repository, be a real PNG, JPEG or WebP (judged by its
// magic bytes and header, never by its name), stay within PREVIEW_MAX_BYTES and have sane
// dimensions. It runs where cards are read from disk (validateCards); the PR bot's text-only
// check of a diff cannot see the file and leaves it to `mhub registry validate` in CI.
import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { cardRepo } from './paths.ts';

/** The site copies the file as is: a larger one would slow every result list it appears in. */
export const PREVIEW_MAX_BYTES = 1024 * 1024;
/** Smaller is not a readable preview, larger is a photo that was never resized. */
export const PREVIEW_MIN_SIDE = 32;
export const PREVIEW_MAX_SIDE = 4096;

export type PreviewFormat = 'png' | 'jpeg' | 'webp';
export interface ImageHeader {
  format: PreviewFormat;
  width: number;
  height: number;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Format and size read from an image's header, or undefined when it is none of the three. */
export function imageHeader(data: Buffer): ImageHeader | undefined {
  if (data.length >= 24 && data.subarray(0, 8).equals(PNG_SIGNATURE)) {
    if (data.toString('latin1', 12, 16) !== 'IHDR') return undefined;
    return { format: 'png', width: data.readUInt32BE(16), height: data.readUInt32BE(20) };
  }
  if (data.length >= 4 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return jpegHeader(data);
  if (
    data.length >= 30 &&
    data.toString('latin1', 0, 4) === 'RIFF' &&
    data.toString('latin1', 8, 12) === 'WEBP'
  )
    return webpHeader(data);
  return undefined;
}

/** The frame size is in the first SOFn segment; the segments before it are skipped by length. */
function jpegHeader(data: Buffer): ImageHeader | undefined {
  let at = 2;
  while (at + 9 < data.length) {
    if (data[at] !== 0xff) return undefined;
    const marker = data[at + 1]!;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    // SOF0-SOF15 but DHT (C4), JPG (C8) and DAC (CC), which share the range.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc)
      return { format: 'jpeg', height: data.readUInt16BE(at + 5), width: data.readUInt16BE(at + 7) };
    if (marker === 0xd9 || marker === 0xda) return undefined; // end or scan before any frame header
    at += 2 + data.readUInt16BE(at + 2);
  }
  return undefined;
}

/** Lossy (VP8), lossless (VP8L) and extended (VP8X) WebP keep the size in different places. */
function webpHeader(data: Buffer): ImageHeader | undefined {
  const chunk = data.toString('latin1', 12, 16);
  if (chunk === 'VP8 ' && data[23] === 0x9d && data[24] === 0x01 && data[25] === 0x2a)
    return { format: 'webp', width: data.readUInt16LE(26) & 0x3fff, height: data.readUInt16LE(28) & 0x3fff };
  if (chunk === 'VP8L' && data[20] === 0x2f) {
    const bits = data.readUInt32LE(21);
    return { format: 'webp', width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X')
    return { format: 'webp', width: data.readUIntLE(24, 3) + 1, height: data.readUIntLE(27, 3) + 1 };
  return undefined;
}

/** What is wrong with the card's preview file, as a message and a fix, or undefined. */
export async function previewFileProblem(
  cardFile: string,
  rel: string,
): Promise<{ message: string; hint: string } | undefined> {
  const root = cardRepo(cardFile);
  const file = path.resolve(root, rel);
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile())
    return {
      message: `'${rel}' is not a file in the repository${info ? '' : ' (nothing is there)'}`,
      hint: `commit the image at ${rel} or correct the path (relative to the repository root)`,
    };
  const inside = path.relative(await realpath(root), await realpath(file));
  if (inside.startsWith('..') || path.isAbsolute(inside))
    return {
      message: `'${rel}' leads outside the repository`,
      hint: 'commit the image itself, not a link to it',
    };
  if (info.size > PREVIEW_MAX_BYTES)
    return {
      message: `'${rel}' is ${(info.size / 1024 / 1024).toFixed(1)} MB, over the 1 MB limit`,
      hint: 'resize it (e.g. to 800 px wide) or save it as JPEG or WebP',
    };
  const header = imageHeader(await readFile(file));
  if (!header)
    return {
      message: `'${rel}' is not a PNG, JPEG or WebP image (judged by its content, not its name)`,
      hint: 'export the preview as PNG, JPEG or WebP; renaming a file does not convert it',
    };
  const { width, height } = header;
  if (Math.min(width, height) < PREVIEW_MIN_SIDE || Math.max(width, height) > PREVIEW_MAX_SIDE)
    return {
      message: `'${rel}' is ${width} x ${height} pixels, outside ${PREVIEW_MIN_SIDE} to ${PREVIEW_MAX_SIDE} on each side`,
      hint: 'resize it (e.g. to 800 px wide)',
    };
  return undefined;
}
