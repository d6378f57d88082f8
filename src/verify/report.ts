// `mhub test` reports as Markdown, and the one-line verification the catalog shows.
import { MhubError } from '../errors.ts';
import type { Comparison } from './compare.ts';
import type { AllResult, BackendRun, TestReport } from './run-tests.ts';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const seconds = (ms?: number) => (ms === undefined ? '?' : `${(ms / 1000).toFixed(1)} s`);

/** The lowest Dice over every segment compared in a run, or undefined when none was. */
export function lowestDice(run: BackendRun): number | undefined {
  const all = run.tests.flatMap((t) => t.comparisons.flatMap((c) => c.segments ?? []).map((s) => s.dice));
  return all.length ? Math.min(...all) : undefined;
}

export interface Verification {
  verified: boolean;
  /** "reproduced on 2026-12-01 with docker and venv, Dice >= 1 on 4 segments", or "not verified by this registry". */
  text: string;
  date?: string;
  backends?: string[];
}

/** What a model page says, read from its committed report (no figure typed by hand). */
export function verificationSummary(report: TestReport | undefined): Verification {
  const passed = report?.ok ? report.runs.filter((r) => r.status === 'passed') : [];
  if (!report || !passed.length) return { verified: false, text: 'not verified by this registry' };
  const date = report.generated.slice(0, 10);
  const backends = passed.map((r) => r.backend);
  const dice = passed.map(lowestDice).filter((d): d is number => d !== undefined);
  const segments = new Set(
    passed.flatMap((r) =>
      r.tests.flatMap((t) => t.comparisons.flatMap((c) => (c.segments ?? []).map((s) => s.label))),
    ),
  ).size;
  const figure = dice.length
    ? `, Dice ${Math.min(...dice) === 1 ? '1.0 (identical)' : `>= ${Math.min(...dice)}`} on ${segments} segment${segments === 1 ? '' : 's'}`
    : '';
  return {
    verified: true,
    text: `reproduced on ${date} with ${backends.join(' and ')}${figure}`,
    date,
    backends,
  };
}

function comparisonLines(c: Comparison): string[] {
  const lines = [
    `- ${c.ok ? 'passed' : 'FAILED'}: output ${c.output} (${c.file || 'no file'}) against ${c.reference}, ${c.rule}: ${c.message}`,
  ];
  if (c.segments?.length) {
    lines.push(
      '',
      '  | Label | Segment | Dice | Reference voxels | Output voxels |',
      '  | --- | --- | --- | --- | --- |',
    );
    for (const s of c.segments)
      lines.push(
        `  | ${s.label} | ${s.segment ?? ''} | ${s.dice} | ${s.referenceVoxels} | ${s.outputVoxels} |`,
      );
    lines.push('');
  }
  return lines;
}

