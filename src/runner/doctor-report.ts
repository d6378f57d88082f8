// `mhub doctor --report [file]`: a shareable report of this machine (OS, Docker, Python, GPU,
// the doctor checks) and of a test run of each reference model under each backend, with the
// error text of what failed. The home folder becomes `~` and the user name `<user>` everywhere,
// so volunteers can send it back as it is.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeNifti } from '../io/index.ts';
import { type Check, doctor } from './doctor.ts';
import { detectGpu } from './gpu.ts';
import { runModel } from './run.ts';
import type { BackendName } from './types.ts';
import { availablePythons } from './venv/python.ts';

export const REFERENCE_MODELS = ['classical_ct', 'unet_ct'] as const;

export interface TestRun {
  model: string;
  backend: BackendName;
  ok: boolean;
  /** Wall time of the whole run, environment or image preparation included. */
  durationMs: number;
  error?: string;
}

export interface DoctorReport {
  format: 'mhub-doctor-report/1';
  generated: string;
  mhub: string;
  system: { platform: string; release: string; arch: string; cpu: string; cores: number; memoryGiB: number };
  docker: { version: string | null; detail: string };
  python: string[];
  gpu: { names: string[]; driver: string | null; cuda: string | null } | null;
  checks: Check[];
  testRuns: TestRun[];
}

export interface ReportOptions {
  models?: readonly string[];
  backends?: readonly BackendName[];
  /** Cache root for venvs (default: the user's, so later runs reuse what the report built). */
  home?: string;
  dockerSocket?: string;
  /** What to hide; default the real home folder and user name. */
  homeDir?: string;
  userName?: string;
  onRun?: (model: string, backend: BackendName) => void;
}

/** A small synthetic CT (body, two lungs, spine in HU), enough for a test run of both models. */
async function writeTestCt(file: string): Promise<void> {
  const [nx, ny, nz] = [64, 48, 40];
  const data = new Int16Array(nx * ny * nz).fill(-1000);
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        const [x, y, z] = [(i + 0.5) / nx, (j + 0.5) / ny, (k + 0.5) / nz];
        const inside = (cx: number, rx: number, cy: number, ry: number) =>
          ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 + ((z - 0.5) / 0.36) ** 2 <= 1;
        let hu = -1000;
        if (((x - 0.5) / 0.42) ** 2 + ((y - 0.5) / 0.38) ** 2 <= 1) hu = 40;
        if (inside(0.68, 0.13, 0.45, 0.2) || inside(0.32, 0.13, 0.45, 0.2)) hu = -850;
        if (((x - 0.5) / 0.06) ** 2 + ((y - 0.75) / 0.08) ** 2 <= 1) hu = 700;
        data[i + nx * (j + ny * k)] = hu;
      }
  await writeNifti(file, {
    size: [nx, ny, nz],
    spacing: [2, 2, 3],
    origin: [-64, -48, -60],
    axes: [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ],
    data,
  });
}

