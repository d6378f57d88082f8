// A real Orthanc for the PACS tests: Debian's `orthanc` with the `orthanc-dicomweb` plugin, started
// per test file on 127.0.0.1 with free ports and a config written here, storage in a temp folder,
// stopped (and its folder removed) afterwards. scripts/ci/pacs.sh installs it.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { requirement } from '../support/requirements.ts';

export const DICOMWEB_PLUGIN = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';

export const hasOrthanc: boolean = requirement(
  "Debian's Orthanc with the DICOMweb plugin",
  spawnSync('Orthanc', ['--version'], { stdio: 'ignore' }).status === 0 && existsSync(DICOMWEB_PLUGIN),
  'scripts/ci/pacs.sh installs orthanc and orthanc-dicomweb',
);

/** A port nobody listens on right now (the kernel picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

export interface OrthancOptions {
  /** user -> password: turns on HTTP basic authentication. */
  users?: Record<string, string>;
  /** AE title -> port on 127.0.0.1: modalities Orthanc may send to. */
  modalities?: Record<string, number>;
}

export interface Orthanc {
  http: string;
  /** The DICOMweb root, as mhub takes it: dicomweb+http://127.0.0.1:port/dicom-web */
  dicomweb: string;
  dicomPort: number;
  aet: string;
  /** Orthanc's REST API with the admin credentials when authentication is on. */
  rest(route: string, init?: RequestInit): Promise<Response>;
  /** Uploads Part 10 files through the REST API; returns their Orthanc ids. */
  upload(files: string[]): Promise<void>;
  stop(): Promise<void>;
}

export async function startOrthanc(options: OrthancOptions = {}): Promise<Orthanc> {
  const dir = mkdtempSync(path.join(tmpdir(), 'mhub-orthanc-'));
  const [httpPort, dicomPort] = [await freePort(), await freePort()];
  const admin = { user: 'mhub-test-admin', password: 'admin-secret' };
  const users = options.users ? { ...options.users, [admin.user]: admin.password } : undefined;
  const config = {
    Name: 'mhub-test',
    StorageDirectory: path.join(dir, 'db'),
    IndexDirectory: path.join(dir, 'db'),
    HttpPort: httpPort,
    DicomPort: dicomPort,
    DicomAet: 'ORTHANC',
    RemoteAccessAllowed: false,
    AuthenticationEnabled: users !== undefined,
    RegisteredUsers: users ?? {},
    Plugins: [DICOMWEB_PLUGIN],
    DicomWeb: { Enable: true, Root: '/dicom-web/' },
    DicomModalities: Object.fromEntries(
      Object.entries(options.modalities ?? {}).map(([aet, port]) => [
        aet.toLowerCase(),
        [aet, '127.0.0.1', port],
      ]),
    ),
    StorageCompression: false,
    SaveJobs: false,
    HttpCompressionEnabled: false,
  };
  const configFile = path.join(dir, 'orthanc.json');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const log = path.join(dir, 'orthanc.log');
  // setpriv (util-linux) execs Orthanc with a parent-death signal: a test process that dies without
  // its afterAll still takes its Orthanc with it.
  const child: ChildProcess = spawn(
    'setpriv',
    ['--pdeathsig', 'TERM', 'Orthanc', `--logfile=${log}`, configFile],
    {
      stdio: 'ignore',
    },
  );
  const http = `http://127.0.0.1:${httpPort}`;
  const authHeader: Record<string, string> = users
    ? { Authorization: `Basic ${Buffer.from(`${admin.user}:${admin.password}`).toString('base64')}` }
    : {};
  const rest = (route: string, init: RequestInit = {}) =>
    fetch(`${http}${route}`, {
      ...init,
      headers: { ...authHeader, ...((init.headers as Record<string, string>) ?? {}) },
    });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      const text = existsSync(log) ? readFileSync(log, 'utf8').slice(-2000) : '';
      await stop();
      throw new Error(`Orthanc exited with ${child.exitCode}: ${text}`);
    }
    // Read the body: an unread one left on a keep-alive socket trips an undici assertion when
    // Orthanc closes it later.
    const ok = await rest('/system').then(
      async (r) => {
        await r.arrayBuffer();
        return r.ok;
      },
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error('Orthanc did not answer within 30 s');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    http,
    dicomweb: `dicomweb+${http}/dicom-web`,
    dicomPort,
    aet: 'ORTHANC',
    rest,
    async upload(files) {
      for (const file of files) {
        const r = await rest('/instances', { method: 'POST', body: readFileSync(file) });
        if (!r.ok) throw new Error(`Orthanc refused ${file}: HTTP ${r.status} ${await r.text()}`);
      }
    },
    stop,
  };
}
