// One rule for tests that need a real dependency (Docker, Chromium, dcm2niix, CMake, ...):
// in CI a missing one fails the run (CI must install it, never skip silently); elsewhere the
// tests that need it skip, and the reason is recorded so that the closing summary lists it.
//
// Workers are separate processes: each reason is appended as one JSON line to the file the
// closing-line reporter names in MHUB_TEST_SKIP_LOG before any worker starts.
import { spawnSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';

export const inCI = Boolean(process.env.CI);

/**
 * Returns `available`. When it is false: in CI, throws (the suite fails to load, which counts
 * as a failure); elsewhere, records "`what` is missing: `fix`" as a skip reason.
 */
export function requirement(what: string, available: boolean, fix: string): boolean {
  if (available) return true;
  const reason = `${what} is not available here (${fix})`;
  if (inCI) throw new Error(`${reason}: in CI every test must run`);
  recordSkipReason(reason);
  return false;
}

export function recordSkipReason(reason: string): void {
  const log = process.env.MHUB_TEST_SKIP_LOG;
  if (log) appendFileSync(log, `${JSON.stringify({ reason })}\n`);
  else console.warn(`skipped: ${reason}`);
}

/** Whether `python -c "import <modules>"` works (false when that Python does not exist). */
export function pythonCan(python: string, modules: string[]): boolean {
  const r = spawnSync(python, ['-c', `import ${modules.join(', ')}`], { stdio: 'ignore', timeout: 30_000 });
  return r.status === 0;
}

/** The machine's python3 with numpy: the reference models and their phantoms need it. */
export const numpyPython = (python = 'python3'): boolean =>
  requirement(
    `${python} with numpy`,
    pythonCan(python, ['numpy']),
    'install numpy for it (Debian: python3-numpy)',
  );

/** A Python 3.11 that can make virtual environments: the venv backend's reference models pin it. */
export const venvPython = (): boolean =>
  requirement(
    'a Python 3.11 with venv and ensurepip',
    ['python3.11', 'python3'].some((p) =>
      pythonCan(p, ['sys, venv, ensurepip; sys.exit(sys.version_info[:2] != (3, 11))']),
    ),
    'Debian: python3-venv',
  );
