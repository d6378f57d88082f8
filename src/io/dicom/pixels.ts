// Native pixel bytes of one slice, in little endian, whatever the file's layout: read in place
// (the common case), cut from a Siemens MOSAIC tile, inflated from a deflated dataset (bounded
// by what the header declares), or byte-swapped from explicit VR big endian.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { MhubError } from '../../errors.ts';
import type { Instance } from './instance.ts';
import { ParseError, parseDicom } from './parse.ts';

/** Bytes of one stored frame of an instance (a whole MOSAIC for a tile). */
export function frameBytes(i: Instance): number {
  const columns = i.tile?.mosaicColumns ?? i.columns ?? 0;
  const rows = i.tile?.mosaicRows ?? i.rows ?? 0;
  return columns * rows * i.samplesPerPixel * ((i.bitsAllocated ?? 0) / 8);
}

/** Reads slices one after another, keeping the last inflated file for its other frames. */
export class PixelReader {
  private cachedPath?: string;
  private cachedBody?: Buffer;

  /** Copies slice `s` (little endian) into `into` at `at`; `bytes` is the slice's size. */
  read(s: Instance, into: Buffer, at: number, bytes: number): void {
    const frame = frameBytes(s);
    if (s.pixelOffset === undefined || (s.pixelLength ?? 0) < frame) {
      throw new MhubError(
        'INVALID_INPUT',
        `${s.path} holds ${s.pixelLength ?? 0} bytes of pixel data where ${frame} are needed`,
        'replace that file with an intact copy',
      );
    }
    const source = s.tile ? Buffer.allocUnsafe(frame) : into.subarray(at, at + bytes);
    if (s.pixelSource === 'inflated') this.inflated(s).copy(source, 0, s.pixelOffset, s.pixelOffset + frame);
    else readExactly(s.path, source, s.pixelOffset);
    if (s.tile) cutTile(s, source, into.subarray(at, at + bytes));
    if (s.bigEndian) swapWords(into.subarray(at, at + bytes), (s.bitsAllocated ?? 8) / 8);
  }

  private inflated(s: Instance): Buffer {
    if (this.cachedPath !== s.path) {
      try {
        const parsed = parseDicom(readFileSync(s.path), { inflateLimit: s.inflatedLimit });
        this.cachedBody = parsed.dataset.buf;
      } catch (error) {
        if (!(error instanceof ParseError)) throw error;
        throw new MhubError(
          'INVALID_INPUT',
          `${s.path}: ${error.message}`,
          'replace that file with an intact copy',
        );
      }
      this.cachedPath = s.path;
    }
    return this.cachedBody!;
  }
}

function readExactly(path: string, into: Buffer, position: number): void {
  const fd = openSync(path, 'r');
  try {
    const got = readSync(fd, into, 0, into.length, position);
    if (got !== into.length)
      throw new MhubError('INVALID_INPUT', `${path} ends inside its pixel data`, 'replace that file');
  } finally {
    closeSync(fd);
  }
}

function cutTile(s: Instance, mosaic: Buffer, out: Buffer): void {
  const t = s.tile!;
  const bpp = s.samplesPerPixel * ((s.bitsAllocated ?? 0) / 8);
  const rowBytes = s.columns! * bpp;
  const tileRow = Math.floor(t.index / t.perSide);
  const tileCol = t.index % t.perSide;
  for (let y = 0; y < s.rows!; y++) {
    const from = ((tileRow * s.rows! + y) * t.mosaicColumns + tileCol * s.columns!) * bpp;
    mosaic.copy(out, y * rowBytes, from, from + rowBytes);
  }
}

function swapWords(buf: Buffer, unit: number): void {
  if (unit === 2) buf.swap16();
  else if (unit === 4) buf.swap32();
  else if (unit === 8) buf.swap64();
}
