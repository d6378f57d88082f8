// Where DICOMweb retrieval time goes (issue 15 profiling aid, not a benchmark of record): against a
// local Orthanc holding the bench's 512x512x300 CT (run bench/pacs.bench.ts once first to write it),
// times and CPU (run with node --expose-gc, so each starts with a clean heap) of: curl to a file, node:http read and discarded, + the multipart parse, and the
// whole retrieveSeries. Usage: node bench/pacs-parts.ts [--reps 5]
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeAll } from '../src/fsafe/index.ts';
import { bodyChunks } from '../src/pacs/http.ts';
import { listSeries, retrieveSeries } from '../src/pacs/index.ts';
import { boundaryOf, readMultipart } from '../src/pacs/multipart.ts';
import { startOrthanc } from '../test/pacs/orthanc.ts';

const argv = process.argv.slice(2);
const reps = Number(argv[argv.indexOf('--reps') + 1]) || 5;
// --profile FILE: a V8 CPU profile of the timed runs only (not the upload), for chrome://inspect.
const profile = argv.includes('--profile') ? argv[argv.indexOf('--profile') + 1] : undefined;
// --base CHECKOUT: also time that checkout's retrieveSeries (variant "base"), alternated with this one.
const baseCheckout = argv.includes('--base') ? argv[argv.indexOf('--base') + 1] : undefined;
const baseLib = baseCheckout
  ? ((await import(path.resolve(baseCheckout, 'src/pacs/index.ts'))) as typeof import('../src/pacs/index.ts'))
  : undefined;
const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1]!.split(',') : undefined;
const STUDY = '1.2.826.0.1.3680043.8.498.9001';
const SERIES = '1.2.826.0.1.3680043.8.498.9002';
const source = path.join(tmpdir(), 'mhub-bench-pacs-ct');
const files = readdirSync(source)
  .filter((f) => !f.startsWith('.'))
  .map((f) => path.join(source, f));
const orthanc = await startOrthanc();
const work = mkdtempSync(path.join(tmpdir(), 'mhub-bench-parts-'));
const ACCEPT = 'multipart/related; type="application/dicom"; transfer-syntax=*';
const curlCpu: number[] = [];
const curlSys: number[] = [];
const agent = new http.Agent({ keepAlive: true });
const get = (url: string) =>
  new Promise<http.IncomingMessage>((resolve, reject) =>
    http.get(url, { headers: { Accept: ACCEPT }, agent }, resolve).once('error', reject),
  );
