// A minimal ZIP writer (deflate, no ZIP64) whose compressed entries can be shared between
// archives: the Slicer downloads repeat the same Lib files in every model's zip, so each
// distinct file is compressed once per build instead of once per model.
import { crc32, deflateRawSync } from 'node:zlib';

export interface ZipEntry {
  name: string;
  crc: number;
  size: number;
  data: Buffer; // raw deflate
}

const DOS_DATE = ((2020 - 1980) << 9) | (1 << 5) | 1; // 2020-01-01: archives stay byte-identical

export function zipEntry(name: string, content: Buffer | string): ZipEntry {
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  return { name, crc: crc32(bytes), size: bytes.length, data: deflateRawSync(bytes, { level: 6 }) };
}

export function zipArchive(entries: readonly ZipEntry[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(e.crc, 14);
    local.writeUInt32LE(e.data.length, 18);
    local.writeUInt32LE(e.size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(20, 6);
    header.writeUInt16LE(0x0800, 8);
    header.writeUInt16LE(8, 10);
    header.writeUInt16LE(0, 12);
    header.writeUInt16LE(DOS_DATE, 14);
    header.writeUInt32LE(e.crc, 16);
    header.writeUInt32LE(e.data.length, 20);
    header.writeUInt32LE(e.size, 24);
    header.writeUInt16LE(name.length, 28);
    header.writeUInt32LE(offset, 42);
    central.push(header, name);
    parts.push(local, name, e.data);
    offset += 30 + name.length + e.data.length;
  }
  const centralSize = central.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, ...central, end]);
}
