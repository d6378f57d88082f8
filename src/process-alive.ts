// Whether a process id on this host is alive: lock takeover (runner) and interrupted batch
// items (batch) both ask. EPERM means it exists under another user.
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
