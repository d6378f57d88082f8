// The checked vectored write retrieval uses for each instance (fsafe's writevAll): every byte of
// every part lands in order, empty parts included, and a full disk is an error, never a short file.
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
