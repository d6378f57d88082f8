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
  const raw = Buffer.alloc((size * 4 + 1) * size);
  const margin = size / 8;
  const inner = size / 3;
  for (let y = 0; y < size; y++) {
    const row = y * (size * 4 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      const at = row + 1 + x * 4;
      const inTile = x >= margin && x < size - margin && y >= margin && y < size - margin;
      const inCore = x >= inner && x < size - inner && y >= inner && y < size - inner;
      const [r, g, b] = inCore ? color.map((c) => Math.round(c + (255 - c) * 0.6)) : color;
      raw[at] = r!;
      raw[at + 1] = g!;
      raw[at + 2] = b!;
      raw[at + 3] = inTile ? 255 : 0;
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export function colourFor(name: string, first?: [number, number, number]): [number, number, number] {
  if (first) return first;
  let hash = 0;
  for (const ch of name) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return [64 + (hash % 160), 64 + ((hash >> 8) % 160), 64 + ((hash >> 16) % 160)];
}
