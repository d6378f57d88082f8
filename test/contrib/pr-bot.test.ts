// The PR bot against a FAKE GitHub API (recorded responses in GitHub's shapes), offline.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createOctokit } from '../../src/contrib/github.ts';
import { runPrBot } from '../../src/contrib/pr-bot.ts';
import { MANUAL_CHECKS, MARKER } from '../../src/contrib/pr-comment.ts';
import { validateCardText } from '../../src/registry/validate.ts';
import { summariseReport } from '../../src/verify/index.ts';
import { fakeGitHub, fixture, linkHeader } from './fake-github.ts';
import { pr42Routes, R, rejection } from './helpers.ts';

const repo = { owner: 'mhub-org', repo: 'registry' };
const HEAD43 = '4343434343434343434343434343434343434343';
const HEAD44 = '4444444444444444444444444444444444444444';
const BASE = '1111111111111111111111111111111111111111';

const pr42 = {
  ...pr42Routes,
  [`GET ${R}/actions/runs/777/artifacts?per_page=100`]: { fixture: 'actions-run-777-artifacts.json' },
};
const noBotComment = {
  [`GET ${R}/issues/42/comments?per_page=100`]: { fixture: 'issues-42-comments-none.json' },
  [`POST ${R}/issues/42/comments`]: { status: 201, fixture: 'issue-comment-created.json' },
};
const run = { id: 777, url: 'https://github.com/mhub-org/registry/actions/runs/777', conclusion: 'success' };

