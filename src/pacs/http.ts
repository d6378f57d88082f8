// One HTTP request to a DICOMweb server, with its failures as MhubErrors: unreachable and
// refused credentials are the environment (exit 4), a missing study or series is bad input (3).
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { MhubError } from '../errors.ts';
import { displayUrl } from './url.ts';

export interface Server {
  /** Service root without trailing slash. */
  base: string;
  /** Authorization header value; never printed. */
  authorization?: string;
  signal?: AbortSignal;
}

export interface RequestOptions {
  method?: 'GET' | 'POST';
  accept: string;
  headers?: Record<string, string>;
  body?: Readable;
  /** What the request is for, in messages: "the series of study 1.2.3". */
  what: string;
  /** 404 means this (a NOT_FOUND message); without it a 404 is a server error. */
  notFound?: string;
}

export interface HttpResponse {
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  /** The body as a byte stream (Buffers); read it or destroy it. */
  body: IncomingMessage;
  text(): Promise<string>;
}

// node:http rather than fetch: Node 22's bundled undici crashes the process with an uncatchable
// assert(!this.paused) when a server closes the socket while a body is under backpressure
// (nodejs/undici#5360, fixed in undici PR #5474), which is what a slow disk does to a WADO-RS
// download from Orthanc. node:http also hands over plain Buffers, without web-stream overhead.
const agents = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
};

/** How long a connection may stay silent (answer or body) before it counts as broken. */
export const IDLE_TIMEOUT_MS = Number(process.env.MHUB_DICOMWEB_IDLE_TIMEOUT_S ?? 120) * 1000;

function send(url: URL, options: RequestOptions, headers: Record<string, string>, signal?: AbortSignal) {
  return new Promise<IncomingMessage>((resolve, reject) => {
    const lib = url.protocol === 'https:' ? https : http;
    const req = lib.request(url, {
      method: options.method ?? 'GET',
      headers,
      agent: agents[url.protocol as 'http:'],
      signal,
    });
    // A server that stops sending (not closing) would otherwise hold the run forever.
    req.setTimeout(IDLE_TIMEOUT_MS, () => {
      const error = new Error(`no data for ${IDLE_TIMEOUT_MS / 1000} s`) as NodeJS.ErrnoException;
      error.code = 'ETIMEDOUT';
      req.destroy(error);
    });
    req.once('response', resolve);
    req.once('error', reject);
    if (options.body) {
      options.body.once('error', (error) => req.destroy(error));
      options.body.pipe(req);
    } else req.end();
  });
}