/** Replaces the home folder by `~` and the user name (as a word) by `<user>`. */
export function anonymise(text: string, homeDir: string, userName: string): string {
  let out = homeDir.length > 1 ? text.split(homeDir).join('~') : text;
  if (userName)
    out = out.replace(new RegExp(`\\b${userName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'g'), '<user>');
  return out;
}

/** This mhub's version (package.json, two levels up from src/runner and dist/runner). */
export async function mhubVersion(): Promise<string> {
  const repo = path.resolve(import.meta.dirname, '../..');
  return (JSON.parse(await readFile(path.join(repo, 'package.json'), 'utf8')) as { version: string }).version;
}

/** The machine, as reports describe it. */
export function systemInfo(): DoctorReport['system'] {
  return {
    platform: os.platform(),
    release: os.release(),
    arch: os.arch(),
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
  };
}

export async function doctorReport(options: ReportOptions = {}): Promise<DoctorReport> {
  const checks = await doctor(undefined, {
    ...(options.dockerSocket ? { dockerSocket: options.dockerSocket } : {}),
    ...(options.home ? { home: options.home } : {}),
  });
  const dockerCheck = checks.find((c) => c.name === 'Docker');
  const gpu = await detectGpu();
  const testRuns: TestRun[] = [];
  const work = await mkdtemp(path.join(os.tmpdir(), 'mhub-report-'));
  try {
    const ct = path.join(work, 'ct.nii.gz');
    await writeTestCt(ct);
    for (const model of options.models ?? REFERENCE_MODELS) {
      for (const backend of options.backends ?? (['docker', 'venv'] as const)) {
        options.onRun?.(model, backend);
        const start = performance.now();
        try {
          await runModel({
            model,
            input: ct,
            output: path.join(work, `${model}-${backend}`),
            backend,
            gpu: 'off',
            outputFormats: ['native'],
            ...(options.home ? { home: options.home } : {}),
            ...(options.dockerSocket ? { dockerSocket: options.dockerSocket } : {}),
          });
          testRuns.push({ model, backend, ok: true, durationMs: Math.round(performance.now() - start) });
        } catch (error) {
          const e = error as { message?: string; hint?: string };
          const text = [e.message ?? String(error), e.hint ? `(${e.hint})` : ''].filter(Boolean).join(' ');
          testRuns.push({
            model,
            backend,
            ok: false,
            durationMs: Math.round(performance.now() - start),
            error: text,
          });
        }
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const report: DoctorReport = {
    format: 'mhub-doctor-report/1',
    generated: new Date().toISOString(),
    mhub: await mhubVersion(),
    system: systemInfo(),
    docker: {
      version: dockerCheck?.status === 'ok' ? (/daemon (\S+)/.exec(dockerCheck.detail)?.[1] ?? null) : null,
      detail: dockerCheck?.detail ?? 'not checked',
    },
    python: (await availablePythons()).map((p) => p.version),
    gpu: gpu ? { names: gpu.names, driver: gpu.driver ?? null, cuda: gpu.cuda ?? null } : null,
    checks,
    testRuns,
  };
  const homeDir = options.homeDir ?? os.homedir();
  const userName = options.userName ?? os.userInfo().username;
  return JSON.parse(anonymise(JSON.stringify(report), homeDir, userName)) as DoctorReport;
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The report as Markdown to paste into an issue: a summary, the test runs, the JSON. */
export function reportMarkdown(r: DoctorReport): string {
  const lines = [
    `# mhub doctor report (${r.generated})`,
    '',
    `- mhub ${r.mhub} on ${r.system.platform} ${r.system.release} (${r.system.arch}), ${r.system.cpu}, ${r.system.cores} cores, ${r.system.memoryGiB} GiB`,
    `- Docker: ${r.docker.version ?? 'not available'} (${r.docker.detail})`,
    `- Python: ${r.python.length ? r.python.join(', ') : 'none found'}`,
    `- GPU: ${r.gpu ? `${r.gpu.names.join(', ')} (driver ${r.gpu.driver ?? '?'}, CUDA ${r.gpu.cuda ?? '?'})` : 'none detected'}`,
    '',
    '| Model | Backend | Result | Time (s) | Error |',
    '| --- | --- | --- | --- | --- |',
    ...r.testRuns.map(
      (t) =>
        `| ${t.model} | ${t.backend} | ${t.ok ? 'ok' : 'failed'} | ${(t.durationMs / 1000).toFixed(1)} | ${cell(t.error ?? '')} |`,
    ),
    '',
    '## Checks',
    '',
    ...r.checks.map(
      (c) => `- ${c.status}: ${c.name}: ${c.detail}${c.fix && c.status !== 'ok' ? ` (fix: ${c.fix})` : ''}`,
    ),
    '',
    '<details><summary>JSON</summary>',
    '',
    '```json',
    JSON.stringify(r, null, 2),
    '```',
    '',
    '</details>',
    '',
  ];
  return lines.join('\n');
}
