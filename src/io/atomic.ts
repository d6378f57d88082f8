// Never a half-written output: everything is written to a temporary sibling and renamed into
// place only when complete; on failure the temporary is removed.
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';

function tempSibling(target: string): string {
  return path.join(
    path.dirname(target),
    `.${path.basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
}

/** Runs `write(tempPath)`, then renames the temporary file or folder to `target`. */
export async function writeAtomic<T>(
  target: string,
  write: (tempPath: string) => Promise<T> | T,
): Promise<T> {
  await mkdir(path.dirname(path.resolve(target)), { recursive: true });
  const temp = tempSibling(target);
  try {
    const result = await write(temp);
    await rename(temp, target).catch(async (error: NodeJS.ErrnoException) => {
      // A folder target (DICOM series) replaces an existing one as a whole.
      if (!['ENOTEMPTY', 'EEXIST', 'EISDIR', 'ENOTDIR'].includes(error.code ?? '')) throw error;
      await rm(target, { recursive: true, force: true });
      await rename(temp, target);
    });
    return result;
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}
