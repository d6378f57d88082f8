// What the repository holds for a card's tests: its committed report
// (registry/reports/<model>.json, written by `mhub test --report`) and its sample input.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { MhubError } from '../errors.ts';
import { type CardRecord, cardRepo } from '../registry/index.ts';
import type { TestReport } from './run-tests.ts';

/** The repository a card's paths are relative to: <repo>/registry/models/<name>.md. */
export const repoOf = (record: CardRecord): string => cardRepo(record.file);

/** Where a card's committed report lives: registry/reports/<name>.json beside registry/models. */
export const reportFile = (record: CardRecord): string =>
  path.resolve(path.dirname(record.file), '..', 'reports', `${record.card.name}.json`);

/** The committed report of a card, or undefined when there is none. */
export async function readReport(record: CardRecord): Promise<TestReport | undefined> {
  const file = reportFile(record);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  let report: Partial<TestReport>;
  try {
    report = JSON.parse(text) as Partial<TestReport>;
  } catch (error) {
    throw new MhubError(
      'INVALID_INPUT',
      `${file} is not JSON: ${(error as Error).message}`,
      `write it again with mhub test ${record.card.name} --report ${path.relative(process.cwd(), file)} --force`,
    );
  }
  if (
    report.format !== 'mhub-test-report/1' ||
    report.model !== record.card.name ||
    !Array.isArray(report.runs)
  ) {
    throw new MhubError(
      'INVALID_INPUT',
      `${file} is not an mhub test report of ${record.card.name} (format mhub-test-report/1)`,
      `write it again with mhub test ${record.card.name} --report ${path.relative(process.cwd(), file)} --force`,
    );
  }
  return report as TestReport;
}

/** A repository path from a card, refused when it leaves the repository. */
export function repoFile(record: CardRecord, rel: string, field: string): string {
  const root = repoOf(record);
  const file = path.resolve(root, rel);
  const inside = path.relative(root, file);
  if (inside.startsWith('..') || path.isAbsolute(inside)) {
    throw new MhubError(
      'INVALID_INPUT',
      `${record.file}: ${field} '${rel}' leaves the repository`,
      'give a path relative to the repository root',
    );
  }
  return file;
}

export type SampleInput =
  | { kind: 'file' | 'folder'; path: string; name: string }
  | { kind: 'url'; url: string; sha256: string; name: string };

/** The first test's sample input when someone can download it (a repository file or folder, or a pinned URL). */
export async function sampleInput(record: CardRecord): Promise<SampleInput | undefined> {
  const input = record.card.tests?.[0]?.input;
  if (!input) return undefined;
  if (input.path) {
    const file = repoFile(record, input.path, 'tests[0].input.path');
    const info = await stat(file).catch(() => undefined);
    if (!info) return undefined;
    return { kind: info.isDirectory() ? 'folder' : 'file', path: file, name: path.basename(file) };
  }
  if (input.url && input.sha256 && !input.member) {
    return {
      kind: 'url',
      url: input.url,
      sha256: input.sha256,
      name: path.basename(new URL(input.url).pathname) || 'sample',
    };
  }
  return undefined;
}

/** The first test's first reference when it is a repository file, with the output it is for. */
export function referencePath(record: CardRecord): { path: string; output: string } | undefined {
  const ref = record.card.tests?.[0]?.reference[0];
  if (!ref?.path) return undefined;
  return {
    path: repoFile(record, ref.path, 'tests[0].reference[0].path'),
    output: ref.output ?? record.card.outputs[0]!.id,
  };
}
