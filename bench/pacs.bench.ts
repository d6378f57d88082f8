// Benchmark for DICOMweb retrieval (issue 15): a 512x512x300 CT study (written once with pydicom
// into /tmp/mhub-bench-pacs-ct, reused by later runs) uploaded to a local Orthanc with the DICOMweb
// plugin; QIDO-RS series query + `retrieveSeries` (streamed WADO-RS multipart to disk) against
// curl fetching the same WADO-RS multipart response to a file, alternated in the same run.
// Goal: at least 0.8x curl's MB/s. Usage: node bench/pacs.bench.ts [--reps 3]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { listSeries, retrieveSeries } from '../src/pacs/index.ts';
import { startOrthanc } from '../test/pacs/orthanc.ts';

const argv = process.argv.slice(2);
const reps = Number(argv[argv.indexOf('--reps') + 1]) || 3;
const STUDY = '1.2.826.0.1.3680043.8.498.9001';
const SERIES = '1.2.826.0.1.3680043.8.498.9002';
const source = path.join(tmpdir(), 'mhub-bench-pacs-ct');
const writer = path.join(import.meta.dirname, '..', 'test', 'io', 'py', 'make_series.py');

if (!existsSync(path.join(source, '.complete'))) {
  rmSync(source, { recursive: true, force: true });
  console.log('writing the 512x512x300 CT phantom with pydicom (once) ...');
  const options = { size: [512, 512, 300], studyUid: STUDY, seriesUid: SERIES, shuffle: false };
  execFileSync('/usr/bin/python3', [writer, source, JSON.stringify(options)], { stdio: 'inherit' });
  execFileSync('touch', [path.join(source, '.complete')]);
}
const files = readdirSync(source)
  .filter((f) => f.endsWith('.dcm') || !f.startsWith('.'))
  .map((f) => path.join(source, f));
const orthanc = await startOrthanc();
const work = mkdtempSync(path.join(tmpdir(), 'mhub-bench-pacs-'));
try {
  const t = performance.now();
  await orthanc.upload(files);
  console.log(`uploaded ${files.length} instances in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const base = `${orthanc.http}/dicom-web`;
  const ours: number[] = [];
  const curl: number[] = [];
  let bytes = 0;
  for (let rep = 0; rep <= reps; rep++) {
    const runOurs = async () => {
      const dir = path.join(work, `ours-${rep}`);
      const t0 = performance.now();
      // As `mhub run` does it: the series query (which gives the instance count), then the retrieval.
      const [info] = await listSeries({ base }, STUDY);
      const got = await retrieveSeries({ base }, STUDY, SERIES, dir, () => {}, info?.instances);
      const seconds = (performance.now() - t0) / 1000;
      rmSync(dir, { recursive: true, force: true });
      return { seconds, bytes: got.bytes };
    };
    const runCurl = () => {
      const file = path.join(work, `curl-${rep}.multipart`);
      const t0 = performance.now();
      execFileSync('curl', [
        '-sSf',
        '-o',
        file,
        '-H',
        'Accept: multipart/related; type="application/dicom"; transfer-syntax=*',
        `${base}/studies/${STUDY}/series/${SERIES}`,
      ]);
      const seconds = (performance.now() - t0) / 1000;
      const size = statSync(file).size;
      rmSync(file, { force: true });
      return { seconds, bytes: size };
    };
    // Alternate which goes first: the second of a pair finds Orthanc's and the OS's caches warmer.
    let o: { seconds: number; bytes: number };
    let c: { seconds: number; bytes: number };
    if (rep % 2 === 0) {
      o = await runOurs();
      c = runCurl();
    } else {
      c = runCurl();
      o = await runOurs();
    }
    const oursS = o.seconds;
    const curlS = c.seconds;
    const curlBytes = c.bytes;
    bytes = o.bytes;
    const mb = (n: number) => n / 2 ** 20;
    // The first round warms Orthanc's caches and the page cache; it is not counted.
    if (rep === 0) continue;
    ours.push(mb(bytes) / oursS);
    curl.push(mb(curlBytes) / curlS);
    console.log(
      `round ${rep}: mhub ${(mb(bytes) / oursS).toFixed(0)} MB/s (${oursS.toFixed(2)} s), curl ${(mb(curlBytes) / curlS).toFixed(0)} MB/s (${curlS.toFixed(2)} s)`,
    );
  }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
  const ratio = median(ours) / median(curl);
  console.log(
    `\nDICOMweb retrieval of ${files.length} instances, ${(bytes / 2 ** 20).toFixed(0)} MB: mhub ${median(ours).toFixed(0)} MB/s, curl ${median(curl).toFixed(0)} MB/s, ratio ${ratio.toFixed(2)} (goal >= 0.80) ${ratio >= 0.8 ? 'OK' : 'BELOW GOAL'}`,
  );
} finally {
  await orthanc.stop();
  rmSync(work, { recursive: true, force: true });
}
