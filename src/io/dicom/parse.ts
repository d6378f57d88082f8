// A small DICOM Part 10 parser: explicit VR (little or big endian), implicit VR, deflated
// datasets, nested sequences, undefined lengths, encapsulated pixel data. Elements keep offsets into the file buffer
// instead of copies, so a header scan allocates little and pixel data can be read in place.
import { assignCharsets, type Charset, charset, decodeText } from './charset.ts';
import { inflateDataset, inflateHead } from './deflate.ts';
import { T, vrOf } from './dictionary.ts';
import { ParseError, TruncatedError } from './parse-errors.ts';

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
  /** Byte order of binary values (explicit VR big endian files are the exception). */
  readonly littleEndian: boolean;
  constructor(buf: Buffer, littleEndian = true) {
    this.buf = buf;
    this.littleEndian = littleEndian;
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
    const le = this.littleEndian;
    const out: number[] = [];
    const step = { US: 2, SS: 2, UL: 4, SL: 4, FL: 4, FD: 8 }[e.vr];
    if (!step) return this.strings(t).map(Number);
    for (let o = e.offset; o + step <= e.offset + e.length; o += step) {
      if (e.vr === 'US') out.push(le ? b.readUInt16LE(o) : b.readUInt16BE(o));
      else if (e.vr === 'SS') out.push(le ? b.readInt16LE(o) : b.readInt16BE(o));
      else if (e.vr === 'UL') out.push(le ? b.readUInt32LE(o) : b.readUInt32BE(o));
      else if (e.vr === 'SL') out.push(le ? b.readInt32LE(o) : b.readInt32BE(o));
      else if (e.vr === 'FL') out.push(le ? b.readFloatLE(o) : b.readFloatBE(o));
      else out.push(le ? b.readDoubleLE(o) : b.readDoubleBE(o));
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

export { ParseError, TruncatedError, UnsupportedEncodingError } from './parse-errors.ts';

interface Cursor {
  pos: number;
}

/** How a dataset is encoded: VR explicit or implicit, and byte order. */
interface Encoding {
  explicit: boolean;
  le: boolean;
}

const u16 = (buf: Buffer, pos: number, le: boolean): number =>
  le ? buf.readUInt16LE(pos) : buf.readUInt16BE(pos);
const u32 = (buf: Buffer, pos: number, le: boolean): number =>
  le ? buf.readUInt32LE(pos) : buf.readUInt32BE(pos);
const tagAt = (buf: Buffer, pos: number, le: boolean): number =>
  ((u16(buf, pos, le) << 16) | u16(buf, pos + 2, le)) >>> 0;

/**
 * Parses elements from `start` to `end` (or to a delimiter). Stops before `stopAt` (a tag
 * number) when given, recording its element with its header only.
 */
function parseElements(
  buf: Buffer,
  cur: Cursor,
  end: number,
  enc: Encoding,
  stopAt: number | undefined,
  into: DataSet,
): 'end' | 'item-end' | 'stopped' {
  const { explicit, le } = enc;
  while (cur.pos < end) {
    if (cur.pos + 8 > buf.length) throw new TruncatedError('file ends inside an element header');
    const group = u16(buf, cur.pos, le);
    const element = u16(buf, cur.pos + 2, le);
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
        length = u32(buf, cur.pos + 8, le);
        valueOffset = cur.pos + 12;
      } else {
        length = u16(buf, cur.pos + 6, le);
        valueOffset = cur.pos + 8;
      }
    } else {
      vr = vrOf(t);
      length = u32(buf, cur.pos + 4, le);
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
        // PS3.5 6.2.2: such a UN sequence is implicit VR little endian, whatever the file uses.
        vr === 'UN' ? { explicit: false, le: true } : enc,
        cur,
      );
    } else if (undefinedLength && t === T.PixelData) {
      el.fragments = parseFragments(buf, valueOffset, cur, le);
    } else {
      if (valueOffset + length > buf.length) throw new TruncatedError('file ends inside an element value');
      cur.pos = valueOffset + length;
    }
    into.elements.set(t, el);
  }
  return 'end';
}

function parseItems(buf: Buffer, start: number, length: number, enc: Encoding, cur: Cursor): DataSet[] {
  const items: DataSet[] = [];
  const end = length < 0 ? buf.length : start + length;
  cur.pos = start;
  while (cur.pos < end) {
    if (cur.pos + 8 > buf.length) throw new TruncatedError('file ends inside a sequence');
    const t = tagAt(buf, cur.pos, enc.le);
    const itemLength = u32(buf, cur.pos + 4, enc.le);
    cur.pos += 8;
    if (t === T.SequenceDelimitation) return items;
    if (t !== T.Item) throw new ParseError(`expected a sequence item at byte ${cur.pos - 8}`);
    const item = new DataSet(buf, enc.le);
    if (itemLength === 0xffffffff) {
      const how = parseElements(buf, cur, buf.length, enc, undefined, item);
      if (how !== 'item-end') throw new TruncatedError('file ends inside a sequence item');
    } else {
      const itemEnd = cur.pos + itemLength;
      if (itemEnd > buf.length) throw new TruncatedError('file ends inside a sequence item');
      parseElements(buf, cur, itemEnd, enc, undefined, item);
      cur.pos = itemEnd;
    }
    items.push(item);
  }
  if (length < 0) throw new TruncatedError('file ends inside a sequence');
  return items;
}

