// Stopping a model and everything it started: taskkill /T /F on Windows, the process group on
// Linux and macOS (the model is started as a group leader: spawnOptions).

/**
 * `afterExit`: whether the kill still reaches the model's leftovers once the started process has
 * exited. A process group outlives its leader; taskkill /T finds the tree through a live parent
 * only, and a dead parent's pid may already belong to another program.
 */
export type KillPlan =
  | { kind: 'taskkill'; command: 'taskkill'; args: string[]; afterExit: false }
  | { kind: 'group'; pid: number; signals: ['SIGTERM', 'SIGKILL']; afterExit: true };

/** How to stop the tree under pid on this OS. */
export function killPlan(os: string, pid: number): KillPlan {
  if (os === 'win32')
    return {
      kind: 'taskkill',
      command: 'taskkill',
      args: ['/PID', String(pid), '/T', '/F'],
      afterExit: false,
    };
  return { kind: 'group', pid: -pid, signals: ['SIGTERM', 'SIGKILL'], afterExit: true };
}

/** Spawn options: its own process group on POSIX; on Windows no console window. */
export function spawnOptions(os: string): { detached: boolean; windowsHide: boolean } {
  return os === 'win32' ? { detached: false, windowsHide: true } : { detached: true, windowsHide: true };
}