describe('PR bot', () => {
  it('posts one comment with the result table, preview links and the manual checks', async () => {
    const gh = fakeGitHub({ ...pr42, ...noBotComment });
    const result = await runPrBot(createOctokit({ token: 't', fetch: gh.fetch }), {
      repo,
      pullNumber: 42,
      run,
    });
    expect(gh.unmatched).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.comment).toEqual({ action: 'created', id: 5010 });
    const posted = gh.requests.filter((r) => r.method === 'POST');
    expect(posted).toHaveLength(1);
    const body = (posted[0]!.body as { body: string }).body;
    expect(body).toBe(result.body);
    const lines = body.split('\n');
    expect(lines[0]).toBe(MARKER);
    expect(lines[1]).toBe('### Model card check: `liver_seg`');
    expect(body).toContain('✅ **All automatic checks passed.**');
    expect(
      lines.filter((l) => l.startsWith('| ') && !l.startsWith('| Check') && !l.startsWith('| ---')),
    ).toEqual([
      '| One model per pull request (`one-model-per-pr`) | ✅ pass | changes liver_seg |',
      '| Card is valid (schema, terminology, licences) (`valid-card`) | ✅ pass | 1 card(s) valid |',
      '| Card has a reproducibility test (`card-tests`) | ✅ pass | every new or changed card has a tests section |',
      '| Version raised when a runtime changes (`version-bump`) | ✅ pass | no runtime changed without a version bump |',
      '| Docker images pinned by digest (`docker-digest`) | ✅ pass | every docker runtime has a digest |',
      '| Downloaded files carry a sha256 (`weights-sha256`) | ✅ pass | every weight file and source archive has a sha256 |',
    ]);
    // Previews link to the check run's preview artifacts, not to its internal pr-meta.
    expect(body).toContain(
      '- [3D Slicer module(s) generated from the card (`mhub generate slicer`)](https://github.com/mhub-org/registry/actions/runs/777/artifacts/9002)',
    );
    expect(body).toContain('/actions/runs/777/artifacts/9003)');
    expect(body).not.toContain('artifacts/9001');
    for (const check of MANUAL_CHECKS) expect(body).toContain(`- [ ] ${check}`);
    expect(body).toContain('Check run: [success](https://github.com/mhub-org/registry/actions/runs/777)');
    expect(body).toContain('Checked at 4242424.');
  });

  it('updates its earlier comment instead of adding a second one', async () => {
    const comments = `${R}/issues/42/comments`;
    const gh = fakeGitHub({
      ...pr42,
      [`GET ${comments}?per_page=100`]: {
        fixture: 'issues-42-comments-page1.json',
        headers: linkHeader(comments, 1, 2),
      },
      [`GET ${comments}?per_page=100&page=2`]: {
        fixture: 'issues-42-comments-page2.json',
        headers: linkHeader(comments, 2, 2),
      },
      [`PATCH ${R}/issues/comments/5003`]: { fixture: 'issue-comment-updated.json' },
    });
    const result = await runPrBot(createOctokit({ token: 't', fetch: gh.fetch }), {
      repo,
      pullNumber: 42,
      run,
    });
    expect(gh.unmatched).toEqual([]);
    // The bot's comment is on page 2; a person's comment quoting the marker (5002) is left alone.
    expect(result.comment).toEqual({ action: 'updated', id: 5003 });
    const writes = gh.requests.filter((r) => r.method !== 'GET');
    expect(writes).toEqual([
      { method: 'PATCH', path: `${R}/issues/comments/5003`, body: { body: result.body } },
    ]);
  });

  it('follows the pagination of changed files and refuses a PR touching two models, naming the rule', async () => {
    const files = `${R}/pulls/43/files`;
    const routes = {
      [`GET ${R}/pulls/43`]: { fixture: 'pulls-43.json' },
      [`GET ${files}?per_page=100`]: {
        fixture: 'pulls-43-files-page1.json',
        headers: linkHeader(files, 1, 2),
      },
      [`GET ${files}?per_page=100&page=2`]: {
        fixture: 'pulls-43-files-page2.json',
        headers: linkHeader(files, 2, 2),
      },
      [`GET ${R}/contents/registry/models/liver_seg.md?ref=${HEAD43}`]: {
        fixture: 'contents-liver_seg-head43.json',
      },
      [`GET ${R}/contents/registry/models/kidney_seg.md?ref=${HEAD43}`]: {
        fixture: 'contents-kidney_seg-head43.json',
      },
    };
    const gh = fakeGitHub(routes);
    const result = await runPrBot(createOctokit({ fetch: gh.fetch }), { repo, pullNumber: 43, dryRun: true });
    expect(gh.unmatched).toEqual([]);
    expect(gh.requests.map((r) => r.path)).toContain(`${files}?page=2&per_page=100`);
    expect(result.ok).toBe(false);
    const rule = result.results.find((r) => r.rule === 'one-model-per-pr')!;
    expect(rule.status).toBe('fail');
    expect(rule.details[0]).toBe(
      'this pull request changes 2 model cards (kidney_seg, liver_seg); rule one-model-per-pr allows one',
    );
    expect(result.body).toContain('❌ **1 check failed**: `one-model-per-pr`');
    expect(result.body).toMatch(/Files outside registry\/models\/ .*docs\/notes\.md/);
    expect(gh.requests.every((r) => r.method === 'GET')).toBe(true);

    // A maintainer's label allows it.
    const labelled = structuredClone(fixture('pulls-43.json')) as { labels: { name: string }[] };
    labelled.labels = [{ name: 'multiple-models' }];
    const gh2 = fakeGitHub({ ...routes, [`GET ${R}/pulls/43`]: { body: labelled } });
    const allowed = await runPrBot(createOctokit({ fetch: gh2.fetch }), {
      repo,
      pullNumber: 43,
      dryRun: true,
    });
    expect(allowed.ok).toBe(true);
    expect(allowed.results[0]!.details[0]).toBe('2 models, allowed by the label `multiple-models`');
  });

  it('requires a version bump when a runtime changes, and a digest', async () => {
    const gh = fakeGitHub({
      [`GET ${R}/pulls/44`]: { fixture: 'pulls-44.json' },
      [`GET ${R}/pulls/44/files?per_page=100`]: { fixture: 'pulls-44-files.json' },
      [`GET ${R}/contents/registry/models/kidney_seg.md?ref=${HEAD44}`]: {
        fixture: 'contents-kidney_seg-head44.json',
      },
      [`GET ${R}/contents/registry/models/kidney_seg.md?ref=${BASE}`]: {
        fixture: 'contents-kidney_seg-base.json',
      },
    });
    const result = await runPrBot(createOctokit({ fetch: gh.fetch }), { repo, pullNumber: 44, dryRun: true });
    const byRule = Object.fromEntries(result.results.map((r) => [r.rule, r]));
    expect(byRule['version-bump']).toMatchObject({
      status: 'fail',
      details: [
        'registry/models/kidney_seg.md: runtimes changed but version stayed 1.0.0; raise version above 1.0.0',
      ],
    });
    expect(byRule['docker-digest']!.status).toBe('fail');
    expect(byRule['docker-digest']!.details[0]).toContain('imagetools inspect example/kidney_seg:2.1');
    expect(byRule['valid-card']!.status).toBe('pass');
    expect(result.body).toContain('❌ **2 checks failed**: `version-bump`, `docker-digest`');
  });

  it("checks cards against the PR's own terminology additions, read through the API", async () => {
    const HEAD45 = '4545454545454545454545454545454545454545';
    const routes = (extensions: string) => ({
      [`GET ${R}/pulls/45`]: { fixture: 'pulls-45.json' },
      [`GET ${R}/pulls/45/files?per_page=100`]: { fixture: 'pulls-45-files.json' },
      [`GET ${R}/contents/registry/models/thyroid_seg.md?ref=${HEAD45}`]: {
        fixture: 'contents-thyroid_seg-head45.json',
      },
      [`GET ${R}/contents/registry/terminology/registry-extensions.json?ref=${HEAD45}`]: {
        fixture: extensions,
      },
    });
    // Against our vocabulary alone the new segment is unknown.
    const card = readFileSync(new URL('./fixtures/cards/thyroid_seg.md', import.meta.url), 'utf8');
    expect(validateCardText(card, 'thyroid_seg.md').diagnostics[0]!.message).toBe(
      "unknown terminology id 'THYROID_GLAND'",
    );

    const gh = fakeGitHub(routes('contents-extensions-head45.json'));
    const result = await runPrBot(createOctokit({ fetch: gh.fetch }), { repo, pullNumber: 45, dryRun: true });
    expect(gh.unmatched).toEqual([]);
    const byRule = Object.fromEntries(result.results.map((r) => [r.rule, r]));
    expect(byRule['valid-card']!.status).toBe('pass');
    expect(byRule['valid-terminology']).toMatchObject({
      status: 'warn',
      details: [
        "cards checked against the PR's terminology (registry/terminology/registry-extensions.json); check the new SNOMED CT codes by hand",
      ],
    });
    expect(result.ok).toBe(true);

    const bad = fakeGitHub(routes('contents-extensions-bad-head45.json'));
    const broken = await runPrBot(createOctokit({ fetch: bad.fetch }), {
      repo,
      pullNumber: 45,
      dryRun: true,
    });
    const rules = Object.fromEntries(broken.results.map((r) => [r.rule, r]));
    expect(rules['valid-terminology']!.status).toBe('fail');
    expect(rules['valid-terminology']!.details[0]).toBe(
      "registry/terminology/registry-extensions.json segments.THYROID_GLAND: refers to code 'T_THYROID', which no terminology file defines. Fix: add 'T_THYROID' to categories, types or modifiers with its SNOMED CT code",
    );
    expect(rules['valid-card']!.status).toBe('fail');
  });

  it('explains a token without permission to comment', async () => {
    const gh = fakeGitHub({
      ...pr42,
      [`GET ${R}/issues/42/comments?per_page=100`]: { fixture: 'issues-42-comments-none.json' },
      [`POST ${R}/issues/42/comments`]: { status: 403, fixture: 'error-403-not-accessible.json' },
    });
    const error = await rejection(
      runPrBot(createOctokit({ token: 'read-only', fetch: gh.fetch }), { repo, pullNumber: 42 }),
    );
    expect(error.code).toBe('ENVIRONMENT');
    expect(error.message).toBe(
      'cannot comment on #42: the token lacks permission (403 Resource not accessible by integration)',
    );
    expect(error.hint).toContain('permissions: pull-requests: write');
  });

  it('explains a rejected token and a missing pull request', async () => {
    const bad = fakeGitHub({
      [`GET ${R}/pulls/42`]: {
        status: 401,
        body: {
          message: 'Bad credentials',
          documentation_url: 'https://docs.github.com/rest',
          status: '401',
        },
      },
    });
    const e1 = await rejection(
      runPrBot(createOctokit({ token: 'x', fetch: bad.fetch }), { repo, pullNumber: 42 }),
    );
    expect(e1.message).toBe('cannot read pull request #42: GitHub rejected the token (401 Bad credentials)');
    const missing = fakeGitHub({});
    const e2 = await rejection(runPrBot(createOctokit({ fetch: missing.fetch }), { repo, pullNumber: 9 }));
    expect(e2.code).toBe('NOT_FOUND');
    expect(e2.message).toContain('cannot read pull request #9: not found (404)');
  });

  it('posts nothing when the PR moved on since the check run', async () => {
    const gh = fakeGitHub(pr42);
    const result = await runPrBot(createOctokit({ fetch: gh.fetch }), {
      repo,
      pullNumber: 42,
      expectedHeadSha: 'f'.repeat(40),
    });
    expect(result.stale).toContain('#42 is now at 4242424, not the checked fffffff');
    expect(gh.requests.map((r) => r.path)).toEqual([`${R}/pulls/42`]);
  });
});

