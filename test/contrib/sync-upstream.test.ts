// scripts/sync-upstream against a FAKE GitHub API: MHubAI/models at a ref, imported with the
// registry's importer, compared with our cards, proposed as one PR.
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createOctokit } from '../../src/contrib/github.ts';
import {
  openOrUpdatePullRequest,
  planDiff,
  planSync,
  readUpstream,
  upstreamWorkflows,
} from '../../src/contrib/sync-upstream.ts';
import { isMhubError } from '../../src/errors.ts';
import { defaultModelsDir } from '../../src/registry/paths.ts';
import { loadTerminology } from '../../src/registry/terminology.ts';
import { validateCardText } from '../../src/registry/validate.ts';
import { fakeGitHub, fixture, type RecordedRequest } from './fake-github.ts';

const SHA = '9d3c0ffee0000000000000000000000000000001';
const U = '/repos/MHubAI/models';
const R = '/repos/mhub-org/registry';
const blobs = fixture('upstream-blobs.json') as Record<string, unknown>;
const upstreamRoutes = {
  [`GET ${U}/commits/main`]: { fixture: 'upstream-commit-main.json' },
  [`GET ${U}/git/trees/${SHA}?recursive=true`]: { fixture: 'upstream-tree.json' },
  ...Object.fromEntries(Object.entries(blobs).map(([sha, body]) => [`GET ${U}/git/blobs/${sha}`, { body }])),
};

/** Our registry folder with two of its real cards; lungmask is new upstream. */
async function modelsDir() {
  const dir = await mkdtemp(path.join(tmpdir(), 'mhub-sync-'));
  for (const name of ['bamf_nnunet_ct_kidney', 'casust'])
    await copyFile(path.join(defaultModelsDir, `${name}.md`), path.join(dir, `${name}.md`));
  return dir;
}

async function plan() {
  const gh = fakeGitHub(upstreamRoutes);
  const snapshot = await readUpstream(createOctokit({ fetch: gh.fetch }), 'main');
  expect(gh.unmatched).toEqual([]);
  return { snapshot, plan: await planSync(snapshot, await modelsDir(), loadTerminology()) };
}

