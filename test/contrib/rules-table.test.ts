// One table of changes, checked twice: by the PR bot (a pull request read through a FAKE GitHub
// API) and by `mhub registry check --base main` (the same changes on a local git branch, no
// network). Both must give the same verdicts, rule by rule: they share one rule set.
import { execFile, spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createOctokit } from '../../src/contrib/github.ts';
import { runPrBot } from '../../src/contrib/pr-bot.ts';
import type { RuleResult, RuleStatus } from '../../src/contrib/pr-rules.ts';
import { runCli } from '../support/cli.ts';
import { requirement } from '../support/requirements.ts';
import { fakeGitHub } from './fake-github.ts';
import { R } from './helpers.ts';

const git = promisify(execFile);
// `mhub registry check` reads the branch through git: a machine without it cannot run that side.
const withGit = requirement(
  'git',
  spawnSync('git', ['--version'], { stdio: 'ignore' }).status === 0,
  'Debian: git',
)
  ? describe
  : describe.skip;
const fixtureCard = (name: string) =>
  readFile(new URL(`./fixtures/cards/${name}.md`, import.meta.url), 'utf8');
const kidney = await fixtureCard('kidney_seg');
const liver = await fixtureCard('liver_seg');
const thyroid = await fixtureCard('thyroid_seg');
const KIDNEY = 'registry/models/kidney_seg.md';
const LIVER = 'registry/models/liver_seg.md';
const THYROID = 'registry/models/thyroid_seg.md';
const EXTENSIONS = 'registry/terminology/registry-extensions.json';
const ourExtensions = JSON.parse(await readFile('registry/terminology/registry-extensions.json', 'utf8'));

/** Our registry-extensions.json with a thyroid segment added, as a contributor would. */
const withThyroid = JSON.stringify(
  {
    ...ourExtensions,
    types: {
      ...ourExtensions.types,
      T_THYROID_STRUCTURE: { scheme: 'SCT', value: '69748006', meaning: 'Thyroid structure' },
    },
    segments: {
      ...ourExtensions.segments,
      THYROID_GLAND: {
        name: 'Thyroid gland',
        category: 'C_BODY_STRUCTURE',
        type: 'T_THYROID_STRUCTURE',
        color: [230, 211, 154],
      },
    },
  },
  null,
  2,
);

/** Our registry-extensions.json with a second id for a concept SegDB already has. */
const withDuplicate = JSON.stringify({
  ...ourExtensions,
  types: {
    ...ourExtensions.types,
    T_FGT: { scheme: 'SCT', value: '1342375003', meaning: 'Fibroglandular tissue' },
  },
  segments: {
    ...ourExtensions.segments,
    FIBRO_TISSUE: { name: 'Fibro tissue', category: 'C_BODY_STRUCTURE', type: 'T_FGT', color: [1, 2, 3] },
  },
});

interface Case {
  name: string;
  /** Files on main. */
  base?: Record<string, string>;
  /** The branch's changes: new text, or null for a removed file. */
  head: Record<string, string | null>;
  labels?: string[];
  /** Committed on the branch, or left as edits and untracked files in the working tree. */
  commit: boolean;
  expect: Partial<Record<string, RuleStatus>>;
}

const cases: Case[] = [
  {
    name: 'a valid new card',
    head: { [KIDNEY]: kidney },
    commit: true,
    expect: { 'one-model-per-pr': 'pass', 'valid-card': 'pass', 'docker-digest': 'pass' },
  },
  {
    // `registry validate` accepts this card; the bot does not.
    name: 'a new card without a digest, not yet committed',
    head: { [KIDNEY]: kidney.replace(/ {4}digest: .*\n/, '') },
    commit: false,
    expect: { 'valid-card': 'pass', 'docker-digest': 'fail' },
  },
  {
    name: 'a card with an unknown licence id',
    head: { [KIDNEY]: kidney.replace('code: MIT', 'code: MITT') },
    commit: true,
    expect: { 'valid-card': 'fail' },
  },
  {
    name: 'a new image tag without a version bump',
    base: { [KIDNEY]: kidney },
    head: { [KIDNEY]: kidney.replace('tag: "2.0"', 'tag: "2.1"') },
    commit: false,
    expect: { 'version-bump': 'fail', 'valid-card': 'pass' },
  },
  {
    name: 'a new image tag with a version bump',
    base: { [KIDNEY]: kidney },
    head: {
      [KIDNEY]: kidney.replace('tag: "2.0"', 'tag: "2.1"').replace('version: 1.0.0', 'version: 1.1.0'),
    },
    commit: true,
    expect: { 'version-bump': 'pass' },
  },
  {
    name: 'two models in one change',
    head: { [KIDNEY]: kidney, [LIVER]: liver },
    commit: true,
    expect: { 'one-model-per-pr': 'fail' },
  },
  {
    name: 'two models, allowed by the label',
    head: { [KIDNEY]: kidney, [LIVER]: liver },
    labels: ['multiple-models'],
    commit: false,
    expect: { 'one-model-per-pr': 'pass' },
  },
  {
    name: 'a removed card',
    base: { [KIDNEY]: kidney },
    head: { [KIDNEY]: null },
    commit: true,
    expect: { 'card-removed': 'warn', 'one-model-per-pr': 'pass' },
  },
  {
    name: 'a card using a segment the change adds to the terminology',
    base: { [EXTENSIONS]: JSON.stringify(ourExtensions, null, 2) },
    head: { [THYROID]: thyroid, [EXTENSIONS]: withThyroid },
    commit: false,
    expect: { 'valid-card': 'pass', 'valid-terminology': 'warn', 'other-files': 'warn' },
  },
  {
    name: 'a terminology entry whose code repeats an existing one',
    base: { [EXTENSIONS]: JSON.stringify(ourExtensions, null, 2) },
    head: { [EXTENSIONS]: withDuplicate },
    commit: true,
    expect: { 'valid-terminology': 'fail', 'one-model-per-pr': 'warn' },
  },
  {
    name: 'a card using a segment nobody added',
    head: { [THYROID]: thyroid },
    commit: true,
    expect: { 'valid-card': 'fail' },
  },
];

