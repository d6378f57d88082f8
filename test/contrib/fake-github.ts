// FAKE GitHub REST API for offline tests: a `fetch` that serves recorded responses (fixtures in
// GitHub's real shapes, test/contrib/fixtures/github/) and records every request it receives.
// Octokit runs for real on top of it: routing, pagination via Link headers, error classes.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const FIXTURES = fileURLToPath(new URL('./fixtures/github/', import.meta.url));
export const API = 'https://api.github.com';

export function fixture(name: string): unknown {
  return JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8'));
}

export interface FakeResponse {
  status?: number;
  /** A fixture file name, or the body itself. */
  fixture?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RecordedRequest {
  method: string;
  /** Decoded path with the query, e.g. /repos/o/r/pulls/42/files?per_page=100&page=2 */
  path: string;
  body?: unknown;
}

type Responder = FakeResponse | ((request: RecordedRequest) => FakeResponse);

/** Routes are 'METHOD /path?query' (query as sent, keys in any order). */
export function fakeGitHub(routes: Record<string, Responder>) {
  const requests: RecordedRequest[] = [];
  const unmatched: string[] = [];
  const normalise = (route: string) => {
    const [method, target] = route.split(' ');
    const url = new URL(target!, API);
    const query = [...url.searchParams.entries()].sort(([a], [b]) => a.localeCompare(b));
    const q = new URLSearchParams(query).toString();
    return `${method} ${decodeURIComponent(url.pathname)}${q ? `?${q}` : ''}`;
  };
  const table = new Map(Object.entries(routes).map(([k, v]) => [normalise(k), v]));

  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const method = (init?.method ?? 'GET').toUpperCase();
    const key = normalise(`${method} ${url.pathname}${url.search}`);
    const body = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
    const request: RecordedRequest = {
      method,
      path: key.slice(method.length + 1),
      ...(body ? { body } : {}),
    };
    requests.push(request);
    const responder = table.get(key);
    if (!responder) {
      unmatched.push(key);
      return json(url, 404, fixture('error-404.json'), {});
    }
    const r = typeof responder === 'function' ? responder(request) : responder;
    return json(url, r.status ?? 200, r.fixture ? fixture(r.fixture) : (r.body ?? null), r.headers ?? {});
  };
  return { fetch: fetch as typeof globalThis.fetch, requests, unmatched };
}

function json(url: URL, status: number, body: unknown, headers: Record<string, string>): Response {
  const response = new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'x-github-api-version-selected': '2022-11-28',
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4990',
      ...headers,
    },
  });
  // A fetched Response knows its URL (Octokit's paginator reads it); a constructed one does not.
  Object.defineProperty(response, 'url', { value: url.toString() });
  return response;
}

/** GitHub's pagination header for page `page` of `last`. */
export function linkHeader(
  pathname: string,
  page: number,
  last: number,
  perPage = 100,
): Record<string, string> {
  const link = (p: number, rel: string) => `<${API}${pathname}?per_page=${perPage}&page=${p}>; rel="${rel}"`;
  const parts = [
    ...(page < last ? [link(page + 1, 'next'), link(last, 'last')] : []),
    ...(page > 1 ? [link(1, 'first'), link(page - 1, 'prev')] : []),
  ];
  return parts.length ? { link: parts.join(', ') } : {};
}

/** Serves a fake over HTTP on localhost, for scripts run as processes (GITHUB_API_URL). */
export async function serveFake(fake: {
  fetch: typeof globalThis.fetch;
}): Promise<{ url: string; close(): void }> {
  const { createServer } = await import('node:http');
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = chunks.length ? Buffer.concat(chunks).toString('utf8') : undefined;
      const response = await fake.fetch(`${API}${req.url}`, {
        method: req.method ?? 'GET',
        ...(body ? { body } : {}),
      });
      res.writeHead(response.status, Object.fromEntries(response.headers.entries()));
      res.end(Buffer.from(await response.arrayBuffer()));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}`, close: () => server.close() };
}
