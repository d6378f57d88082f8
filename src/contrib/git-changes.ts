// A local branch as the PR bot would see it: the files changed since the merge base with
// `base` (commits, staged and unstaged edits, and new untracked files), read through git. No
// network: `base` must be a ref this clone has.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { MhubError } from '../errors.ts';
import { writeFileChecked } from '../fsafe/index.ts';
import type { ChangeSource } from './check-changes.ts';
import type { ChangedFile } from './pr-rules.ts';

const run = promisify(execFile);

async function git(repo: string, args: string[]): Promise<string> {
  const { stdout } = await run('git', ['-C', repo, ...args], { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

const STATUS: Record<string, string> = { A: 'added', C: 'added', D: 'removed', M: 'modified', T: 'modified' };

/** `git diff --name-status -z` output as GitHub's changed-file records. */
export function parseNameStatus(out: string): ChangedFile[] {
  const parts = out.split('\0').filter((p) => p !== '');
  const files: ChangedFile[] = [];
  for (let i = 0; i < parts.length; ) {
    const code = parts[i++]!;
    if (code.startsWith('R')) {
      const previous = parts[i++]!;
      files.push({ filename: parts[i++]!, status: 'renamed', previous_filename: previous });
    } else files.push({ filename: parts[i++]!, status: STATUS[code[0]!] ?? 'modified' });
  }
  return files;
}

export interface GitChanges extends ChangeSource {
  /** The clone's top folder. */
  root: string;
  /** Runs `fn` on a temporary copy of `folder` (repository-relative) as it is at the merge base. */
  atBase<T>(folder: string, fn: (dir: string) => Promise<T>): Promise<T>;
}

export async function gitChanges(
  repo: string,
  base: string,
  labels: readonly string[] = [],
): Promise<GitChanges> {
  const root = await git(repo, ['rev-parse', '--show-toplevel']).then(
    (out) => out.trim(),
    () => {
      throw new MhubError(
        'USAGE',
        `${path.resolve(repo)} is not inside a git clone`,
        'run it in your clone of the registry (or give --repo <dir>)',
      );
    },
  );
  // A fresh clone of a fork has origin/main but often no local main.
  const mergeBase = await git(root, ['merge-base', base, 'HEAD'])
    .catch(() => git(root, ['merge-base', `origin/${base}`, 'HEAD']))
    .then(
      (out) => out.trim(),
      () => {
        throw new MhubError(
          'USAGE',
          `--base ${base}: no such branch or commit in ${root} (nor origin/${base}), or it shares no history with HEAD`,
          `give a ref this clone has (git branch -a), e.g. --base origin/main after \`git fetch origin\``,
        );
      },
    );
  const tracked = parseNameStatus(await git(root, ['diff', '--name-status', '-M', '-z', mergeBase]));
  const untracked = (await git(root, ['ls-files', '--others', '--exclude-standard', '-z']))
    .split('\0')
    .filter(Boolean)
    .map((filename) => ({ filename, status: 'added' }));
  const files = [...tracked, ...untracked].sort((a, b) => a.filename.localeCompare(b.filename));
  return {
    root,
    files,
    labels,
    async read(file, side) {
      if (side === 'head') return readFile(path.join(root, file), 'utf8').catch(() => undefined);
      return git(root, ['show', `${mergeBase}:${file}`]).catch(() => undefined);
    },
    async atBase(folder, fn) {
      const dir = await mkdtemp(path.join(tmpdir(), 'mhub-check-base-'));
      try {
        const listing = await git(root, ['ls-tree', '-z', '--name-only', `${mergeBase}:${folder}`]).catch(
          () => {
            throw new MhubError(
              'USAGE',
              `--base ${base}: ${folder} does not exist there`,
              'give the branch of the registry your pull request goes into, e.g. --base main',
            );
          },
        );
        const names = listing.split('\0').filter(Boolean);
        for (const name of names)
          writeFileChecked(path.join(dir, name), await git(root, ['show', `${mergeBase}:${folder}/${name}`]));
        return await fn(dir);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
