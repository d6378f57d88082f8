// Keeps the registry in step with MHub.ai: reads MHubAI/models at a ref through the API
// (meta.json files and workflow configs), runs the registry's importer, and turns the result
// into a diff or a pull request that changes registry/ only.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Octokit } from '@octokit/rest';
import { createTwoFilesPatch } from 'diff';
import { parse as parseToml } from 'smol-toml';
import { parse } from 'yaml';
import { isMhubError } from '../errors.ts';
import { pool } from '../pool.ts';
import type { ModelCard, Terminology } from '../registry/index.ts';
import {
  formatCard,
  importMhubMeta,
  type MhubMeta,
  type MhubWorkflows,
  readCardText,
} from '../registry/index.ts';
import { github, type RepoRef } from './github.ts';

export const UPSTREAM: RepoRef = { owner: 'MHubAI', repo: 'models' };
const META_RE = /^models\/([a-z0-9_]+)\/meta\.json$/;
const CONFIG_RE = /^models\/([a-z0-9_]+)\/config\/([^/]+)\.ya?ml$/;
const TOML_RE = /^models\/([a-z0-9_]+)\/mhub\.toml$/;

export interface UpstreamModel {
  name: string;
  metaPath: string;
  meta: string;
  configs: { workflow: string; text: string }[];
  /** models/<name>/mhub.toml: where the test data lives. */
  toml?: string;
}

export interface UpstreamSnapshot {
  ref: string;
  sha: string;
  date: string;
  models: UpstreamModel[];
}

export async function readUpstream(
  octokit: Octokit,
  ref: string,
  upstream: RepoRef = UPSTREAM,
): Promise<UpstreamSnapshot> {
  const where = `${upstream.owner}/${upstream.repo}`;
  const { data: commit } = await github(`read ${where}@${ref}`, 'contents: read', () =>
    octokit.rest.repos.getCommit({ ...upstream, ref }),
  );
  const { data: tree } = await github(`list the files of ${where}@${ref}`, 'contents: read', () =>
    octokit.rest.git.getTree({ ...upstream, tree_sha: commit.sha, recursive: 'true' }),
  );
  const blobs = new Map<
    string,
    { meta?: { path: string; sha: string }; toml?: string; configs: { workflow: string; sha: string }[] }
  >();
  const entry = (name: string) => {
    if (!blobs.has(name)) blobs.set(name, { configs: [] });
    return blobs.get(name)!;
  };
  for (const item of tree.tree) {
    if (item.type !== 'blob' || !item.path || !item.sha) continue;
    const meta = item.path.match(META_RE);
    if (meta) entry(meta[1]!).meta = { path: item.path, sha: item.sha };
    const config = item.path.match(CONFIG_RE);
    if (config) entry(config[1]!).configs.push({ workflow: config[2]!, sha: item.sha });
    const toml = item.path.match(TOML_RE);
    if (toml) entry(toml[1]!).toml = item.sha;
  }
  const blob = (sha: string) =>
    github(`read blob ${sha.slice(0, 7)} of ${where}`, 'contents: read', async () => {
      const { data } = await octokit.rest.git.getBlob({ ...upstream, file_sha: sha });
      return Buffer.from(data.content, data.encoding === 'base64' ? 'base64' : 'utf8').toString('utf8');
    });
  const named = [...blobs.entries()].filter(([, b]) => b.meta).sort(([a], [b]) => a.localeCompare(b));
  const models = await pool(named, 8, async ([name, b]) => ({
    name,
    metaPath: b.meta!.path,
    meta: await blob(b.meta!.sha),
    configs: await Promise.all(
      b.configs
        .sort((x, y) => x.workflow.localeCompare(y.workflow))
        .map(async (c) => ({ workflow: c.workflow, text: await blob(c.sha) })),
    ),
    ...(b.toml ? { toml: await blob(b.toml) } : {}),
  }));
  const date = (commit.commit.committer?.date ?? commit.commit.author?.date ?? '').slice(0, 10);
  return { ref, sha: commit.sha, date, models };
}

