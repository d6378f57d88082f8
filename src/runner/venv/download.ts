// Downloads into the cache, checked by sha256 before the file is put in place.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MhubError } from '../../errors.ts';
import { writeAtomic } from '../../fsafe/index.ts';
import type { Progress } from '../progress-events.ts';

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

export async function downloadVerified(
  url: string,
  target: string,
  sha256: string,
  progress: Progress,
  signal?: AbortSignal,
): Promise<void> {
  const name = path.basename(target);
  // src/fsafe publishes it (fsynced) only once the hash matched; a file in mhub's own cache is
  // replaced (force), a failed or partial download leaves nothing.
  await writeAtomic(
    target,
    async (temp) => {
      const response = await fetch(url, { signal: signal ?? null }).catch((error: unknown) => {
        throw new MhubError(
          'ENVIRONMENT',
          `cannot download ${url}: ${(error as Error).message}`,
          'check the network',
        );
      });
      if (!response.ok || !response.body) {
        throw new MhubError(
          'NOT_FOUND',
          `cannot download ${url}: HTTP ${response.status}`,
          'check the url in the card',
        );
      }
      const total = Number(response.headers.get('content-length')) || undefined;
      let done = 0;
      const hash = createHash('sha256');
      const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream);
      body.on('data', (chunk: Buffer) => {
        done += chunk.length;
        hash.update(chunk);
        progress({ phase: 'download', done, ...(total ? { total } : {}), message: name });
      });
      await pipeline(body, createWriteStream(temp));
      const actual = hash.digest('hex');
      if (actual !== sha256) {
        throw new MhubError(
          'RUN_FAILED',
          `${url} does not match its sha256 (expected ${sha256}, got ${actual})`,
          'the file changed upstream or the download was corrupted: fix the sha256 in the card or the url',
        );
      }
    },
    { force: true },
  );
}
