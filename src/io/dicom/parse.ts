// A small DICOM Part 10 parser: little-endian explicit and implicit VR, nested sequences,
// undefined lengths, encapsulated pixel data. Elements keep offsets into the file buffer
// instead of copies, so a header scan allocates little and pixel data can be read in place.
import { assignCharsets, type Charset, charset, decodeText } from './charset.ts';
import { T, vrOf } from './dictionary.ts';

export interface Element {
  tag: number;
  vr: string;
  /** Value offset in the dataset's buffer. */
  offset: number;
  /** Value length in bytes; -1 for undefined length (sequences, encapsulated pixel data). */
  length: number;
  items?: DataSet[];
  /** Encapsulated pixel data: the fragments after the basic offset table. */
  fragments?: { offset: number; length: number }[];
}

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);
export const isLongVr = (vr: string): boolean => LONG_VRS.has(vr);

export class DataSet {
  readonly elements = new Map<number, Element>();
  readonly buf: Buffer;
  /** How its text is decoded: set for the whole tree by parseDicom (assignCharsets). */
  charset: Charset = charset(undefined);
  constructor(buf: Buffer) {
    this.buf = buf;
  }

  has(t: number): boolean {
    return this.elements.has(t);
  }

  /** Trimmed string value (all values joined by '\\'), decoded by VR and charset; undefined when absent. */
  string(t: number): string | undefined {
    const e = this.elements.get(t);
    if (!e || e.length < 0) return undefined;
    return decodeText(this.buf.subarray(e.offset, e.offset + e.length), e.vr, this.charset, t)
      .replace(/[\0 ]+$/, '')
      .replace(/^ +/, '');
  }

  strings(t: number): string[] {
    const s = this.string(t);
    return s === undefined || s === '' ? [] : s.split('\\').map((v) => v.trim());
  }

  /** Numbers from a DS/IS string or a binary US/SS/UL/SL/FL/FD value. */
  numbers(t: number): number[] {
    const e = this.elements.get(t);
    if (!e || e.length <= 0) return [];
    const b = this.buf;
    const out: number[] = [];
    const step = { US: 2, SS: 2, UL: 4, SL: 4, FL: 4, FD: 8 }[e.vr];
    if (!step) return this.strings(t).map(Number);
    for (let o = e.offset; o + step <= e.offset + e.length; o += step) {
      if (e.vr === 'US') out.push(b.readUInt16LE(o));
      else if (e.vr === 'SS') out.push(b.readInt16LE(o));
      else if (e.vr === 'UL') out.push(b.readUInt32LE(o));
      else if (e.vr === 'SL') out.push(b.readInt32LE(o));
      else if (e.vr === 'FL') out.push(b.readFloatLE(o));
      else out.push(b.readDoubleLE(o));
    }
    return out;
  }

  number(t: number): number | undefined {
    const v = this.numbers(t)[0];
    return v === undefined || Number.isNaN(v) ? undefined : v;
  }

  /** Items of a sequence (empty when absent). */
  seq(t: number): DataSet[] {
    return this.elements.get(t)?.items ?? [];
  }

  bytes(t: number): Buffer | undefined {
    const e = this.elements.get(t);
    if (!e || e.length < 0) return undefined;
    return this.buf.subarray(e.offset, e.offset + e.length);
  }
}

export class ParseError extends Error {}
/** Thrown when the buffer ends inside an element: the caller may retry with the whole file. */
export class TruncatedError extends ParseError {}
/** A well-formed file in an encoding this parser does not read (big endian, deflated). */
export class UnsupportedEncodingError extends ParseError {}

interface Cursor {
  pos: number;
}

/**
 * Parses elements from `start` to `end` (or to a delimiter). Stops before `stopAt` (a tag
 * number) when given, recording its element with its header only.
 */
function parseElements(
  buf: Buffer,
  cur: Cursor,
  end: number,
  explicit: boolean,
  stopAt: number | undefined,
  into: DataSet,
): 'end' | 'item-end' | 'stopped' {
  while (cur.pos < end) {
    if (cur.pos + 8 > buf.length) throw new TruncatedError('file ends inside an element header');
    const group = buf.readUInt16LE(cur.pos);
    const element = buf.readUInt16LE(cur.pos + 2);
    const t = ((group << 16) | element) >>> 0;
    if (t === T.ItemDelimitation) {
      cur.pos += 8;
      return 'item-end';
    }
    let vr: string;
    let length: number;
    let valueOffset: number;
    if (explicit && group !== 0xfffe) {
      vr = buf.toString('latin1', cur.pos + 4, cur.pos + 6);
      if (!/^[A-Z]{2}$/.test(vr)) throw new ParseError(`invalid VR at byte ${cur.pos}`);
      if (isLongVr(vr)) {
        if (cur.pos + 12 > buf.length) throw new TruncatedError('file ends inside an element header');
        length = buf.readUInt32LE(cur.pos + 8);
        valueOffset = cur.pos + 12;
      } else {
        length = buf.readUInt16LE(cur.pos + 6);
        valueOffset = cur.pos + 8;
      }
    } else {
      vr = vrOf(t);
      length = buf.readUInt32LE(cur.pos + 4);
      valueOffset = cur.pos + 8;
    }
    const undefinedLength = length === 0xffffffff;
    const el: Element = { tag: t, vr, offset: valueOffset, length: undefinedLength ? -1 : length };
    if (stopAt !== undefined && t >= stopAt) {
      into.elements.set(t, el);
      cur.pos = valueOffset;
      return 'stopped';
    }
    if (vr === 'SQ' || (undefinedLength && vr === 'UN' && t !== T.PixelData)) {
      // UN with undefined length is an implicit-VR sequence (PS3.5 6.2.2).
      el.vr = 'SQ';
      el.items = parseItems(
        buf,
        valueOffset,
        undefinedLength ? -1 : length,
        vr === 'UN' ? false : explicit,
        cur,
      );
    } else if (undefinedLength && t === T.PixelData) {
      el.fragments = parseFragments(buf, valueOffset, cur);
    } else {
      if (valueOffset + length > buf.length) throw new TruncatedError('file ends inside an element value');
      cur.pos = valueOffset + length;
    }
    into.elements.set(t, el);
  }
  return 'end';
}

