// Where both launchers keep their Python environments, so a model set up by `mhub run` is
// reused by the Slicer module and back: $MHUB_HOME/venvs/<name>/<version>/, built under
// <version>.lock, complete once STAMP holds the hash of what built it.
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { VenvRuntime } from '../../registry/index.ts';
import { ENV } from './names.ts';

export const VENVS_DIR = 'venvs';
export const STAMP = '.mhub-stamp.json';
export const LOCK_SUFFIX = '.lock';
export const WEIGHTS_DIR = 'weights';
/** Source archives (runtimes.venv.source.url), by sha256: `<sha>.archive` and the unpacked `<sha>/`. */
export const SOURCES_DIR = 'sources';
/**
 * Images `mhub load` put on this machine for cards that pin a digest: `docker load` keeps the
 * image id but not the registry digest, so `<image>@<digest>` is recorded here with the id the
 * bundle's manifest gave and the load checked.
 */
export const IMAGES_DIR = 'images';
/** Under the user's cache folder ($XDG_CACHE_HOME, else ~/.cache) when MHUB_HOME is not set. */
export const CACHE_SUBDIR = 'mhub';

/**
 * $MHUB_HOME, else $XDG_CACHE_HOME/mhub, else ~/.cache/mhub. `p`: the path functions (this OS's;
 * the shared vectors pass path.posix so they hold on Windows runners too).
 */
export function cacheRoot(
  env: Record<string, string | undefined>,
  homedir: string,
  p: path.PlatformPath = path,
): string {
  const home = env[ENV.home];
  if (home) return p.resolve(home);
  return p.join(env.XDG_CACHE_HOME || p.join(homedir, '.cache'), CACHE_SUBDIR);
}

export function envPaths(home: string, name: string, version: string, p: path.PlatformPath = path) {
  const base = p.join(home, VENVS_DIR, name);
  const root = p.join(base, version);
  return { root, lock: p.join(base, `${version}${LOCK_SUFFIX}`), weights: p.join(root, WEIGHTS_DIR) };
}

export function sourcePaths(home: string, sha256: string) {
  const base = path.join(home, SOURCES_DIR);
  return { archive: path.join(base, `${sha256}.archive`), dir: path.join(base, sha256) };
}

/** The record of an image loaded from a bundle for `image@digest`. */
export function loadedImagePath(home: string, digest: string): string {
  return path.join(home, IMAGES_DIR, `${digest.replace(':', '-')}.json`);
}

/** What defines an environment besides the Python minor version; carried to Slicer as `envKey`. */
export function envKey(runtime: Pick<VenvRuntime, 'requirements' | 'weights' | 'source'>): string {
  const spec = { requirements: runtime.requirements, weights: runtime.weights ?? [], source: runtime.source };
  return createHash('sha256').update(JSON.stringify(spec)).digest('hex');
}

/** The stamp's hash: the environment's key and the interpreter's minor version (3.11.7 -> 3.11). */
export function envHash(key: string, pythonVersion: string): string {
  const minor = pythonVersion.split('.').slice(0, 2).join('.');
  return createHash('sha256').update(`${minor}\n${key}`).digest('hex');
}
