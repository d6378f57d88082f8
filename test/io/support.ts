// Shared helpers for the io suites: the Debian tools they check against (dcm2niix, dciodvfy,
// python3 with pydicom/nibabel/numpy), synthetic DICOM phantoms written by pydicom, temp dirs.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { requirement } from '../support/requirements.ts';

export const PYTHON = '/usr/bin/python3';
const pyDir = fileURLToPath(new URL('./py/', import.meta.url));

function works(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return r.status === 0;
}

/** Whether the external checkers are installed (see test/support/requirements.ts). */
export const tools = (() => {
  const missing: string[] = [];
  if (!works(PYTHON, ['-c', 'import pydicom, nibabel, numpy']))
    missing.push('python3-pydicom/python3-nibabel/python3-numpy');
  if (!works('dcm2niix', ['-v']) && !works('dcm2niix', ['-h'])) missing.push('dcm2niix');
  if (spawnSync('dciodvfy', [], { stdio: 'ignore' }).error) missing.push('dicom3tools (dciodvfy)');
  // The DICOM corpus derives files in every transfer syntax with DCMTK and GDCM.
  if (spawnSync('dcmconv', ['--version'], { stdio: 'ignore' }).error) missing.push('dcmtk (dcmconv)');
  if (spawnSync('gdcmconv', ['--version'], { stdio: 'ignore' }).error)
    missing.push('libgdcm-tools (gdcmconv)');
  const ok = requirement(missing.join(', '), missing.length === 0, 'scripts/ci/io.sh installs them');
  return { ok, missing };
})();

export function tempDir(prefix = 'mhub-io-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface PhantomOptions {
  size?: [number, number, number];
  spacing?: [number, number, number];
  origin?: [number, number, number];
  orientation?: number[];
  slope?: number;
  intercept?: number;
  skip?: number[];
  implicit?: boolean;
  modality?: string;
  seriesUid?: string;
  studyUid?: string;
  seriesNumber?: number;
  shuffle?: boolean;
  rle?: boolean;
  /** Gantry tilt in degrees (slices shift along the column direction). */
  tilt?: number;
}

/** Writes a phantom series with pydicom: voxel (i,j,k) stores (3i + 5j + 7k) % 2000 - 1000. */
export function makeSeries(dir: string, options: PhantomOptions = {}): string {
  execFileSync(PYTHON, [path.join(pyDir, 'make_series.py'), dir, JSON.stringify(options)], { stdio: 'pipe' });
  return dir;
}

export function phantomValue(i: number, j: number, k: number): number {
  return ((3 * i + 5 * j + 7 * k) % 2000) - 1000;
}

export function python(script: string, args: string[]): string {
  return execFileSync(PYTHON, [path.join(pyDir, script), ...args], { encoding: 'utf8', stdio: 'pipe' });
}

export function pythonJson<T>(script: string, args: string[]): T {
  return JSON.parse(python(script, args)) as T;
}

/** dciodvfy's messages that are errors (it prints warnings too, and exits 0 either way). */
export function dciodvfyErrors(file: string): string[] {
  const r = spawnSync('dciodvfy', [file], { encoding: 'utf8' });
  return `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => /^Error/.test(l.trim()));
}

export function dcm2niix(input: string, outDir: string, gz = true): string {
  execFileSync('dcm2niix', ['-z', gz ? 'y' : 'n', '-f', 'ref', '-o', outDir, input], { stdio: 'pipe' });
  return path.join(outDir, gz ? 'ref.nii.gz' : 'ref.nii');
}
