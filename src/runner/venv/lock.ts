// A file lock so two runs of one model do not build the same environment at once. The lock
// file holds the owner's pid; a lock whose owner is gone is taken over.
import { open, readFile, rm } from 'node:fs/promises';
import { MhubError } from '../../errors.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function acquireLock(
  file: string,
  options: { signal?: AbortSignal; waitMs?: number; onWait?: () => void } = {},
): Promise<() => Promise<void>> {
  const deadline = Date.now() + (options.waitMs ?? 30 * 60_000);
  let told = false;
  for (;;) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return async () => {
        await rm(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10);
    if (Number.isFinite(owner) && owner > 0 && !alive(owner)) {
      await rm(file, { force: true });
      continue;
    }
    if (options.signal?.aborted)
      throw new MhubError('CANCELLED', 'the run was cancelled while waiting for a lock');
    if (Date.now() > deadline) {
      throw new MhubError(
        'ENVIRONMENT',
        `another mhub process holds ${file}`,
        `wait for it, or remove ${file}`,
      );
    }
    if (!told) options.onWait?.();
    told = true;
    await new Promise((r) => setTimeout(r, 200));
  }
}
