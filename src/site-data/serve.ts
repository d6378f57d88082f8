// A small static file server for the built site (npm start, the browser tests, the bench):
// directory URLs serve index.html, unknown paths the 404 page, text is gzip-compressed when the
// client accepts it (as any real host would), and nothing outside the root is ever served.
import { readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.wasm': 'application/wasm',
  '.zip': 'application/zip',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
};
const COMPRESSIBLE = new Set(['.html', '.css', '.js', '.json', '.svg', '.txt']);

/** Files and their gzip form, kept per path and modification time: a built site does not change. */
const cache = new Map<string, { mtimeMs: number; body: Buffer; gzip?: Buffer }>();

async function load(file: string, compress: boolean) {
  const { mtimeMs } = await stat(file);
  let entry = cache.get(file);
  if (!entry || entry.mtimeMs !== mtimeMs) {
    entry = { mtimeMs, body: await readFile(file) };
    cache.set(file, entry);
  }
  if (compress) entry.gzip ??= gzipSync(entry.body);
  return compress ? entry.gzip! : entry.body;
}

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

async function resolveFile(root: string, urlPath: string): Promise<string | undefined> {
  const decoded = decodeURIComponent(urlPath.split('?')[0]!);
  const file = path.resolve(root, `.${path.posix.normalize(decoded)}`);
  if (file !== root && !file.startsWith(root + path.sep)) return undefined;
  const info = await stat(file).catch(() => undefined);
  if (info?.isFile()) return file;
  if (info?.isDirectory()) {
    const index = path.join(file, 'index.html');
    if (await stat(index).catch(() => undefined)) return index;
  }
  return undefined;
}

export async function serveStatic(
  dir: string,
  options: { port?: number; host?: string } = {},
): Promise<StaticServer> {
  const root = path.resolve(dir);
  const host = options.host ?? '127.0.0.1';
  const server: Server = createServer(async (req, res) => {
    try {
      const urlPath = req.url ?? '/';
      // /models/x (no slash) -> /models/x/, as static hosts do, so relative links stay right.
      const file = await resolveFile(root, urlPath);
      if (file?.endsWith('index.html') && !urlPath.split('?')[0]!.endsWith('/') && !urlPath.includes('.')) {
        res.writeHead(301, { location: `${urlPath.split('?')[0]}/` }).end();
        return;
      }
      const target = file ?? (await resolveFile(root, '/404.html'));
      const status = file ? 200 : 404;
      if (!target) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      const ext = path.extname(target);
      const compress = COMPRESSIBLE.has(ext) && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
      const body = await load(target, compress);
      const headers: Record<string, string> = {
        'content-type': TYPES[ext] ?? 'application/octet-stream',
        'cache-control': 'no-cache',
      };
      if (compress) headers['content-encoding'] = 'gzip';
      headers['content-length'] = String(body.length);
      res.writeHead(status, headers).end(req.method === 'HEAD' ? undefined : body);
    } catch (error) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
