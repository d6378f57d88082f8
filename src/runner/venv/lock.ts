// A file lock so two runs of one model do not build the same environment at once. The lock
// file holds the owner's pid; a lock whose owner is gone is taken over.
import { link, open, readFile, rename, rm } from 'node:fs/promises';
import { MhubError } from '../../errors.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes a dead owner's lock without racing another process doing the same: the rename is
 * atomic, and a lock that turns out to be a live one (replaced since we read it) goes back.
 */
async function takeOver(file: string, seen: string): Promise<void> {
  const aside = `${file}.stale-${process.pid}-${Date.now()}`;
  try {
    await rename(file, aside);
  } catch {
    return; // someone else moved it first
  }
  const content = await readFile(aside, 'utf8').catch(() => seen);
  if (content !== seen) await link(aside, file).catch(() => {});
  await rm(aside, { force: true });
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
    const seen = await readFile(file, 'utf8').catch(() => '');
    const owner = Number.parseInt(seen, 10);
    if (Number.isFinite(owner) && owner > 0 && !alive(owner)) {
      await takeOver(file, seen);
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
