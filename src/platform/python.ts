// Python environments per OS: where a venv keeps its interpreter, which interpreters to try, and
// when Windows' 260-character path limit gets in the way.
import { type Probe, pathsOf } from './probe.ts';

/** A way to start a Python: command and leading arguments (the py launcher takes -3.11). */
export interface PythonCommand {
  command: string;
  args: string[];
}

/** The venv's interpreter: Scripts\python.exe on Windows, bin/python elsewhere. */
export function venvPython(root: string, probe: Pick<Probe, 'os'>): string {
  const p = pathsOf(probe);
  return probe.os === 'win32' ? p.join(root, 'Scripts', 'python.exe') : p.join(root, 'bin', 'python');
}

/**
 * Interpreters to try, in order: the user's (MHUB_PYTHON), python3.14 .. python3.8, python3,
 * python; on Windows (no versioned names there) python, then the py launcher for each version.
 */
export function pythonCommands(probe: Pick<Probe, 'os' | 'env'>, userPython?: string): PythonCommand[] {
  const list: PythonCommand[] = userPython ? [{ command: userPython, args: [] }] : [];
  const minors = [14, 13, 12, 11, 10, 9, 8];
  if (probe.os === 'win32') {
    list.push({ command: 'python', args: [] });
    for (const m of minors) list.push({ command: 'py', args: [`-3.${m}`] });
    return list;
  }
  for (const m of minors) list.push({ command: `python3.${m}`, args: [] });
  list.push({ command: 'python3', args: [] }, { command: 'python', args: [] });
  return list;
}

/** Windows' MAX_PATH, which pip and many wheels still hit unless long paths are enabled. */
export const WINDOWS_MAX_PATH = 260;
/** Room below the cache root: venvs\\<name>\\<version> (~40) and the deepest files of big wheels (~160). */
export const VENV_DEPTH_ALLOWANCE = 200;

/** Whether an environment under `cacheRoot` risks paths past MAX_PATH (Windows only). */
export function longPathRisk(cacheRoot: string, probe: Pick<Probe, 'os'>): boolean {
  return probe.os === 'win32' && cacheRoot.length + VENV_DEPTH_ALLOWANCE > WINDOWS_MAX_PATH;
}
