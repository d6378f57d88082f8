// One HTTP request to a DICOMweb server, with its failures as MhubErrors: unreachable and
// refused credentials are the environment (exit 4), a missing study or series is bad input (3).
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
  body?: BodyInit;
  /** What the request is for, in messages: "the series of study 1.2.3". */
  what: string;
  /** 404 means this (a NOT_FOUND message); without it a 404 is a server error. */
  notFound?: string;
}

export async function request(server: Server, route: string, options: RequestOptions): Promise<Response> {
  const url = `${server.base}${route}`;
  const headers: Record<string, string> = { Accept: options.accept, ...options.headers };
  if (server.authorization) headers.Authorization = server.authorization;
  let response: Response;
  try {
    response = await fetch(url, {
      method: options.method ?? 'GET',
      headers,
      body: options.body,
      signal: server.signal,
      // Streamed request bodies (STOW-RS) need half duplex in Node's fetch.
      ...(options.body ? { duplex: 'half' } : {}),
    } as RequestInit);
  } catch (error) {
    throw networkError(server, error, options.what);
  }
  if (response.ok) return response;
  await response.body?.cancel().catch(() => {});
  const where = displayUrl(server.base);
  if (response.status === 401 || response.status === 403) {
    throw new MhubError(
      'ENVIRONMENT',
      `${where} refused ${options.what} (HTTP ${response.status}): ${server.authorization ? 'the credentials were not accepted' : 'it needs credentials'}`,
      'set MHUB_DICOMWEB_TOKEN, or MHUB_DICOMWEB_USER and MHUB_DICOMWEB_PASSWORD, or the config file MHUB_DICOMWEB_CONFIG (mode 600)',
    );
  }
  if (response.status === 404 && options.notFound) {
    throw new MhubError('NOT_FOUND', `${where}: ${options.notFound}`, 'check the UIDs in the address');
  }
  throw new MhubError(
    'ENVIRONMENT',
    `${where} answered HTTP ${response.status} ${response.statusText} to ${options.what}`,
    'the server log says why',
  );
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
  response: Response,
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
  response: Response,
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