export async function request(server: Server, route: string, options: RequestOptions): Promise<HttpResponse> {
  const url = new URL(`${server.base}${route}`);
  const headers: Record<string, string> = { Accept: options.accept, ...options.headers };
  if (server.authorization) headers.Authorization = server.authorization;
  let body: IncomingMessage;
  try {
    body = await send(url, options, headers, server.signal);
  } catch (error) {
    throw networkError(server, error, options.what);
  }
  const status = body.statusCode ?? 0;
  const response: HttpResponse = {
    status,
    statusText: body.statusMessage ?? '',
    headers: body.headers,
    body,
    async text() {
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
  if (status >= 200 && status < 300) return response;
  body.resume(); // drain, so the connection can be reused
  const where = displayUrl(server.base);
  if (status === 401 || status === 403) {
    throw new MhubError(
      'ENVIRONMENT',
      `${where} refused ${options.what} (HTTP ${status}): ${server.authorization ? 'the credentials were not accepted' : 'it needs credentials'}`,
      'set MHUB_DICOMWEB_TOKEN, or MHUB_DICOMWEB_USER and MHUB_DICOMWEB_PASSWORD, or the config file MHUB_DICOMWEB_CONFIG (mode 600)',
    );
  }
  if (status === 404 && options.notFound) {
    throw new MhubError('NOT_FOUND', `${where}: ${options.notFound}`, 'check the UIDs in the address');
  }
  throw new MhubError(
    'ENVIRONMENT',
    `${where} answered HTTP ${status} ${response.statusText} to ${options.what}`,
    'the server log says why',
  );
}

// How many chunks may wait for the reader before the socket is paused (64 KiB each: 1 MiB).
const QUEUED_CHUNKS = 16;

/**
 * The body's chunks as node:http delivers them. A Readable's own async iterator calls read(),
 * which joins every chunk buffered meanwhile into one new Buffer: a copy of most of the response
 * whenever the reader falls behind (a third of a WADO-RS retrieval's CPU time was that copy and
 * its garbage). Here chunks pass through as they are, with the socket paused while enough wait.
 */
export async function* bodyChunks(body: Readable): AsyncGenerator<Buffer> {
  const queue: Buffer[] = [];
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const onData = (chunk: Buffer) => {
    queue.push(chunk);
    if (queue.length >= QUEUED_CHUNKS) body.pause();
    notify();
  };
  const onEnd = () => {
    ended = true;
    notify();
  };
  const onError = (error: Error) => {
    failure ??= error;
    notify();
  };
  // Closed without 'end': the connection broke (the caller's parser also sees the body stop short).
  const onClose = () => {
    if (!ended) {
      const error = new Error('the connection closed before the response ended') as NodeJS.ErrnoException;
      error.code = 'ERR_STREAM_PREMATURE_CLOSE';
      onError(error);
    }
  };
  body.on('data', onData);
  body.once('end', onEnd);
  body.once('error', onError);
  body.once('close', onClose);
  try {
    for (;;) {
      if (queue.length > 0) {
        const chunk = queue.shift()!;
        if (body.isPaused() && queue.length < QUEUED_CHUNKS / 2) body.resume();
        yield chunk;
      } else if (failure) throw failure;
      else if (ended) return;
      else await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    body.off('data', onData);
    body.off('end', onEnd);
    body.off('error', onError);
    body.off('close', onClose);
  }
}

/** A failure before any answer: refused, unknown host, reset, cancelled. */
export function networkError(server: Server, error: unknown, what: string): MhubError {
  if (server.signal?.aborted) return new MhubError('CANCELLED', `cancelled while ${what}`);
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const reason = cause?.code ?? cause?.message ?? (error as Error)?.message ?? String(error);
  return new MhubError(
    'ENVIRONMENT',
    `cannot reach ${displayUrl(server.base)} for ${what} (${reason})`,
    'check the address and port, and that the server is running and reachable from here',
    { cause: error },
  );
}

/** A DICOM JSON attribute's first value as text ("0020000E" -> the UID). */
export function firstValue(item: Record<string, { Value?: unknown[] }>, tag: string): string | undefined {
  const value = item[tag]?.Value?.[0];
  return value === undefined || value === null ? undefined : String(value);
}

export async function readJsonArray(
  response: HttpResponse,
  server: Server,
  what: string,
): Promise<Record<string, { Value?: unknown[] }>[]> {
  // QIDO-RS answers 204 No Content when nothing matches.
  if (response.status === 204) return [];
  const text = await response.text();
  if (text.trim() === '') return [];
  try {
    const value = JSON.parse(text) as unknown;
    if (Array.isArray(value)) return value as Record<string, { Value?: unknown[] }>[];
  } catch {
    // reported below
  }
  throw new MhubError(
    'ENVIRONMENT',
    `${displayUrl(server.base)} sent a malformed answer to ${what} (not a DICOM JSON array)`,
    'check that the address is the DICOMweb root (e.g. http://host:8042/dicom-web)',
  );
}

/** A STOW-RS answer: one DICOM JSON object (some servers wrap it in an array), or nothing. */
export async function readJsonArrayOrObject(
  response: HttpResponse,
): Promise<Record<string, unknown> | undefined> {
  const text = await response.text().catch(() => '');
  try {
    const value = JSON.parse(text) as unknown;
    const item = Array.isArray(value) ? value[0] : value;
    return item && typeof item === 'object' ? (item as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
