// The one downloader of the venv backend (weights, source archives): streamed into the cache with
// progress, checked by sha256 before src/fsafe puts the file in place.
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

/** Why fetch failed, in words: undici hides the system error (ECONNREFUSED, ENOTFOUND) in `cause`. */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code === 'ECONNREFUSED') return 'connection refused (is the server up?)';
  if (cause?.code === 'ENOTFOUND') return 'unknown host';
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

export interface DownloadOptions {
  progress: Progress;
  signal?: AbortSignal;
  /** Where the url comes from, put in front of every message: `card.md: runtimes.venv.source`. */
  where?: string;
  /** The card field holding the sha256, named when the download does not match it. */
  shaField?: string;
}

export async function downloadVerified(
  url: string,
  target: string,
  sha256: string,
  { progress, signal, where, shaField }: DownloadOptions,
): Promise<void> {
  const name = path.basename(target);
  const at = where ? `${where}: ` : '';
  // src/fsafe publishes it (fsynced) only once the hash matched; a file in mhub's own cache is
  // replaced (force), a failed or partial download leaves nothing.
  await writeAtomic(
    target,
    async (temp) => {
      const response = await fetch(url, { signal: signal ?? null }).catch((error: unknown) => {
        if (signal?.aborted) throw new MhubError('CANCELLED', `the download of ${url} was cancelled`);
        throw new MhubError(
          'ENVIRONMENT',
          `${at}cannot download ${url}: ${networkReason(error)}`,
          'check the network, or the url in the card',
        );
      });
      if (!response.ok || !response.body) {
        throw new MhubError(
          'NOT_FOUND',
          `${at}cannot download ${url}: HTTP ${response.status}`,
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
          `${at}${url} does not match its sha256${shaField ? ` (${shaField})` : ''}: expected ${sha256}, got ${actual}`,
          'the file changed upstream or the download was corrupted: fix the sha256 in the card or the url',
        );
      }
    },
    { force: true },
  );
}
