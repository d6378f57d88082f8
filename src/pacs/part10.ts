// The one thing read from a retrieved instance before it is kept: its SOP Instance UID, from the
// Part 10 file meta information (always explicit VR little endian, right after the preamble).
import { open } from 'node:fs/promises';

const LONG_LENGTH_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UN', 'UR', 'UT']);

/** The Media Storage SOP Instance UID (0002,0003) of a Part 10 file, or undefined when it is not one. */
export async function sopInstanceUid(file: string): Promise<string | undefined> {
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    return metaUid(buf.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

export function isPart10(head: Buffer): boolean {
  return head.length >= 132 && head.toString('latin1', 128, 132) === 'DICM';
}

export function metaUid(buf: Buffer): string | undefined {
  if (!isPart10(buf)) return undefined;
  let at = 132;
  while (at + 8 <= buf.length) {
    const group = buf.readUInt16LE(at);
    const element = buf.readUInt16LE(at + 2);
    if (group !== 0x0002) return undefined;
    const vr = buf.toString('latin1', at + 4, at + 6);
    let length: number;
    let value: number;
    if (LONG_LENGTH_VRS.has(vr)) {
      if (at + 12 > buf.length) return undefined;
      length = buf.readUInt32LE(at + 8);
      value = at + 12;
    } else {
      length = buf.readUInt16LE(at + 6);
      value = at + 8;
    }
    if (value + length > buf.length) return undefined;
    if (element === 0x0003) {
      const uid = buf.toString('latin1', value, value + length).replace(/[\0 ]+$/, '');
      return /^[0-9]+(\.[0-9]+)*$/.test(uid) ? uid : undefined;
    }
    at = value + length;
  }
  return undefined;
}