const HEAD = 'abababababababababababababababababababab';
const BASE = 'cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd';

/** The case as a pull request on the fake GitHub API, checked by the bot. */
async function viaBot(c: Case): Promise<RuleResult[]> {
  const base = c.base ?? {};
  const files = Object.entries(c.head).map(([filename, text]) => ({
    filename,
    status: text === null ? 'removed' : filename in base ? 'modified' : 'added',
  }));
  const contents = (text: string, file: string) => ({
    body: {
      type: 'file',
      name: path.posix.basename(file),
      path: file,
      encoding: 'base64',
      content: Buffer.from(text).toString('base64'),
    },
  });
  const routes: Parameters<typeof fakeGitHub>[0] = {
    [`GET ${R}/pulls/7`]: {
      body: {
        number: 7,
        head: { sha: HEAD },
        base: { sha: BASE },
        labels: (c.labels ?? []).map((name) => ({ name })),
      },
    },
    [`GET ${R}/pulls/7/files?per_page=100`]: { body: files },
  };
  for (const [file, text] of Object.entries(c.head))
    if (text !== null) routes[`GET ${R}/contents/${file}?ref=${HEAD}`] = contents(text, file);
  for (const [file, text] of Object.entries(base))
    routes[`GET ${R}/contents/${file}?ref=${BASE}`] = contents(text, file);
  const gh = fakeGitHub(routes);
  const result = await runPrBot(createOctokit({ fetch: gh.fetch }), {
    repo: { owner: 'mhub-org', repo: 'registry' },
    pullNumber: 7,
    dryRun: true,
  });
  expect(gh.unmatched).toEqual([]);
  return result.results;
}

/** The case as a local branch of a git clone, checked by `mhub registry check --base main`. */
async function viaCheck(c: Case): Promise<{ results: RuleResult[]; code: number }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'mhub-check-'));
  const run = (...args: string[]) =>
    git('git', ['-C', dir, '-c', 'user.name=T', '-c', 'user.email=t@example.org', ...args]);
  await run('init', '-q', '-b', 'main');
  await cp('registry/terminology', path.join(dir, 'registry/terminology'), { recursive: true });
  await mkdir(path.join(dir, 'registry/models'), { recursive: true });
  for (const [file, text] of Object.entries(c.base ?? {})) await writeFile(path.join(dir, file), text);
  await writeFile(path.join(dir, 'README.md'), 'registry\n');
  await run('add', '-A');
  await run('commit', '-q', '-m', 'base');
  await run('checkout', '-q', '-b', 'contribution');
  for (const [file, text] of Object.entries(c.head)) {
    if (text === null) await rm(path.join(dir, file));
    else await writeFile(path.join(dir, file), text);
  }
  if (c.commit) {
    await run('add', '-A');
    await run('commit', '-q', '-m', 'contribution');
  }
  const labels = c.labels?.length ? ['--label', ...c.labels] : [];
  const { code, out } = await runCli([
    'registry',
    'check',
    '--base',
    'main',
    '--repo',
    dir,
    '--json',
    ...labels,
  ]);
  await rm(dir, { recursive: true, force: true });
  return { code, results: (JSON.parse(out) as { results: RuleResult[] }).results };
}

withGit('the PR bot and `mhub registry check` apply one rule set', () => {
  it.each(cases)('$name', async (c) => {
    const [bot, local] = await Promise.all([viaBot(c), viaCheck(c)]);
    const statuses = Object.fromEntries(bot.map((r) => [r.rule, r.status]));
    expect(statuses).toMatchObject(c.expect);
    // Same rules, same verdicts, same messages.
    expect(local.results).toEqual(bot);
    expect(local.code).toBe(bot.some((r) => r.status === 'fail') ? 1 : 0);
  });
});

withGit('mhub registry check', () => {
  it('finds the base as origin/<base> in a clone without a local branch, and names a missing one', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mhub-check-'));
    const run = (...args: string[]) =>
      git('git', ['-C', dir, '-c', 'user.name=T', '-c', 'user.email=t@example.org', ...args]);
    await run('init', '-q', '-b', 'main');
    await cp('registry/terminology', path.join(dir, 'registry/terminology'), { recursive: true });
    await run('add', '-A');
    await run('commit', '-q', '-m', 'base');
    await run('update-ref', 'refs/remotes/origin/main', 'HEAD');
    await run('checkout', '-q', '-b', 'contribution');
    await run('branch', '-q', '-D', 'main');
    await mkdir(path.join(dir, 'registry/models'), { recursive: true });
    await writeFile(path.join(dir, KIDNEY), kidney);
    const ok = await runCli(['registry', 'check', '--base', 'main', '--repo', dir]);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain("the PR bot's rules pass for kidney_seg");
    const missing = await runCli(['registry', 'check', '--base', 'develop', '--repo', dir]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('--base develop: no such branch or commit');
    await rm(dir, { recursive: true, force: true });
  });
});