describe('PR bot and mhub test', () => {
  const withoutTests = (text: string) => text.replace(/\ntests:\n[\s\S]*?(?=\n---\n)/, '');
  const liver = readFileSync(new URL('./fixtures/cards/liver_seg.md', import.meta.url), 'utf8');

  it('fails a new card without a tests section, naming the file and the fix', async () => {
    const content = fixture('contents-liver_seg-head42.json') as { content: string };
    const untested = Buffer.from(withoutTests(liver)).toString('base64');
    const gh = fakeGitHub({
      ...pr42,
      [`GET ${R}/contents/registry/models/liver_seg.md?ref=4242424242424242424242424242424242424242`]: {
        body: { ...content, content: untested },
      },
    });
    const result = await runPrBot(createOctokit({ token: 't', fetch: gh.fetch }), {
      repo,
      pullNumber: 42,
      dryRun: true,
    });
    expect(gh.unmatched).toEqual([]);
    expect(result.ok).toBe(false);
    expect(result.results.find((r) => r.rule === 'card-tests')).toEqual({
      rule: 'card-tests',
      title: 'Card has a reproducibility test',
      status: 'fail',
      details: [
        'registry/models/liver_seg.md: no tests section; add tests: with a sample input (a file in the repository, a url with sha256, or an IDC series), the reference output and compare: (dice: {min: ...} for segmentations)',
      ],
    });
  });

  it("puts the check run's mhub test result in the comment, escaped, and says when there is none", async () => {
    const report = {
      format: 'mhub-test-report/1',
      model: 'liver_seg',
      ok: false,
      runs: [
        {
          backend: 'docker',
          status: 'failed',
          runMs: 61234,
          tests: [
            {
              comparisons: [
                {
                  output: 'segmentation',
                  ok: false,
                  message: 'Dice below 0.95 for LIVER (0.5) <img src=x> | @someone',
                  segments: [{ label: 1, dice: 0.5 }],
                },
              ],
            },
          ],
        },
        { backend: 'venv', status: 'not-run', reason: 'the card has no venv runtime', tests: [] },
      ],
    };
    const gh = fakeGitHub(pr42);
    const result = await runPrBot(createOctokit({ token: 't', fetch: gh.fetch }), {
      repo,
      pullNumber: 42,
      dryRun: true,
      testReports: [summariseReport(report, 'liver_seg.json')],
    });
    expect(result.body).toContain(
      '| `liver_seg` | docker | ❌ failed | 0.5 | 61.2 s | segmentation: Dice below 0.95 for LIVER (0.5) &lt;img src=x&gt; \\| @\u200bsomeone |',
    );
    expect(result.body).toContain(
      '| `liver_seg` | venv | ⚪ not run | — | — | the card has no venv runtime |',
    );
    const none = await runPrBot(createOctokit({ token: 't', fetch: fakeGitHub(pr42).fetch }), {
      repo,
      pullNumber: 42,
      dryRun: true,
    });
    expect(none.body).toContain('- `liver_seg`: no test report from the check run');
    // Untrusted JSON that is not a report is refused as a whole.
    expect(() =>
      summariseReport({ format: 'mhub-test-report/1', model: '../x', runs: [] }, 'x.json'),
    ).toThrow('x.json is not an mhub test report: model is not a registry name');
  });
});
