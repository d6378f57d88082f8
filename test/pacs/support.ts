// Helpers for the PACS suites: phantom series written by the Debian pydicom (test/io/py's writer),
// temp folders removed after each file, and the CLI with its exit code and output.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

export const PYTHON = '/usr/bin/python3';
export const repo = fileURLToPath(new URL('../../', import.meta.url));

const made: string[] = [];
/** Removes the folders tempDir made (after each test file; benchmarks call it themselves). */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
// Benchmarks import this file outside vitest, where afterAll does not exist.
if (process.env.VITEST) afterAll(removeTempDirs);

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `mhub-${prefix}-`));
  made.push(dir);
  return dir;
}

/** A pydicom phantom series (see test/io/py/make_series.py); returns its files. */
export function makeSeries(dir: string, options: Record<string, unknown>): string[] {
  execFileSync(PYTHON, [path.join(repo, 'test/io/py/make_series.py'), dir, JSON.stringify(options)], {
    stdio: 'pipe',
  });
  return readdirSync(dir).map((f) => path.join(dir, f));
}

/** sha256 of every file's bytes, sorted: two folders with the same instances give the same list. */
export function digests(files: string[]): string[] {
  return files.map((f) => createHash('sha256').update(readFileSync(f)).digest('hex')).sort();
}

export function filesIn(dir: string): string[] {
  try {
    return readdirSync(dir).map((f) => path.join(dir, f));
  } catch {
    return [];
  }
}

/**
 * The reference CT phantom as DICOM (written by the classical_ct_mhub image's pydicom, so Docker
 * and its images are needed: ensureImages() first), with its study and series UIDs as pydicom reads them.
 */
export async function ctPhantomStudy(): Promise<{ files: string[]; study: string; series: string }> {
  const { writePhantomDicom } = await import('../runner/phantom-dicom.ts');
  const work = tempDir('pacs-phantom-ct');
  writePhantomDicom(work);
  const files = filesIn(path.join(work, 'phantom/ct'));
  const code =
    'import sys, pydicom; d = pydicom.dcmread(sys.argv[1]); print(d.StudyInstanceUID, d.SeriesInstanceUID)';
  const [study, series] = execFileSync(PYTHON, ['-c', code, files[0]!], { encoding: 'utf8' })
    .trim()
    .split(' ') as [string, string];
  return { files, study, series };
}