export function reportMarkdown(report: TestReport): string {
  const s = report.system;
  const lines = [
    `# mhub test: ${report.model} ${report.version}: ${report.ok ? 'passed' : 'NOT passed'}`,
    '',
    `- ${report.generated}, mhub ${report.mhub}`,
    `- ${s.platform} ${s.release} (${s.arch}), ${s.cpu}, ${s.cores} cores, ${s.memoryGiB} GiB; GPU: ${report.gpu ?? 'none'}`,
  ];
  for (const run of report.runs) {
    lines.push('', `## ${run.backend}: ${run.status}${run.reason ? ` (${cell(run.reason)})` : ''}`, '');
    if (run.image)
      lines.push(
        `- image ${run.image.reference}, id ${run.image.id}${run.image.digests.length ? `, ${run.image.digests.join(', ')}` : ''}`,
      );
    if (run.environment)
      lines.push(`- environment ${run.environment.hash} (Python ${run.environment.python})`);
    if (run.runMs !== undefined)
      lines.push(`- model runs ${seconds(run.runMs)}, comparisons ${seconds(run.compareMs)}`);
    for (const t of run.tests) {
      lines.push(
        '',
        `### ${t.workflow ? `workflow ${t.workflow}: ` : ''}${t.description ?? t.input}`,
        '',
        `- input: ${t.input}`,
      );
      if (t.error) lines.push(`- FAILED: the run failed: ${t.error}`);
      for (const c of t.comparisons) lines.push(...comparisonLines(c));
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The summary `mhub test` prints: one line per backend, and per failed comparison its figures. */
export function summaryLines(report: TestReport): string[] {
  const out: string[] = [];
  for (const run of report.runs) {
    if (run.status === 'not-run') {
      out.push(`not run  ${report.model} under ${run.backend}: ${run.reason}`);
      continue;
    }
    const dice = lowestDice(run);
    out.push(
      `${run.status === 'passed' ? 'passed' : 'FAILED'}   ${report.model} under ${run.backend} in ${seconds(run.runMs)}${dice === undefined ? '' : `, lowest Dice ${dice}`}`,
    );
    for (const t of run.tests) {
      if (t.error) out.push(`         run failed: ${t.error}`);
      for (const c of t.comparisons) {
        if (c.ok) continue;
        out.push(`         ${c.output}: ${c.message}`);
        for (const seg of c.segments ?? [])
          out.push(
            `           ${seg.segment ?? `label ${seg.label}`}: Dice ${seg.dice} (reference ${seg.referenceVoxels} voxels, output ${seg.outputVoxels})`,
          );
      }
    }
  }
  return out;
}

export function allSummaryLines(result: AllResult): string[] {
  return [
    ...result.reports.flatMap(summaryLines),
    ...result.skipped.map((s) => `cannot run here: ${s.model}: ${s.reasons.join('; ')}`),
  ];
}

export interface RunSummary {
  backend: 'docker' | 'venv';
  status: 'passed' | 'failed' | 'not-run';
  reason?: string;
  seconds?: number;
  lowestDice?: number;
  /** One line per failed comparison or run. */
  failures: string[];
}

export interface ReportSummary {
  model: string;
  ok: boolean;
  runs: RunSummary[];
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown, max = 300) => (typeof v === 'string' ? v.slice(0, max) : undefined);

/**
 * The parts of a report that a pull request comment shows, taken field by field from JSON that
 * may come from an untrusted run (a PR's check): anything else in it is dropped; a value of the
 * wrong shape makes the whole report refused.
 */
export function summariseReport(value: unknown, where: string): ReportSummary {
  const refuse = (why: string): never => {
    throw new MhubError(
      'INVALID_INPUT',
      `${where} is not an mhub test report: ${why}`,
      'write it with mhub test <model> --report <file>.json',
    );
  };
  if (!isObject(value) || value.format !== 'mhub-test-report/1')
    return refuse('format is not mhub-test-report/1');
  const model = text(value.model, 64);
  if (!model || !/^[a-z0-9_]+$/.test(model)) return refuse('model is not a registry name');
  if (!Array.isArray(value.runs) || value.runs.length > 10) return refuse('runs is not a short list');
  const runs = value.runs.map((r, i): RunSummary => {
    if (!isObject(r)) return refuse(`runs[${i}] is not an object`);
    const backend = r.backend === 'docker' || r.backend === 'venv' ? r.backend : refuse(`runs[${i}].backend`);
    const status =
      r.status === 'passed' || r.status === 'failed' || r.status === 'not-run'
        ? r.status
        : refuse(`runs[${i}].status`);
    const tests = Array.isArray(r.tests) ? r.tests.filter(isObject) : [];
    const failures: string[] = [];
    const dice: number[] = [];
    for (const t of tests) {
      const error = text(t.error);
      if (error) failures.push(`run failed: ${error}`);
      for (const c of Array.isArray(t.comparisons) ? t.comparisons.filter(isObject) : []) {
        for (const s of Array.isArray(c.segments) ? c.segments.filter(isObject) : [])
          if (typeof s.dice === 'number' && Number.isFinite(s.dice)) dice.push(s.dice);
        if (c.ok !== true) failures.push(`${text(c.output, 40) ?? 'output'}: ${text(c.message) ?? 'failed'}`);
      }
    }
    return {
      backend,
      status,
      ...(text(r.reason) ? { reason: text(r.reason)! } : {}),
      ...(typeof r.runMs === 'number' && Number.isFinite(r.runMs)
        ? { seconds: Math.round(r.runMs / 100) / 10 }
        : {}),
      ...(dice.length ? { lowestDice: Math.min(...dice) } : {}),
      failures: failures.slice(0, 10),
    };
  });
  return {
    model,
    ok:
      value.ok === true &&
      runs.some((r) => r.status === 'passed') &&
      runs.every((r) => r.status !== 'failed'),
    runs,
  };
}
