// The PR bot: reads a pull request through the API (never its code), applies the rules, and
// keeps one comment up to date. Runs with write permission only in the workflow_run workflow.
import type { Octokit } from '@octokit/rest';
import { MhubError } from '../errors.ts';
import { defaultTerminologyDir, type Terminology } from '../registry/index.ts';
import { checkChanges } from './check-changes.ts';
import { github, type RepoRef, readFileAt } from './github.ts';
import { type Preview, renderComment, upsertComment } from './pr-comment.ts';
import type { ChangedFile, RuleResult } from './pr-rules.ts';

export interface PrBotOptions {
  repo: RepoRef;
  pullNumber: number;
  /** The commit the check run tested: the bot never comments about a different head. */
  expectedHeadSha?: string;
  /** The check run whose artifacts are the previews. */
  run?: { id: number; url?: string; conclusion?: string };
  /** Compute the comment and post nothing (needs only read access). */
  dryRun?: boolean;
  /** The account that posts (default github-actions[bot], the workflow token's identity). */
  botLogin?: string;
  serverUrl?: string;
  terminology?: Terminology;
  /** Our terminology folder, under the PR's changes to it (default registry/terminology). */
  terminologyDir?: string;
}

export interface PrBotResult {
  ok: boolean;
  body: string;
  results: RuleResult[];
  comment?: { action: 'created' | 'updated'; id: number };
  /** Set when the PR moved on since the check run: nothing was posted. */
  stale?: string;
}

export const PREVIEW_LABELS: Record<string, string> = {
  'preview-slicer': '3D Slicer module(s) generated from the card (`mhub generate slicer`)',
  'preview-site': 'Catalog model page(s) built from the card (site build)',
};

export async function listChangedFiles(
  octokit: Octokit,
  repo: RepoRef,
  pullNumber: number,
): Promise<ChangedFile[]> {
  const files = await github(`list the files of #${pullNumber}`, 'pull-requests: read', () =>
    octokit.paginate(octokit.rest.pulls.listFiles, { ...repo, pull_number: pullNumber, per_page: 100 }),
  );
  return files.map((f) => ({
    filename: f.filename,
    status: f.status,
    ...(f.previous_filename ? { previous_filename: f.previous_filename } : {}),
  }));
}

async function previews(
  octokit: Octokit,
  repo: RepoRef,
  runId: number,
  serverUrl: string,
): Promise<Preview[]> {
  const artifacts = await github(`list the artifacts of run ${runId}`, 'actions: read', () =>
    octokit.paginate(octokit.rest.actions.listWorkflowRunArtifacts, {
      ...repo,
      run_id: runId,
      per_page: 100,
    }),
  );
  return artifacts
    .filter((a) => a.name.startsWith('preview-') && !a.expired)
    .map((a) => ({
      label: PREVIEW_LABELS[a.name] ?? a.name,
      url: `${serverUrl}/${repo.owner}/${repo.repo}/actions/runs/${runId}/artifacts/${a.id}`,
    }));
}

export async function runPrBot(octokit: Octokit, options: PrBotOptions): Promise<PrBotResult> {
  const { repo, pullNumber } = options;
  if (!Number.isSafeInteger(pullNumber) || pullNumber <= 0)
    throw new MhubError('USAGE', `'${pullNumber}' is not a pull request number`, 'give --pr <number>');
  const { data: pr } = await github(`read pull request #${pullNumber}`, 'pull-requests: read', () =>
    octokit.rest.pulls.get({ ...repo, pull_number: pullNumber }),
  );
  if (options.expectedHeadSha && pr.head.sha !== options.expectedHeadSha) {
    const stale = `#${pullNumber} is now at ${pr.head.sha.slice(0, 7)}, not the checked ${options.expectedHeadSha.slice(0, 7)}; the newer run will comment`;
    return { ok: true, body: '', results: [], stale };
  }
  const files = await listChangedFiles(octokit, repo, pullNumber);
  // Card and terminology texts are read as data through the API at the exact commits: no
  // checkout of PR code. The rules are the ones `mhub registry check` applies locally.
  const { ok, models, results } = await checkChanges(
    {
      files,
      labels: pr.labels.map((l) => l.name ?? '').filter(Boolean),
      read: (file, side) => readFileAt(octokit, repo, file, side === 'head' ? pr.head.sha : pr.base.sha),
    },
    {
      terminologyDir: options.terminologyDir ?? defaultTerminologyDir,
      ...(options.terminology ? { terminology: options.terminology } : {}),
    },
  );
  const serverUrl = options.serverUrl ?? 'https://github.com';
  const body = renderComment({
    headSha: pr.head.sha,
    models,
    results,
    previews: options.run ? await previews(octokit, repo, options.run.id, serverUrl) : [],
    ...(options.run?.url && options.run.conclusion
      ? { checkRun: { url: options.run.url, conclusion: options.run.conclusion } }
      : {}),
  });
  if (options.dryRun) return { ok, body, results };
  const comment = await upsertComment(octokit, repo, pullNumber, body, options.botLogin);
  return { ok, body, results, comment };
}
