// The project's own addresses, set once in package.json ("repository" for the source repository,
// "homepage" for the published catalog) and used by every link that leads there: the catalog's
// "edit this card" / "report a problem" / clone lines, the Slicer model browser's default index
// URL and the doctor report. Changing the repository is one edit in package.json.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './paths.ts';

export interface ProjectLinks {
  /** The source repository, https://github.com/<owner>/<name>. */
  repository: string;
  /** `git clone` address. */
  cloneUrl: string;
  /** The published catalog, ending in /. */
  catalog: string;
  /** The catalog's JSON API (the registry index), no trailing /. */
  api: string;
  /** A new issue, with its title filled in. */
  newIssue(title: string): string;
  /** A file of the repository on the default branch, to read or to edit in the browser. */
  file(relPath: string, mode?: 'blob' | 'edit'): string;
}

interface PackageJson {
  repository?: string | { url?: string };
  homepage?: string;
}

const BRANCH = 'main';

/** Reads the addresses from `<root>/package.json` (the clone's or the installed package's). */
export function projectLinks(root: string = repoRoot): ProjectLinks {
  const file = path.join(root, 'package.json');
  const pkg = JSON.parse(readFileSync(file, 'utf8')) as PackageJson;
  const raw = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
  const repository = raw
    ?.replace(/^git\+/, '')
    .replace(/\.git$/, '')
    .replace(/^github:/, 'https://github.com/');
  if (!repository?.startsWith('https://') || !pkg.homepage?.startsWith('https://')) {
    throw new Error(`${file}: "repository" and "homepage" must be https:// addresses`);
  }
  const catalog = pkg.homepage.endsWith('/') ? pkg.homepage : `${pkg.homepage}/`;
  return {
    repository,
    cloneUrl: `${repository}.git`,
    catalog,
    api: `${catalog}api/v1`,
    newIssue: (title) => `${repository}/issues/new?title=${encodeURIComponent(title)}`,
    file: (rel, mode = 'blob') => `${repository}/${mode}/${BRANCH}/${rel.split(path.sep).join('/')}`,
  };
}
