// STOW-RS: results go to the server in one request, after every file was checked to be a DICOM
// Part 10 instance, so a bad file stops the push before anything is sent.
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { MhubError } from '../errors.ts';
import { readJsonArrayOrObject, request, type Server } from './http.ts';
import { isPart10 } from './part10.ts';
import { displayUrl } from './url.ts';

/** Those of `files` that are DICOM Part 10 instances. */
export async function dicomFiles(files: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const file of files) {
    const handle = await open(file, 'r').catch(() => undefined);
    if (!handle) continue;
    try {
      const head = Buffer.alloc(132);
      const { bytesRead } = await handle.read(head, 0, 132, 0);
      if (isPart10(head.subarray(0, bytesRead))) found.push(file);
    } finally {
      await handle.close();
    }
  }
  return found;
}

export interface StowResult {
  stored: number;
}

export async function storeInstances(server: Server, files: readonly string[]): Promise<StowResult> {
  const boundary = `mhub-${randomBytes(12).toString('hex')}`;
  let length = 0;
  for (const file of files) length += (await stat(file)).size;
  const body = Readable.from(
    (async function* () {
      for (const file of files) {
        yield Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`);
        yield* createReadStream(file);
        yield Buffer.from('\r\n');
      }
      yield Buffer.from(`--${boundary}--\r\n`);
    })(),
  );
  const what = `storing ${files.length} result instance${files.length === 1 ? '' : 's'} (${(length / 2 ** 20).toFixed(1)} MB)`;
  const response = await request(server, '/studies', {
    method: 'POST',
    accept: 'application/dicom+json',
    headers: { 'Content-Type': `multipart/related; type="application/dicom"; boundary=${boundary}` },
    body,
    what,
  });
  // PS3.18 10.5.3: 200 all stored; 202 some failed (FailedSOPSequence, 0008,1198).
  const answer = await readJsonArrayOrObject(response);
  const failed = (answer?.['00081198'] as { Value?: unknown[] } | undefined)?.Value ?? [];
  const stored = (answer?.['00081199'] as { Value?: unknown[] } | undefined)?.Value ?? [];
  if (response.status === 202 || failed.length > 0) {
    throw new MhubError(
      'ENVIRONMENT',
      `${displayUrl(server.base)} refused ${failed.length} of ${files.length} result instances (HTTP ${response.status})`,
      'the server log names the reason (e.g. a study it does not hold, or a SOP class it does not accept)',
    );
  }
  return { stored: stored.length || files.length };
}
