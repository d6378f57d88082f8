// Start-up of the installed CLI (issue 13 §2), side by side in one run with its baselines:
//   `mhub --help`                      against `node -e 0` (goal: at most 4x)
//   `mhub convert <series> --to nifti` against `dcm2niix -z n` on the same 512x512xN CT series
//                                      (uncompressed; goal: at most 1.5x)
// Both on the compiled CLI: this packs the repository and installs the tarball into a temporary
// prefix (as `npm install -g` would), then runs the installed bin with this node. The clone's
// TypeScript launcher is timed too, for reference. Medians of interleaved runs.
// Usage: node bench/startup.bench.ts [--slices 200] [--runs 15] [--keep]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { makeSeries } from '../test/io/support.ts';
import { packAndInstall, repo } from '../test/package/install.ts';

const argv = process.argv.slice(2);
const flag = (name: string, fallback: number) =>
  argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : fallback;
const slices = flag('--slices', 200);
const runs = flag('--runs', 15);
const keep = argv.includes('--keep');
const root = mkdtempSync(path.join(tmpdir(), 'mhub-startup-'));

function time(cmd: string, args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: root });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return seconds;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (s: number) => `${(s * 1000).toFixed(0)} ms`;

/**
 * Interleaves the commands run by run, so load on a shared machine hits all alike; the median
 * and the best of each (the best is the least disturbed by other work).
 */
function sideBySide(commands: Record<string, () => number>, n: number): Record<string, Timing> {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
  for (const run of Object.values(commands)) run(); // warm-up: page cache, compile cache
  for (let i = 0; i < n; i++) for (const [k, run] of Object.entries(commands)) times[k]!.push(run());
  return Object.fromEntries(
    Object.entries(times).map(([k, v]) => [k, { median: median(v), best: Math.min(...v) }]),
  );
}

interface Timing {
  median: number;
  best: number;
}

const compare = (label: string, ours: Timing, base: Timing, baseLabel: string, goal: number) =>
  `${label}  mhub ${ms(ours.median)} (best ${ms(ours.best)})  ${baseLabel} ${ms(base.median)} (best ${ms(base.best)})  ` +
  `ratio ${(ours.median / base.median).toFixed(2)} (best/best ${(ours.best / base.best).toFixed(2)})  goal <= ${goal}`;

try {
  process.stderr.write('packing and installing the CLI into a temporary prefix...\n');
  const installed = packAndInstall(root);
  const mhub = path.join(installed.packageDir, 'bin', 'mhub.js');
  const node = process.execPath;

  const help = sideBySide(
    {
      node: () => time(node, ['-e', '0']),
      installed: () => time(node, [mhub, '--help']),
      clone: () => time(node, [path.join(repo, 'bin', 'mhub.js'), '--help']),
      // What convert pays before converting: the command and the I/O modules loaded.
      convertStart: () => time(node, [mhub, 'convert', '--help']),
    },
    runs,
  );

  const dicom = path.join(root, 'dicom');
  makeSeries(dicom, { size: [512, 512, slices] }); // written by pydicom, not by mhub
  for (const f of readdirSync(dicom)) readFileSync(path.join(dicom, f)); // page cache
  let k = 0;
  const convert = sideBySide(
    {
      dcm2niix: () => {
        const out = path.join(root, `ref-${k++}`);
        spawnSync('mkdir', [out]);
        const s = time('dcm2niix', ['-z', 'n', '-f', 'ref', '-o', out, dicom]);
        rmSync(out, { recursive: true });
        return s;
      },
      installed: () => {
        const out = path.join(root, `ours-${k++}.nii`);
        const s = time(node, [mhub, 'convert', dicom, '--to', 'nifti', '--out', out]);
        rmSync(out);
        return s;
      },
    },
    Math.max(5, Math.round(runs / 2)),
  );

  console.log(
    [
      `package: tarball ${(installed.packedBytes / 1e6).toFixed(1)} MB, installed with dependencies ${(installed.installedBytes / 1e6).toFixed(0)} MB (${installed.dependencies.length} packages)`,
      compare('mhub --help (installed)', help.installed!, help.node!, 'node -e 0', 4),
      `  the clone's TypeScript launcher: ${ms(help.clone!.median)}, ${(help.clone!.median / help.node!.median).toFixed(2)}x node -e 0`,
      `  mhub convert's start-up (convert --help): ${ms(help.convertStart!.median)}; the rest of a convert is the conversion itself`,
      compare(
        `convert 512x512x${slices} DICOM -> .nii`,
        convert.installed!,
        convert.dcm2niix!,
        'dcm2niix -z n',
        1.5,
      ),
    ].join('\n'),
  );
} finally {
  if (keep) console.log(`kept ${root}`);
  else rmSync(root, { recursive: true, force: true });
}
