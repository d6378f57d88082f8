// The bundle's container: a plain POSIX tar (ustar) of regular files, streamed so a
// multi-gigabyte image never sits in memory. Written only by mhub; read back as untrusted input:
// regular files only, names relative without `..`, each file's sha256 taken while it is written.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, open, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { MhubError } from '../errors.ts';

const BLOCK = 512;

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function header(name: string, size: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  let prefix = '';
  let base = name;
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', 155);
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
    if (cut <= 0 || Buffer.byteLength(base) > 100 || Buffer.byteLength(prefix) > 155)
      throw new MhubError('INTERNAL', `the path ${name} is too long for the bundle`);
  }
  h.write(base, 0, 100);
  h.write(octal(0o644, 8), 100);
  h.write(octal(0, 8), 108);
  h.write(octal(0, 8), 116);
  if (size < 8 ** 11) h.write(octal(size, 12), 124);
  else {
    // GNU base-256 size for files of 8 GiB and more (image tars can be that big).
    h[124] = 0x80;
    h.writeBigUInt64BE(BigInt(size), 128);
  }
  h.write(octal(0, 12), 136); // mtime 0: a bundle's bytes depend on its contents only
  h.write('        ', 148); // checksum placeholder
  h.write('0', 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  h.write(prefix, 345, 155);
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(octal(sum, 7), 148);
  return h;
}

function writeChunk(out: WriteStream, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => out.write(chunk, (e) => (e ? reject(e) : resolve())));
}

/** Appends files to a tar file; `finish` writes the two end blocks. */
export class TarWriter {
  private readonly out: WriteStream;
  constructor(file: string) {
    this.out = createWriteStream(file);
  }

  /** Adds the file at `from` as `name`; returns its sha256. */
  async addFile(name: string, from: string): Promise<string> {
    const { size } = await stat(from);
    await writeChunk(this.out, header(name, size));
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(from)) {
      hash.update(chunk as Buffer);
      await writeChunk(this.out, chunk as Buffer);
    }
    if (size % BLOCK) await writeChunk(this.out, Buffer.alloc(BLOCK - (size % BLOCK)));
    return hash.digest('hex');
  }

  async addBuffer(name: string, data: Buffer): Promise<void> {
    await writeChunk(this.out, header(name, data.length));
    await writeChunk(this.out, data);
    if (data.length % BLOCK) await writeChunk(this.out, Buffer.alloc(BLOCK - (data.length % BLOCK)));
  }

  async finish(): Promise<void> {
    await writeChunk(this.out, Buffer.alloc(2 * BLOCK));
    await new Promise<void>((resolve, reject) =>
      this.out.end((e?: Error | null) => (e ? reject(e) : resolve())),
    );
  }
}

/** The safe relative form of an entry name, or undefined when it could leave the folder. */
function safeName(name: string): string | undefined {
  if (name.startsWith('/') || name.includes('\\') || name.includes('\0')) return undefined;
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0 || parts.includes('..')) return undefined;
  return parts.join('/');
}

function readSize(h: Buffer): number {
  if (h[124]! & 0x80) return Number(h.readBigUInt64BE(128));
  return Number.parseInt(h.subarray(124, 136).toString('latin1').replace(/\0.*$/s, '').trim() || '0', 8);
}

function field(h: Buffer, start: number, length: number): string {
  const raw = h.subarray(start, start + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? length : end).toString('utf8');
}

/**
 * Unpacks the tar `file` into the folder `into` (regular files and folders only) and returns
 * each file's sha256 by name. Anything else (links, devices, unsafe names, a truncated or
 * corrupt header) is refused with `what` naming the file.
 */
export async function extractTar(file: string, into: string): Promise<Map<string, string>> {
  const bad = (why: string) =>
    new MhubError(
      'INVALID_INPUT',
      `${file} is not a valid mhub bundle: ${why}`,
      'make it again with mhub bundle',
    );
  const sums = new Map<string, string>();
  const handle = await open(file, 'r');
  try {
    const { size: total } = await handle.stat();
    let offset = 0;
    let longName: string | undefined;
    const block = Buffer.alloc(BLOCK);
    while (offset + BLOCK <= total) {
      await handle.read(block, 0, BLOCK, offset);
      offset += BLOCK;
      if (block.every((b) => b === 0)) return sums; // end of archive
      let sum = 0;
      for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : block[i]!;
      if (sum !== Number.parseInt(field(block, 148, 8).trim(), 8))
        throw bad(`a corrupt entry header at byte ${offset - BLOCK}`);
      const size = readSize(block);
      const type = String.fromCharCode(block[156]!);
      const raw = longName ?? [field(block, 345, 155), field(block, 0, 100)].filter(Boolean).join('/');
      longName = undefined;
      if (offset + size > total) throw bad(`the entry ${raw} is cut short`);
      const padded = Math.ceil(size / BLOCK) * BLOCK;
      if (type === 'x') {
        // A pax header (other tar tools): only its path is used.
        const text = Buffer.alloc(size);
        await handle.read(text, 0, size, offset);
        longName = /\d+ path=([^\n]*)\n/.exec(text.toString('utf8'))?.[1];
        offset += padded;
        continue;
      }
      const name = safeName(raw);
      if (!name) throw bad(`the entry '${raw}' would be written outside the folder`);
      if (type === '5') {
        await mkdir(path.join(into, name), { recursive: true });
        continue;
      }
      if (type !== '0' && type !== '\0') throw bad(`the entry '${raw}' is not a regular file`);
      if (sums.has(name)) throw bad(`the entry '${name}' appears twice`);
      const target = path.join(into, name);
      await mkdir(path.dirname(target), { recursive: true });
      const hash = createHash('sha256');
      if (size > 0) {
        const source = createReadStream('', {
          fd: handle.fd,
          start: offset,
          end: offset + size - 1,
          autoClose: false,
        });
        source.on('data', (c) => hash.update(c as Buffer));
        await pipeline(source, createWriteStream(target, { flags: 'wx' }));
      } else await (await open(target, 'wx')).close();
      sums.set(name, hash.digest('hex'));
      offset += padded;
    }
    throw bad('it ends without the end-of-archive blocks (truncated?)');
  } finally {
    await handle.close();
  }
}