/** MHub workflow configs (config/<workflow>.yml) and mhub.toml in the importer's workflows shape. */
export function upstreamWorkflows(model: Pick<UpstreamModel, 'configs' | 'toml'>): MhubWorkflows {
  const configs = model.configs;
  const workflows = configs.map(({ workflow, text }) => {
    const config = (parse(text) ?? {}) as {
      general?: { description?: string };
      execute?: unknown[];
      modules?: { DataOrganizer?: { targets?: unknown[] } };
    };
    const targets = config.modules?.DataOrganizer?.targets;
    return {
      workflow,
      ...(config.general?.description ? { description: String(config.general.description) } : {}),
      ...(Array.isArray(targets) ? { organizer_targets: targets.map(String) } : {}),
    };
  });
  // MHub runs the "default" workflow when none is named: list it first.
  workflows.sort((a, b) => Number(b.workflow === 'default') - Number(a.workflow === 'default'));
  let testZip: string | undefined;
  if (model.toml) {
    const toml = parseToml(model.toml) as { model?: { deployment?: { test?: unknown } } };
    if (typeof toml.model?.deployment?.test === 'string') testZip = toml.model.deployment.test;
  }
  return { workflows, ...(testZip ? { test_zip: testZip } : {}) };
}

/** What our registry adds to an imported card and the importer cannot know: kept on sync. */
function keepLocal(imported: ModelCard, local: Partial<ModelCard> | undefined): ModelCard {
  if (!local) return imported;
  const card = structuredClone(imported);
  const ld = local.runtimes?.docker;
  const docker = card.runtimes.docker;
  if (docker && ld && ld.image === docker.image && ld.tag === docker.tag) {
    if (ld.digest) docker.digest = ld.digest;
    if (ld.verified) docker.verified = ld.verified;
  }
  if (local.runtimes?.venv) card.runtimes.venv = local.runtimes.venv;
  if (local.requirements && local.requirements.gpu !== 'unknown') card.requirements = local.requirements;
  if (local.sampleData && !card.sampleData) card.sampleData = local.sampleData;
  // A contributed preview exists only in the registry: a re-import must not drop it.
  if (local.preview) card.preview = local.preview;
  if (local.status) card.status = local.status;
  return card;
}

export interface CardChange {
  /** Repository path, e.g. registry/models/lungmask.md */
  path: string;
  before?: string;
  after: string;
}

export interface SyncPlan {
  changes: CardChange[];
  unchanged: number;
  /** Upstream models the importer could not convert, with the reason. */
  skipped: { name: string; reason: string }[];
}

/** Imports every upstream model and compares it with the cards in `modelsDir`. */
export async function planSync(
  snapshot: UpstreamSnapshot,
  modelsDir: string,
  terminology: Terminology,
  repoModelsPath = 'registry/models',
): Promise<SyncPlan> {
  const present = new Set((await readdir(modelsDir).catch(() => [])).filter((f) => f.endsWith('.md')));
  const plan: SyncPlan = { changes: [], unchanged: 0, skipped: [] };
  const ref = `${UPSTREAM.owner}/${UPSTREAM.repo}@${snapshot.ref} ${snapshot.sha.slice(0, 7)} (${snapshot.date})`;
  for (const model of snapshot.models) {
    const file = `${model.name}.md`;
    const before = present.has(file) ? await readFile(path.join(modelsDir, file), 'utf8') : undefined;
    let after: string;
    try {
      const meta = JSON.parse(model.meta.replace(/^\uFEFF/, '')) as MhubMeta;
      const { card, body } = importMhubMeta(meta, {
        terminology,
        file: model.metaPath,
        workflows: upstreamWorkflows(model),
        upstream: { ref, path: model.metaPath },
      });
      const local =
        before === undefined ? undefined : (readCardText(before, file).source?.data as Partial<ModelCard>);
      after = formatCard(keepLocal(card, local), body);
    } catch (error) {
      if (!isMhubError(error) && !(error instanceof SyntaxError)) throw error;
      plan.skipped.push({ name: model.name, reason: error.message });
      continue;
    }
    // The upstream ref line changes on every sync: a card whose content is otherwise the same is unchanged.
    const withoutRef = (text: string) => text.replace(/^ {2}ref: .*$/m, '');
    if (before !== undefined && withoutRef(before) === withoutRef(after)) {
      plan.unchanged++;
      continue;
    }
    plan.changes.push({
      path: `${repoModelsPath}/${file}`,
      ...(before !== undefined ? { before } : {}),
      after,
    });
  }
  return plan;
}

