// The checked vectored write retrieval uses for each instance (fsafe's writevAll): every byte of
// every part lands in order, empty parts included, and a full disk is an error, never a short file;
// and an instance too big to keep in memory, streamed to disk through the same checked writes.
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writevAll } from '../../src/fsafe/index.ts';
import { tempDir } from './support.ts';

describe('writevAll', () => {
  it('writes every part in order (more parts than one writev call takes) and returns the byte count', async () => {
    const file = path.join(tempDir('pacs-writev'), 'out.bin');
    // 3000 parts: more than one writev call may take (IOV_MAX is 1024 on Linux).
    const parts = Array.from({ length: 3000 }, (_, i) =>
      Buffer.alloc(i % 7 === 0 ? 0 : 100 + (i % 13), i % 251),
    );
    const fd = openSync(file, 'wx');
    try {
      expect(await writevAll(fd, parts, file)).toBe(parts.reduce((n, p) => n + p.length, 0));
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(file).equals(Buffer.concat(parts))).toBe(true);
  });

  it.runIf(existsSync('/dev/full'))(
    'a full disk (/dev/full) is ENOSPC, not a silent short write',
    async () => {
      const fd = openSync('/dev/full', 'w');
      try {
        await expect(writevAll(fd, [Buffer.alloc(1 << 16)], '/dev/full')).rejects.toMatchObject({
          code: 'ENOSPC',
        });
      } finally {
        closeSync(fd);
      }
    },
  );
});

describe('retrieval of an instance too big to hold in memory (over 32 MiB)', () => {
  it('streams it to its temporary file and keeps it byte for byte under its SOP Instance UID', async () => {
    const { createServer } = await import('node:http');
    const { retrieveSeries } = await import('../../src/pacs/index.ts');
    const uid = '1.2.826.0.1.3680043.8.498.77';
    // A Part 10 preamble and file meta information (0002,0003) with the UID, then 40 MiB of data.
    const meta = Buffer.alloc(8 + uid.length + 1);
    meta.writeUInt16LE(0x0002, 0);
    meta.writeUInt16LE(0x0003, 2);
    meta.write('UI', 4, 'latin1');
    meta.writeUInt16LE(uid.length + 1, 6);
    meta.write(`${uid}\0`, 8, 'latin1');
    const body = Buffer.alloc(40 * 2 ** 20);
    for (let i = 0; i < body.length; i += 4096) body.writeUInt32LE(i, i);
    const instance = Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), meta, body]);
    const server = createServer((req, res) => {
      if (req.url?.endsWith('/instances')) {
        res.writeHead(200, { 'Content-Type': 'application/dicom+json' });
        res.end(JSON.stringify([{ '00080018': { vr: 'UI', Value: [uid] } }]));
        return;
      }
      res.writeHead(200, { 'Content-Type': 'multipart/related; type="application/dicom"; boundary=XX' });
      res.write('--XX\r\nContent-Type: application/dicom\r\n\r\n');
      // In pieces, as a server streams it.
      for (let at = 0; at < instance.length; at += 1_000_000)
        res.write(instance.subarray(at, at + 1_000_000));
      res.end('\r\n--XX--\r\n');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const dir = path.join(tempDir('pacs-bigpart'), 'series');
      const base = `http://127.0.0.1:${(server.address() as { port: number }).port}/dw`;
      const got = await retrieveSeries({ base }, '1.2.3', '1.2.3.4', dir, () => {});
      expect(got).toMatchObject({ instances: 1, bytes: instance.length });
      const { readdirSync } = await import('node:fs');
      expect(readdirSync(dir)).toEqual([`${uid}.dcm`]);
      expect(readFileSync(path.join(dir, `${uid}.dcm`)).equals(instance)).toBe(true);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
