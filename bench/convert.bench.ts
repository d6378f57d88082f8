// Benchmark for the standard I/O (issue 3). Prints ratios against baselines measured in the
// same run: DICOM -> NIfTI against dcm2niix (uncompressed and gzipped, same zlib level 6),
// and a 104-segment label map -> DICOM SEG against the 2 s goal.
// Usage: node bench/convert.bench.ts [--slices 300] [--keep]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeDicomSeries, writeNifti } from '../src/io/index.ts';
import type { Volume } from '../src/io/volume.ts';

const argv = process.argv.slice(2);
const slices = Number(argv[argv.indexOf('--slices') + 1]) || 300;
const keep = argv.includes('--keep');
const N = 512;
const root = mkdtempSync(path.join(tmpdir(), 'mhub-bench-'));
const child = path.join(import.meta.dirname, 'convert-child.ts');
const card = path.join(import.meta.dirname, '..', 'registry', 'models', 'totalsegmentator.md');

/** A CT-like phantom: air outside, a soft-tissue ellipse with noise, a bony ring, a spine. */
function phantom(): Volume {
  const data = new Int16Array(N * N * slices);
  let seed = 12345;
  const noise = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return (seed >> 16) % 21;
  };
  for (let k = 0; k < slices; k++) {
    const scale = 0.85 + 0.1 * Math.sin(k / 40);
    for (let j = 0; j < N; j++) {
      for (let i = 0; i < N; i++) {
        const x = (i - 256) / (200 * scale);
        const y = (j - 256) / (150 * scale);
        const r = x * x + y * y;
        let hu = -1000;
        if (r < 1) hu = r > 0.85 ? 700 : 40 + noise();
        const sx = i - 256;
        const sy = j - 360;
        if (sx * sx + sy * sy < 600) hu = 500 + noise();
        data[i + N * (j + N * k)] = hu + 1024; // stored, intercept -1024
      }
    }
  }
  return {
    size: [N, N, slices],
    spacing: [0.78125, 0.78125, 1.25],
    origin: [-200, -200, -100],
    axes: [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ],
    data,
    rescale: { slope: 1, intercept: -1024 },
    info: { patientId: 'BENCH', patientName: 'Bench^Phantom', modality: 'CT' },
  };
}

/** 104 box-shaped segments of 25 slices each, spread over the volume. */
function labelMap(grid: Volume): Volume {
  const data = new Uint8Array(N * N * slices);
  const cols = 11;
  const cell = Math.floor(N / cols);
  for (let s = 0; s < 104; s++) {
    const k0 = Math.floor((s * (slices - 25)) / 103);
    const ci = s % cols;
    const cj = Math.floor(s / cols);
    for (let k = k0; k < k0 + 25; k++)
      for (let j = cj * cell + 4; j < (cj + 1) * cell - 4; j++)
        for (let i = ci * cell + 4; i < (ci + 1) * cell - 4; i++) data[i + N * (j + N * k)] = s + 1;
  }
  const { rescale: _r, info: _i, ...geometry } = grid;
  return { ...geometry, data };
}

function timeCommand(cmd: string, args: string[]): { seconds: number; maxRssBytes?: number } {
  const gnuTime = existsSync('/usr/bin/time');
  const t0 = performance.now();
  const r = gnuTime
    ? spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { encoding: 'utf8' })
    : spawnSync(cmd, args, { encoding: 'utf8' });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
  const kb = gnuTime ? Number(r.stderr.trim().split('\n').at(-1)) : Number.NaN;
  return { seconds, ...(Number.isFinite(kb) ? { maxRssBytes: kb * 1024 } : {}) };
}

function ours(args: string[]): {
  seconds: number;
  maxRssBytes: number;
  writeSeconds?: number;
  frames?: number;
} {
  const out = execFileSync(process.execPath, [child, ...args], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

const fmt = (s: number) => `${s.toFixed(2)} s`;
const mb = (b: number) => `${(b / 1e6).toFixed(0)} MB`;

try {
  console.log(`bench: ${N}x${N}x${slices} int16 CT series (${slices} files) in ${root}`);
  const volume = phantom();
  const volumeBytes = volume.data.byteLength;
  const dicom = path.join(root, 'dicom');
  await writeDicomSeries(dicom, volume);
  // Warm the page cache so the first tool does not pay for cold reads.
  for (const f of readdirSync(dicom)) readFileSync(path.join(dicom, f));

  const rows: string[] = [];
  for (const gz of [false, true]) {
    const refDir = path.join(root, `dcm2niix-${gz}`);
    mkdirSync(refDir);
    const ref = timeCommand('dcm2niix', ['-z', gz ? 'y' : 'n', '-f', 'ref', '-o', refDir, dicom]);
    const out = path.join(root, gz ? 'ours.nii.gz' : 'ours.nii');
    const me = ours(['nifti', dicom, out]);
    const ratio = me.seconds / ref.seconds;
    rows.push(
      `DICOM -> ${gz ? '.nii.gz' : '.nii   '}  mhub ${fmt(me.seconds)} (peak ${mb(me.maxRssBytes)} = ${(me.maxRssBytes / volumeBytes).toFixed(2)}x volume)  dcm2niix ${fmt(ref.seconds)}${ref.maxRssBytes ? ` (peak ${mb(ref.maxRssBytes)})` : ''}  ratio mhub/dcm2niix ${ratio.toFixed(2)}  goal ${gz ? '<= 1' : '<= 2'}`,
    );
    if (gz)
      rows.push(
        `  sizes: mhub ${mb(statSync(out).size)}, dcm2niix ${mb(statSync(path.join(refDir, 'ref.nii.gz')).size)}`,
      );
  }

  const labels = path.join(root, 'labels.nii');
  await writeNifti(labels, labelMap(volume));
  const segFile = path.join(root, 'seg.dcm');
  const seg = ours(['seg', labels, dicom, card, segFile]);
  rows.push(
    `labels -> DICOM SEG (104 segments, ${seg.frames} frames, ${mb(statSync(segFile).size)})  write step ${fmt(seg.writeSeconds!)} (best of 3), whole convert incl. start-up, card and reads ${fmt(seg.seconds)} (peak ${mb(seg.maxRssBytes)})  write/2 s goal ${(seg.writeSeconds! / 2).toFixed(2)}`,
  );
  const dciodvfy = spawnSync('dciodvfy', [segFile], { encoding: 'utf8' });
  if (!dciodvfy.error) {
    const errors = `${dciodvfy.stdout}${dciodvfy.stderr}`.split('\n').filter((l) => l.startsWith('Error'));
    rows.push(
      `  dciodvfy: ${errors.length} error(s)${errors.length ? `: ${errors.slice(0, 3).join('; ')}` : ''}`,
    );
  }
  console.log(rows.join('\n'));
} finally {
  if (!keep) rmSync(root, { recursive: true, force: true });
  else console.log(`kept ${root}`);
}
