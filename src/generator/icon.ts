// Module icons: small PNGs drawn here (a coloured tile with a lighter inner square), so the
// generator needs no image files or image library. The colour comes from the model's first
// segment, or a hash of its name.
import { crc32, deflateSync } from 'node:zlib';

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

export function iconPng(color: [number, number, number], size = 128): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  // rows are built from three pre-made pixel runs: transparent, tile colour, lighter core
  const stride = size * 4 + 1;
  const raw = Buffer.alloc(stride * size);
  const margin = Math.round(size / 8);
  const inner = Math.round(size / 3);
  const tile = Buffer.from([...color, 255]);
  const core = Buffer.from([...color.map((c) => Math.round(c + (255 - c) * 0.6)), 255]);
  const tileRow = Buffer.alloc(stride);
  const coreRow = Buffer.alloc(stride);
  for (let x = margin; x < size - margin; x++) {
    tile.copy(tileRow, 1 + x * 4);
    (x >= inner && x < size - inner ? core : tile).copy(coreRow, 1 + x * 4);
  }
  for (let y = margin; y < size - margin; y++) {
    (y >= inner && y < size - inner ? coreRow : tileRow).copy(raw, y * stride);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 1 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export function colourFor(name: string, first?: [number, number, number]): [number, number, number] {
  if (first) return first;
  let hash = 0;
  for (const ch of name) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return [64 + (hash % 160), 64 + ((hash >> 8) % 160), 64 + ((hash >> 16) % 160)];
}
