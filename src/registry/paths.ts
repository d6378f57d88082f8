// Where the registry lives in a checkout; every tool takes these as defaults.
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MhubError } from '../errors.ts';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const defaultModelsDir = fileURLToPath(new URL('../../registry/models/', import.meta.url));

/** The repository a card's paths are relative to: <repo>/registry/models/<name>.md. */
export const cardRepo = (cardFile: string): string => path.resolve(path.dirname(cardFile), '..', '..');

/**
 * Why `runtimes.venv.source.path` would reach outside its model's folder, or undefined. The
 * folder is copied into environments and published by `generate slicer` and `site build`, so
 * it must be a folder of its own below the repository root (`<folder>/<model>`), never the root,
 * an absolute path or a path through `..`.
 */
export function modelSourceProblem(rel: string): string | undefined {
  if (path.isAbsolute(rel) || path.win32.isAbsolute(rel)) return 'is an absolute path';
  const parts = rel.split(/[\\/]/);
  if (parts.includes('..')) return 'climbs out of the repository with ..';
  if (parts.some((p) => p === '' || p === '.')) return 'has an empty or . part';
  if (parts.length < 2) return "is not a model's own folder (<folder>/<model>)";
  return undefined;
}

/** The real folder of a card's source path below `root`; refuses one that leaves it (also via symlinks). */
export function modelSourceDir(root: string, rel: string, file: string): string {
  const problem = modelSourceProblem(rel);
  const where = `${file}: runtimes.venv.source.path`;
  const fix = "give the model's own folder relative to the repository root, e.g. models/<name>";
  if (problem) throw new MhubError('INVALID_INPUT', `${where} '${rel}' ${problem}`, fix);
  const dir = path.resolve(root, rel);
  let real: string;
  try {
    real = realpathSync(dir);
  } catch {
    return dir; // missing: the caller says so with its own message
  }
  const inside = path.relative(realpathSync(root), real);
  if (inside === '' || inside.startsWith('..') || path.isAbsolute(inside)) {
    throw new MhubError('INVALID_INPUT', `${where} '${rel}' leads outside ${root} (through a symlink)`, fix);
  }
  return real;
}
