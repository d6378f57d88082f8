// A small DICOM writer: explicit VR little endian, defined lengths everywhere. Elements are
// encoded bottom-up into Buffers, so a dataset is a sorted list of byte chunks and large pixel
// data can be written straight from its own buffers without one big copy.
import { randomUUID } from 'node:crypto';
import { encodeText } from './charset.ts';
import { isLongVr } from './parse.ts';

export interface Encoded {
  tag: number;
  bytes: Buffer;
}

export type Value = string | number | readonly (string | number)[] | Buffer | undefined | null;

const UID_ROOT = '2.25.';
/** A new UID under 2.25 (UUID-derived), as PS3.5 B.2 allows. */
export function newUid(): string {
  return UID_ROOT + BigInt(`0x${randomUUID().replaceAll('-', '')}`).toString();
}

/** A decimal string of at most 16 characters (the DS limit), as exact as that allows. */
export function formatDS(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`cannot write ${x} as DS`);
  if (Object.is(x, -0) || Math.abs(x) < 1e-300) return '0';
  let s = String(x);
  if (s.length <= 16) return s;
  for (let p = 15; p > 0; p--) {
    s = x.toPrecision(p);
    if (s.includes('e')) s = s.replace(/\.?0+e/, 'e').replace('e+', 'e');
    else if (s.includes('.')) s = s.replace(/\.?0+$/, '');
    if (s.length <= 16) return s;
  }
  return s;
}

function header(t: number, vr: string, length: number): Buffer {
  const long = isLongVr(vr);
  const h = Buffer.alloc(long ? 12 : 8);
  h.writeUInt16LE(t >>> 16, 0);
  h.writeUInt16LE(t & 0xffff, 2);
  h.write(vr, 4, 'latin1');
  if (long) h.writeUInt32LE(length, 8);
  else {
    if (length > 0xffff) throw new Error(`value too long for VR ${vr}`);
    h.writeUInt16LE(length, 6);
  }
  return h;
}

function valueBytes(vr: string, value: Value): Buffer {
  if (value === undefined || value === null) return Buffer.alloc(0);
  if (Buffer.isBuffer(value)) return value;
  const values = Array.isArray(value) ? value : [value as string | number];
  const binary: Record<string, [number, (b: Buffer, v: number, o: number) => void]> = {
    US: [2, (b, v, o) => b.writeUInt16LE(v, o)],
    SS: [2, (b, v, o) => b.writeInt16LE(v, o)],
    UL: [4, (b, v, o) => b.writeUInt32LE(v, o)],
    SL: [4, (b, v, o) => b.writeInt32LE(v, o)],
    FL: [4, (b, v, o) => b.writeFloatLE(v, o)],
    FD: [8, (b, v, o) => b.writeDoubleLE(v, o)],
  };
  if (vr === 'AT') {
    // Attribute tags: group then element, each uint16.
    const b = Buffer.alloc(4 * values.length);
    values.forEach((v, i) => {
      b.writeUInt16LE(Number(v) >>> 16, i * 4);
      b.writeUInt16LE(Number(v) & 0xffff, i * 4 + 2);
    });
    return b;
  }
  const bin = binary[vr];
  if (bin) {
    const [size, put] = bin;
    const b = Buffer.alloc(size * values.length);
    values.forEach((v, i) => {
      put(b, Number(v), i * size);
    });
    return b;
  }
  const text = values
    .map((v) => (typeof v === 'number' ? (vr === 'DS' ? formatDS(v) : String(v)) : v))
    .join('\\');
  const b = encodeText(text, vr);
  if (b.length % 2 === 0) return b;
  return Buffer.concat([b, Buffer.from(vr === 'UI' || vr === 'OB' ? '\0' : ' ', 'latin1')]);
}

/** One element; undefined/null values give an empty (zero-length) element. */
export function el(t: number, vr: string, value: Value): Encoded {
  const v = valueBytes(vr, value);
  return { tag: t, bytes: Buffer.concat([header(t, vr, v.length), v]) };
}

/** A sequence of items, each a list of elements (defined lengths). */
export function sq(t: number, items: readonly (readonly Encoded[])[]): Encoded {
  const parts: Buffer[] = [];
  let total = 0;
  for (const item of items) {
    const body = dataset(item);
    const ih = Buffer.alloc(8);
    ih.writeUInt16LE(0xfffe, 0);
    ih.writeUInt16LE(0xe000, 2);
    ih.writeUInt32LE(body.length, 4);
    parts.push(ih, body);
    total += 8 + body.length;
  }
  return { tag: t, bytes: Buffer.concat([header(t, 'SQ', total), ...parts]) };
}

/** Elements sorted by tag and concatenated. */
export function dataset(elements: readonly Encoded[]): Buffer {
  const sorted = [...elements].sort((a, b) => a.tag - b.tag);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.tag === sorted[i - 1]!.tag)
      throw new Error(`element ${sorted[i]!.tag.toString(16)} twice`);
  }
  return Buffer.concat(sorted.map((e) => e.bytes));
}

export const IMPLEMENTATION_CLASS_UID = '2.25.207745211374522186232540312374623436841';
export const IMPLEMENTATION_VERSION = 'MHUB_IO_1';

/** Preamble, "DICM" and the file meta group for an explicit VR little endian file. */
export function fileMeta(sopClassUid: string, sopInstanceUid: string): Buffer {
  const t = (e: number) => (0x0002 << 16) | e;
  const group = dataset([
    el(t(0x0001), 'OB', Buffer.from([0, 1])),
    el(t(0x0002), 'UI', sopClassUid),
    el(t(0x0003), 'UI', sopInstanceUid),
    el(t(0x0010), 'UI', '1.2.840.10008.1.2.1'),
    el(t(0x0012), 'UI', IMPLEMENTATION_CLASS_UID),
    el(t(0x0013), 'SH', IMPLEMENTATION_VERSION),
  ]);
  const preamble = Buffer.alloc(132);
  preamble.write('DICM', 128, 'latin1');
  return Buffer.concat([preamble, el(t(0x0000), 'UL', group.length).bytes, group]);
}

/** The header of a native pixel data element whose value (of `length` bytes) follows. */
export function pixelDataHeader(vr: 'OB' | 'OW', length: number): Buffer {
  return header(0x7fe00010, vr, length);
}

/** Truncates to a VR's maximum length (CodeMeaning can exceed LO's 64 characters). */
export function clip(text: string, max = 64): string {
  return text.length <= max ? text : text.slice(0, max);
}

/** DICOM DA and TM for now. */
export function nowDaTm(date = new Date()): { da: string; tm: string } {
  const iso = date.toISOString();
  return { da: iso.slice(0, 10).replaceAll('-', ''), tm: iso.slice(11, 19).replaceAll(':', '') };
}
