// The files of an input folder with symlinks resolved, so that every reader and both backends see
// the same data: a symlinked file counts (as its target), a symlinked folder is walked once, and
// a broken link is refused by name instead of being skipped.
import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { MhubError } from '../errors.ts';

export interface TreeFile {
  /** Path relative to the root, as the user sees it. */
  rel: string;
  /** The real file it resolves to. */
  real: string;
}

export async function realFiles(root: string): Promise<TreeFile[]> {
  const out: TreeFile[] = [];
  const seen = new Set<string>();
  const walk = async (dir: string, rel: string): Promise<void> => {
    const real = await realpath(dir);
    if (seen.has(real)) return; // a link back up the tree
    seen.add(real);
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const from = path.join(dir, entry.name);
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isSymbolicLink()) {
        const target = await realpath(from).catch(() => undefined);
        const info = target ? await stat(target).catch(() => undefined) : undefined;
        if (!target || !info) {
          throw new MhubError(
            'INVALID_INPUT',
            `${from} is a symbolic link to something that does not exist`,
            'fix or remove the link, or give a folder without it',
          );
        }
        if (info.isDirectory()) await walk(target, relPath);
        else if (info.isFile()) out.push({ rel: relPath, real: target });
      } else if (entry.isDirectory()) await walk(from, relPath);
      else if (entry.isFile()) out.push({ rel: relPath, real: from });
    }
  };
  await walk(root, '');
  return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

/** Whether a folder holds any symbolic link (then it is staged, not mounted as it is). */
export async function hasSymlinks(root: string): Promise<boolean> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.some((e) => e.isSymbolicLink());
}