try {
  await orthanc.upload(files);
  const base = `${orthanc.http}/dicom-web`;
  const url = `${base}/studies/${STUDY}/series/${SERIES}`;
  const variants: Record<string, (rep: number) => Promise<void>> = {
    curl: async (rep) => {
      // curl's own CPU (user + system) from GNU time, printed on stderr.
      const r = spawnSync(
        '/usr/bin/time',
        ['-f', '%U %S', 'curl', '-sSf', '-o', path.join(work, `c${rep}`), '-H', `Accept: ${ACCEPT}`, url],
        { encoding: 'utf8' },
      );
      const [u, s] = r.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
      curlCpu.push(u! + s!);
      curlSys.push(s!);
      rmSync(path.join(work, `c${rep}`));
    },
    discard: async () => {
      const res = await get(url);
      await new Promise((r) => {
        res.on('data', () => {});
        res.on('end', r);
      });
    },
    parseiter: async () => {
      const res = await get(url);
      await readMultipart(res, boundaryOf(res.headers['content-type'] ?? null), {
        begin() {},
        data() {},
        end() {},
      });
    },
    // Parsed and every part held in memory until the response ends (no file): the cost of the
    // buffers themselves.
    hold: async () => {
      const res = await get(url);
      const held: Buffer[] = [];
      await readMultipart(bodyChunks(res), boundaryOf(res.headers['content-type'] ?? null), {
        begin() {},
        data(chunk) {
          held.push(chunk);
          if (held.length > 512) held.splice(0, 256);
        },
        end() {},
      });
    },
    parse: async () => {
      const res = await get(url);
      await readMultipart(bodyChunks(res), boundaryOf(res.headers['content-type'] ?? null), {
        begin() {},
        data() {},
        end() {},
      });
    },
    curlnull: async () => {
      const r = spawnSync(
        '/usr/bin/time',
        ['-f', '%U %S', 'curl', '-sSf', '-o', '/dev/null', '-H', `Accept: ${ACCEPT}`, url],
        { encoding: 'utf8' },
      );
      const [u, s] = r.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
      curlCpu.push(u! + s!);
      curlSys.push(s!);
    },
    syncw: async (rep) => {
      const dir = path.join(work, `m${rep}`);
      mkdirSync(dir);
      const res = await get(url);
      let fd = -1;
      let n = 0;
      let name = '';
      await readMultipart(bodyChunks(res), boundaryOf(res.headers['content-type'] ?? null), {
        begin() {
          name = path.join(dir, `.${n++}.tmp`);
          fd = openSync(name, 'wx', 0o644);
        },
        data(chunk) {
          writeAll(fd, chunk, name);
        },
        end() {
          closeSync(fd);
          renameSync(name, path.join(dir, `${n}.dcm`));
        },
      });
    },
    ...(baseLib
      ? {
          base: async (rep: number) => {
            const [info] = await baseLib.listSeries({ base }, STUDY);
            const dir = path.join(work, `m${rep}`);
            await baseLib.retrieveSeries({ base }, STUDY, SERIES, dir, () => {}, info?.instances);
          },
        }
      : {}),
    mhub: async (rep) => {
      const [info] = await listSeries({ base }, STUDY);
      const dir = path.join(work, `m${rep}`);
      await retrieveSeries({ base }, STUDY, SERIES, dir, () => {}, info?.instances);
    },
  };
  const names = Object.keys(variants).filter((n) => !only || only.includes(n));
  const times = new Map<string, number[]>(names.map((n) => [n, []]));
  const cpu = new Map<string, number[]>(names.map((n) => [n, []]));
  const sys = new Map<string, number[]>(names.map((n) => [n, []]));
  const session = profile ? new Session() : undefined;
  session?.connect();
  await session?.post('Profiler.enable');
  for (let rep = 0; rep <= reps; rep++) {
    if (rep === 1) await session?.post('Profiler.start');
    for (const name of rep % 2 ? [...names].reverse() : names) {
      // The garbage of the variant before is collected now, not on this one's CPU time.
      (globalThis as { gc?: () => void }).gc?.();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await variants[name]!(rep);
      const s = (performance.now() - t0) / 1000;
      const c = process.cpuUsage(c0);
      rmSync(path.join(work, `m${rep}`), { recursive: true, force: true });
      if (rep === 0) continue;
      times.get(name)!.push(s);
      cpu.get(name)!.push(name.startsWith('curl') ? curlCpu.at(-1)! : (c.user + c.system) / 1e6);
      sys.get(name)!.push(name.startsWith('curl') ? curlSys.at(-1)! : c.system / 1e6);
    }
  }
  if (session) {
    const { profile: p } = await session.post('Profiler.stop');
    writeFileSync(profile!, JSON.stringify(p));
  }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
  // Per round, each variant's time over curl's in the same round (neighbours in time share the
  // machine's load): the median of those ratios is steadier than a ratio of medians.
  const paired = (n: string) =>
    times.has('curl') && n !== 'curl'
      ? `, time/curl per round: median ${median(times.get(n)!.map((t, i) => t / times.get('curl')![i]!)).toFixed(2)}`
      : '';
  for (const n of names)
    console.log(
      `${n.padEnd(8)} median ${median(times.get(n)!).toFixed(2)} s (all ${times
        .get(n)!
        .map((t) => t.toFixed(2))
        .join(
          ' ',
        )}), CPU ${median(cpu.get(n)!).toFixed(2)} s (system ${median(sys.get(n)!).toFixed(2)} s)${paired(n)}`,
    );
} finally {
  await orthanc.stop();
  rmSync(work, { recursive: true, force: true });
}