export function planDiff(plan: SyncPlan): string {
  return plan.changes
    .map((c) =>
      createTwoFilesPatch(
        c.before === undefined ? '/dev/null' : `a/${c.path}`,
        `b/${c.path}`,
        c.before ?? '',
        c.after,
        undefined,
        undefined,
        { context: 2 },
      ),
    )
    .join('');
}

export interface PullRequestTarget {
  repo: RepoRef;
  base: string;
  branch: string;
}

/** Commits the plan onto `branch` (created or reset from base) and opens or updates its PR. */
export async function openOrUpdatePullRequest(
  octokit: Octokit,
  target: PullRequestTarget,
  plan: SyncPlan,
  snapshot: UpstreamSnapshot,
): Promise<{ action: 'created' | 'updated'; number: number; url: string }> {
  const { repo, base, branch } = target;
  const write = 'contents: write';
  const { data: baseRef } = await github(`read branch ${base}`, 'contents: read', () =>
    octokit.rest.git.getRef({ ...repo, ref: `heads/${base}` }),
  );
  const baseSha = baseRef.object.sha;
  const { data: baseCommit } = await github(`read commit ${baseSha.slice(0, 7)}`, 'contents: read', () =>
    octokit.rest.git.getCommit({ ...repo, commit_sha: baseSha }),
  );
  const { data: tree } = await github('write the updated cards', write, () =>
    octokit.rest.git.createTree({
      ...repo,
      base_tree: baseCommit.tree.sha,
      tree: plan.changes.map((c) => ({
        path: c.path,
        mode: '100644' as const,
        type: 'blob' as const,
        content: c.after,
      })),
    }),
  );
  const title = `Sync from MHubAI/models@${snapshot.ref} (${snapshot.sha.slice(0, 7)})`;
  const { data: commit } = await github('commit the updated cards', write, () =>
    octokit.rest.git.createCommit({ ...repo, message: title, tree: tree.sha, parents: [baseSha] }),
  );
  const exists = await octokit.rest.git.getRef({ ...repo, ref: `heads/${branch}` }).then(
    () => true,
    () => false,
  );
  await github(`${exists ? 'update' : 'create'} branch ${branch}`, write, async () => {
    if (exists)
      await octokit.rest.git.updateRef({ ...repo, ref: `heads/${branch}`, sha: commit.sha, force: true });
    else await octokit.rest.git.createRef({ ...repo, ref: `refs/heads/${branch}`, sha: commit.sha });
  });
  const body = [
    `Imported from [MHubAI/models@${snapshot.ref}](https://github.com/MHubAI/models/tree/${snapshot.sha}) (${snapshot.date}) by \`scripts/sync-upstream.ts\`.`,
    '',
    `- ${plan.changes.length} card(s) changed or added: ${plan.changes.map((c) => `\`${path.posix.basename(c.path, '.md')}\``).join(', ')}`,
    `- ${plan.unchanged} card(s) unchanged`,
    ...(plan.skipped.length
      ? [
          `- ${plan.skipped.length} model(s) skipped:`,
          ...plan.skipped.map((s) => `  - \`${s.name}\`: ${s.reason}`),
        ]
      : []),
    '',
    'Digests, verification records, venv runtimes, hardware requirements and status set in this registry are kept.',
  ].join('\n');
  const { data: open } = await github(
    `list pull requests of ${repo.owner}/${repo.repo}`,
    'pull-requests: read',
    () => octokit.rest.pulls.list({ ...repo, head: `${repo.owner}:${branch}`, base, state: 'open' }),
  );
  if (open[0]) {
    const { data } = await github(`update pull request #${open[0].number}`, 'pull-requests: write', () =>
      octokit.rest.pulls.update({ ...repo, pull_number: open[0]!.number, title, body }),
    );
    return { action: 'updated', number: data.number, url: data.html_url };
  }
  const { data } = await github('open a pull request', 'pull-requests: write', () =>
    octokit.rest.pulls.create({ ...repo, head: branch, base, title, body }),
  );
  return { action: 'created', number: data.number, url: data.html_url };
}