describe('sync-upstream', () => {
  it('reads meta.json, workflow configs and mhub.toml at a ref', async () => {
    const { snapshot } = await plan();
    expect(snapshot).toMatchObject({ ref: 'main', sha: SHA, date: '2026-11-02' });
    expect(snapshot.models.map((m) => m.name)).toEqual([
      'bamf_nnunet_ct_kidney',
      'broken_model',
      'casust',
      'lungmask',
    ]);
    const kidney = snapshot.models[0]!;
    expect(kidney.configs.map((c) => c.workflow)).toEqual(['default', 'slicer']);
    expect(upstreamWorkflows(kidney)).toEqual({
      workflows: [
        {
          workflow: 'default',
          description: 'default configuration for Bamf NNUnet Kidney segmentation (dicom to dicom)',
          organizer_targets: ['dicomseg-->[i:sid]/bamf_nnunet_ct_kidney.seg.dcm'],
        },
        {
          workflow: 'slicer',
          description: 'configuration for Bamf NNUnet Kidney segmentation in 3D Slicer (nrrd to nifti)',
          organizer_targets: ['nifti:mod=seg-->[basename]', 'json:mod=seg-->segdef.json'],
        },
      ],
      test_zip: 'https://zenodo.org/record/13785615/files/bamf_nnunet_ct_kidney.test.zip',
    });
  });

  it('proposes only real changes, as valid cards, and prints them as a diff', async () => {
    const { plan: p } = await plan();
    // The kidney card imported from upstream equals ours but for the upstream ref line.
    expect(p.unchanged).toBe(1);
    expect(p.changes.map((c) => [c.path, c.before !== undefined])).toEqual([
      ['registry/models/casust.md', true],
      ['registry/models/lungmask.md', false],
    ]);
    expect(p.skipped).toEqual([{ name: 'broken_model', reason: expect.stringContaining('JSON') }]);
    for (const c of p.changes) {
      const { diagnostics } = validateCardText(c.after, path.basename(c.path));
      expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    }
    const diff = planDiff(p);
    expect(diff).toMatch(/^-title: CaSuSt$/m);
    expect(diff).toMatch(/^\+title: CaSuSt \(v2\)$/m);
    expect(diff).toMatch(/^\+ {2}ref: MHubAI\/models@main 9d3c0ff \(2026-11-02\)$/m);
    expect(diff).toContain('--- /dev/null\n+++ b/registry/models/lungmask.md');
  });

  it("keeps a card's contributed preview, which exists only in the registry", async () => {
    const gh = fakeGitHub(upstreamRoutes);
    const snapshot = await readUpstream(createOctokit({ fetch: gh.fetch }), 'main');
    const dir = await modelsDir();
    const file = path.join(dir, 'casust.md');
    const preview =
      'preview:\n  path: models/casust/preview.png\n  alt: Cardiac CT slice with the substructures\n';
    await writeFile(file, (await readFile(file, 'utf8')).replace(/\n---\n\n/, `\n${preview}---\n\n`));
    const p = await planSync(snapshot, dir, loadTerminology());
    const casust = p.changes.find((c) => c.path === 'registry/models/casust.md')!;
    expect(casust.before).toContain(preview);
    expect(casust.after).toContain(preview);
  });

  it('opens a PR on a new branch, then updates branch and PR on the next run', async () => {
    const { snapshot, plan: p } = await plan();
    const writes = (requests: RecordedRequest[]) => requests.filter((r) => r.method !== 'GET');
    const common = {
      [`GET ${R}/git/ref/heads/main`]: { fixture: 'registry-ref-main.json' },
      [`GET ${R}/git/commits/1111111111111111111111111111111111111111`]: {
        fixture: 'registry-commit-base.json',
      },
      [`POST ${R}/git/trees`]: { status: 201, fixture: 'registry-tree-created.json' },
      [`POST ${R}/git/commits`]: { status: 201, fixture: 'registry-commit-created.json' },
    };
    const target = {
      repo: { owner: 'mhub-org', repo: 'registry' },
      base: 'main',
      branch: 'sync/mhub-upstream',
    };
    const list = `GET ${R}/pulls?base=main&head=mhub-org:sync/mhub-upstream&state=open`;

    const first = fakeGitHub({
      ...common,
      [`POST ${R}/git/refs`]: { status: 201, fixture: 'registry-ref-sync.json' },
      [list]: { body: [] },
      [`POST ${R}/pulls`]: { status: 201, fixture: 'registry-pull-57.json' },
    });
    const created = await openOrUpdatePullRequest(createOctokit({ fetch: first.fetch }), target, p, snapshot);
    expect(created).toEqual({
      action: 'created',
      number: 57,
      url: 'https://github.com/mhub-org/registry/pull/57',
    });
    // The branch did not exist (404 on its ref); everything else matched a route.
    expect(first.unmatched).toEqual([`GET ${R}/git/ref/heads/sync/mhub-upstream`]);
    const w1 = writes(first.requests);
    expect(w1.map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST ${R}/git/trees`,
      `POST ${R}/git/commits`,
      `POST ${R}/git/refs`,
      `POST ${R}/pulls`,
    ]);
    const tree = w1[0]!.body as { base_tree: string; tree: { path: string; content: string }[] };
    expect(tree.base_tree).toBe('2'.repeat(40));
    expect(tree.tree.map((t) => t.path)).toEqual([
      'registry/models/casust.md',
      'registry/models/lungmask.md',
    ]);
    expect(w1[1]!.body).toMatchObject({ parents: ['1111111111111111111111111111111111111111'] });
    expect(w1[2]!.body).toEqual({ ref: 'refs/heads/sync/mhub-upstream', sha: '5'.repeat(40) });
    expect(w1[3]!.body).toMatchObject({
      head: 'sync/mhub-upstream',
      base: 'main',
      title: 'Sync from MHubAI/models@main (9d3c0ff)',
    });
    expect((w1[3]!.body as { body: string }).body).toContain('`broken_model`');

    const second = fakeGitHub({
      ...common,
      [`GET ${R}/git/ref/heads/sync/mhub-upstream`]: { fixture: 'registry-ref-sync.json' },
      [`PATCH ${R}/git/refs/heads/sync/mhub-upstream`]: { fixture: 'registry-ref-sync.json' },
      [list]: { body: [fixture('registry-pull-57.json')] },
      [`PATCH ${R}/pulls/57`]: { fixture: 'registry-pull-57.json' },
    });
    const updated = await openOrUpdatePullRequest(
      createOctokit({ fetch: second.fetch }),
      target,
      p,
      snapshot,
    );
    expect(second.unmatched).toEqual([]);
    expect(updated.action).toBe('updated');
    expect(writes(second.requests).map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST ${R}/git/trees`,
      `POST ${R}/git/commits`,
      `PATCH ${R}/git/refs/heads/sync/mhub-upstream`,
      `PATCH ${R}/pulls/57`,
    ]);
    expect(writes(second.requests)[2]!.body).toMatchObject({ force: true });
  });

  it('says which permission a read-only token lacks', async () => {
    const { snapshot, plan: p } = await plan();
    const gh = fakeGitHub({
      [`GET ${R}/git/ref/heads/main`]: { fixture: 'registry-ref-main.json' },
      [`GET ${R}/git/commits/1111111111111111111111111111111111111111`]: {
        fixture: 'registry-commit-base.json',
      },
      [`POST ${R}/git/trees`]: { status: 403, fixture: 'error-403-not-accessible.json' },
    });
    const error = await openOrUpdatePullRequest(
      createOctokit({ token: 'read-only', fetch: gh.fetch }),
      { repo: { owner: 'mhub-org', repo: 'registry' }, base: 'main', branch: 'sync/mhub-upstream' },
      p,
      snapshot,
    ).catch((e: unknown) => e);
    expect(isMhubError(error) && error.message).toBe(
      'cannot write the updated cards: the token lacks permission (403 Resource not accessible by integration)',
    );
    expect(isMhubError(error) && error.hint).toContain('permissions: contents: write');
  });
});