function parseItems(buf: Buffer, start: number, length: number, explicit: boolean, cur: Cursor): DataSet[] {
  const items: DataSet[] = [];
  const end = length < 0 ? buf.length : start + length;
  cur.pos = start;
  while (cur.pos < end) {
    if (cur.pos + 8 > buf.length) throw new TruncatedError('file ends inside a sequence');
    const t = ((buf.readUInt16LE(cur.pos) << 16) | buf.readUInt16LE(cur.pos + 2)) >>> 0;
    const itemLength = buf.readUInt32LE(cur.pos + 4);
    cur.pos += 8;
    if (t === T.SequenceDelimitation) return items;
    if (t !== T.Item) throw new ParseError(`expected a sequence item at byte ${cur.pos - 8}`);
    const item = new DataSet(buf);
    if (itemLength === 0xffffffff) {
      const how = parseElements(buf, cur, buf.length, explicit, undefined, item);
      if (how !== 'item-end') throw new TruncatedError('file ends inside a sequence item');
    } else {
      const itemEnd = cur.pos + itemLength;
      if (itemEnd > buf.length) throw new TruncatedError('file ends inside a sequence item');
      parseElements(buf, cur, itemEnd, explicit, undefined, item);
      cur.pos = itemEnd;
    }
    items.push(item);
  }
  if (length < 0) throw new TruncatedError('file ends inside a sequence');
  return items;
}

function parseFragments(buf: Buffer, start: number, cur: Cursor): { offset: number; length: number }[] {
  const fragments: { offset: number; length: number }[] = [];
  cur.pos = start;
  let first = true;
  for (;;) {
    if (cur.pos + 8 > buf.length) throw new TruncatedError('file ends inside encapsulated pixel data');
    const t = ((buf.readUInt16LE(cur.pos) << 16) | buf.readUInt16LE(cur.pos + 2)) >>> 0;
    const length = buf.readUInt32LE(cur.pos + 4);
    cur.pos += 8;
    if (t === T.SequenceDelimitation) return fragments;
    if (t !== T.Item) throw new ParseError('bad encapsulated pixel data');
    if (!first) fragments.push({ offset: cur.pos, length });
    first = false;
    cur.pos += length;
  }
}

export interface ParsedFile {
  meta: DataSet;
  dataset: DataSet;
  transferSyntax: string;
  /** Pixel data element (header only when parsing stopped there). */
  pixelData?: Element;
}

export const EXPLICIT_LE = '1.2.840.10008.1.2.1';
export const IMPLICIT_LE = '1.2.840.10008.1.2';
export const DEFLATED_LE = '1.2.840.10008.1.2.1.99';
export const EXPLICIT_BE = '1.2.840.10008.1.2.2';

/** True when the buffer starts with a Part 10 preamble and "DICM". */
export function hasDicmPrefix(buf: Buffer): boolean {
  return buf.length >= 132 && buf.toString('latin1', 128, 132) === 'DICM';
}

/**
 * Parses a Part 10 file. With `headerOnly`, stops at the pixel data element (its header is
 * kept, so callers know its offset and length). Throws TruncatedError when `buf` holds only
 * the start of the file and the header goes beyond it.
 */
export function parseDicom(buf: Buffer, options: { headerOnly?: boolean } = {}): ParsedFile {
  if (!hasDicmPrefix(buf)) throw new ParseError('no DICM prefix');
  const meta = new DataSet(buf);
  const cur: Cursor = { pos: 132 };
  // The meta group is always explicit VR little endian; it ends where group 0002 ends.
  while (cur.pos + 8 <= buf.length && buf.readUInt16LE(cur.pos) === 0x0002) {
    const start = cur.pos;
    const probe = new DataSet(buf);
    const c2: Cursor = { pos: start };
    const vr = buf.toString('latin1', start + 4, start + 6);
    const len = isLongVr(vr) ? buf.readUInt32LE(start + 8) : buf.readUInt16LE(start + 6);
    const next = start + (isLongVr(vr) ? 12 : 8) + len;
    parseElements(buf, c2, next, true, undefined, probe);
    for (const [k, v] of probe.elements) meta.elements.set(k, v);
    cur.pos = next;
  }
  const transferSyntax = meta.string(T.TransferSyntaxUID) ?? IMPLICIT_LE;
  if (transferSyntax === EXPLICIT_BE || transferSyntax === DEFLATED_LE) {
    throw new UnsupportedEncodingError(
      `its transfer syntax ${transferSyntax === EXPLICIT_BE ? 'explicit VR big endian' : 'deflated'} (${transferSyntax}) is not supported`,
    );
  }
  const explicit = transferSyntax !== IMPLICIT_LE;
  const dataset = new DataSet(buf);
  parseElements(buf, cur, buf.length, explicit, options.headerOnly ? T.PixelData : undefined, dataset);
  assignCharsets(dataset);
  return { meta, dataset, transferSyntax, pixelData: dataset.elements.get(T.PixelData) };
}
