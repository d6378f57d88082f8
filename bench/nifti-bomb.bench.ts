// Benchmark for hostile .nii.gz files (issue 12 §3): a gzip bomb whose header declares a
// 10x10x10 uint8 image (1,352 bytes) but whose stream inflates to 1 or 4 GiB of zeros.
// `mhub convert` must refuse it (exit 3) without inflating it: time and peak memory are compared
// with `gzip -dc` inflating the same file to /dev/null in the same run (the cost of reading it
// all). With `--base <dir>` (a checkout of another commit) that checkout is measured as well.
// Then an honest 512x512x300 int16 .nii.gz (noise, ~107 MB) is converted to .nii, to show the
// checked, streamed reading costs no time or memory on real files (again against gzip -dc and
// the base checkout).
// Usage: node bench/nifti-bomb.bench.ts [--gib 1,4] [--base /tmp/old-checkout]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { niftiHeader, writeNifti } from '../src/io/nifti.ts';

const argv = process.argv.slice(2);
const option = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const sizes = (option('--gib') ?? '1,4').split(',').map(Number);
const base = option('--base');
const root = mkdtempSync(path.join(tmpdir(), 'mhub-bomb-'));
const repo = path.join(import.meta.dirname, '..');

const unitGrid = (size: [number, number, number]) => ({
  size,
  spacing: [1, 1, 1] as [number, number, number],
  origin: [0, 0, 0] as [number, number, number],
  axes: [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ] as [[number, number, number], [number, number, number], [number, number, number]],
});

async function bomb(gib: number): Promise<string> {
  const header = niftiHeader({ ...unitGrid([10, 10, 10]), data: new Uint8Array(1000) });
  const deflate = zlib.createGzip({ level: 9 });
  const parts: Buffer[] = [];
  deflate.on('data', (c: Buffer) => parts.push(c));
  const zeros = Buffer.alloc(1 << 24);
  const done = new Promise((resolve) => deflate.on('end', resolve));
  deflate.write(header);
  for (let n = 0; n < gib * 64; n++) deflate.write(zeros);
  deflate.end();
  await done;
  const file = path.join(root, `bomb-${gib}g.nii.gz`);
  writeFileSync(file, Buffer.concat(parts));
  return file;
}

/** Wall seconds and peak RSS (MB) of a command, from GNU time. */
function measure(cmd: string[]): { seconds: number; mb: number; exit: number } {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M %x', ...cmd], { encoding: 'utf8', shell: false });
  const last = r.stderr.trim().split('\n').at(-1)!.replace('Command exited with non-zero status ', '');
  const [seconds, kb, exit] = last.split(' ').map(Number);
  return { seconds: seconds!, mb: Math.round(kb! / 1024), exit: exit ?? r.status ?? -1 };
}

/** `mhub convert input --to nifti --out out` with the CLI of `checkout`, measured. */
const convert = (checkout: string, input: string, out: string) =>
  measure([
    process.execPath,
    path.join(checkout, 'bin', 'mhub.js'),
    'convert',
    input,
    '--to',
    'nifti',
    '--out',
    out,
  ]);

try {
  for (const gib of sizes) {
    const file = await bomb(gib);
    const out = path.join(root, 'out.nii');
    const ours = convert(repo, file, out);
    const gunzip = measure(['sh', '-c', `gzip -dc '${file}' > /dev/null`]);
    console.log(
      `${gib} GiB bomb: mhub ${ours.seconds} s, ${ours.mb} MB, exit ${ours.exit}; gzip -dc ${gunzip.seconds} s, ${gunzip.mb} MB; time ratio ${(ours.seconds / gunzip.seconds).toFixed(3)}`,
    );
    if (base) {
      const old = convert(base, file, out);
      console.log(`  base ${base}: ${old.seconds} s, ${old.mb} MB, exit ${old.exit}`);
    }
    if (ours.exit !== 3) throw new Error(`mhub accepted the ${gib} GiB bomb (exit ${ours.exit})`);
  }
  const n = 512 * 512 * 300;
  const data = new Int16Array(n);
  for (let i = 0; i < n; i++) data[i] = (Math.random() * 400) | 0;
  const real = path.join(root, 'noise.nii.gz');
  await writeNifti(real, { ...unitGrid([512, 512, 300]), data });
  const noiseOut = path.join(root, 'noise.nii');
  const ours = convert(repo, real, noiseOut);
  const gunzip = measure(['sh', '-c', `gzip -dc '${real}' > /dev/null`]);
  console.log(
    `512x512x300 .nii.gz -> .nii: mhub ${ours.seconds} s, ${ours.mb} MB, exit ${ours.exit}; gzip -dc ${gunzip.seconds} s`,
  );
  if (base) {
    const old = convert(base, real, noiseOut);
    console.log(
      `  base ${base}: ${old.seconds} s, ${old.mb} MB, exit ${old.exit}; memory ratio ${(ours.mb / old.mb).toFixed(2)}`,
    );
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