function parseFragments(
  buf: Buffer,
  start: number,
  cur: Cursor,
  le: boolean,
): { offset: number; length: number }[] {
  const fragments: { offset: number; length: number }[] = [];
  cur.pos = start;
  let first = true;
  for (;;) {
    if (cur.pos + 8 > buf.length) throw new TruncatedError('file ends inside encapsulated pixel data');
    const t = tagAt(buf, cur.pos, le);
    const length = u32(buf, cur.pos + 4, le);
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
  /**
   * Where the dataset's offsets point: the file itself, or (deflated files) the inflated
   * dataset held in memory, so pixel data cannot be read from the file at those offsets.
   */
  layout: 'file' | 'inflated';
}

export const EXPLICIT_LE = '1.2.840.10008.1.2.1';
export const IMPLICIT_LE = '1.2.840.10008.1.2';
export const DEFLATED_LE = '1.2.840.10008.1.2.1.99';
export const EXPLICIT_BE = '1.2.840.10008.1.2.2';

/** True when the buffer starts with a Part 10 preamble and "DICM". */
export function hasDicmPrefix(buf: Buffer): boolean {
  return buf.length >= 132 && buf.toString('latin1', 128, 132) === 'DICM';
}

const isVr = (buf: Buffer, pos: number): boolean =>
  pos + 6 <= buf.length && /^[A-Z]{2}$/.test(buf.toString('latin1', pos + 4, pos + 6));

/**
 * Parses a Part 10 file. With `headerOnly`, stops at the pixel data element (its header is
 * kept, so callers know its offset and length). Throws TruncatedError when `buf` holds only
 * the start of the file and the header goes beyond it. A deflated dataset is inflated in
 * memory, never past `inflateLimit` bytes (the whole file) or the header's first part.
 */
export function parseDicom(
  buf: Buffer,
  options: { headerOnly?: boolean; inflateLimit?: number } = {},
): ParsedFile {
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
    parseElements(buf, c2, next, { explicit: true, le: true }, undefined, probe);
    for (const [k, v] of probe.elements) meta.elements.set(k, v);
    cur.pos = next;
  }
  const transferSyntax = meta.string(T.TransferSyntaxUID) ?? IMPLICIT_LE;
  if (transferSyntax === DEFLATED_LE) {
    const compressed = buf.subarray(cur.pos);
    if (!options.headerOnly)
      return parseBody(
        meta,
        transferSyntax,
        inflateDataset(compressed, options.inflateLimit),
        0,
        false,
        'inflated',
      );
    // Inflate a growing prefix until the header is complete: the pixel data stays compressed.
    for (let prefix = 16 * 1024; ; prefix *= 8) {
      const whole = prefix >= compressed.length;
      try {
        const parsed = parseBody(meta, transferSyntax, inflateHead(compressed, prefix), 0, true, 'inflated');
        // A prefix can end between two elements: only the pixel data header proves it is enough.
        if (parsed.pixelData || whole) return parsed;
      } catch (error) {
        if (!(error instanceof TruncatedError) || whole) throw error;
      }
    }
  }
  return parseBody(meta, transferSyntax, buf, cur.pos, options.headerOnly ?? false, 'file');
}

function parseBody(
  meta: DataSet,
  transferSyntax: string,
  body: Buffer,
  start: number,
  headerOnly: boolean,
  layout: ParsedFile['layout'],
): ParsedFile {
  const cur: Cursor = { pos: start };
  const le = transferSyntax !== EXPLICIT_BE;
  // Some writers store an implicit-VR dataset under an explicit (e.g. JPEG) transfer syntax;
  // the first element shows which (dcm2niix, DCMTK and pydicom check the same way).
  const explicit = transferSyntax !== IMPLICIT_LE && (cur.pos >= body.length || isVr(body, cur.pos));
  const dataset = new DataSet(body, le);
  parseElements(body, cur, body.length, { explicit, le }, headerOnly ? T.PixelData : undefined, dataset);
  assignCharsets(dataset);
  return { meta, dataset, transferSyntax, pixelData: dataset.elements.get(T.PixelData), layout };
}
