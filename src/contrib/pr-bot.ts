// The PR bot: reads a pull request through the API (never its code), applies the rules, and
// keeps one comment up to date. Runs with write permission only in the workflow_run workflow.
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Octokit } from '@octokit/rest';
import { isMhubError, MhubError } from '../errors.ts';
import { defaultTerminologyDir, loadTerminology, type Terminology } from '../registry/index.ts';
import type { ReportSummary } from '../verify/index.ts';
import { github, type RepoRef, readFileAt } from './github.ts';
import { type Preview, renderComment, upsertComment } from './pr-comment.ts';
import {
  type ChangedCard,
  type ChangedFile,
  checkPullRequest,
  classifyFiles,
  failed,
  RULES,
  type RuleResult,
  touchedModels,
} from './pr-rules.ts';

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
  /** `mhub test` reports the check run produced (see summariseReport in src/verify). */
  testReports?: ReportSummary[];
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

const TERMINOLOGY_RE = /^registry\/terminology\/[^/]+\.json$/;

/**
 * The vocabulary the PR's cards must be checked against: ours, with the terminology files the
 * PR changes replaced by their head versions (read as data through the API).
 */
async function headTerminology(
  octokit: Octokit,
  repo: RepoRef,
  files: readonly ChangedFile[],
  headSha: string,
  base: { dir: string; terminology?: Terminology },
): Promise<{ terminology?: Terminology; result?: RuleResult }> {
  const changed = files.filter(
    (f) => TERMINOLOGY_RE.test(f.filename) || TERMINOLOGY_RE.test(f.previous_filename ?? ''),
  );
  if (changed.length === 0) return base.terminology ? { terminology: base.terminology } : {};
  const dir = await mkdtemp(path.join(tmpdir(), 'mhub-pr-terminology-'));
  try {
    await cp(base.dir, dir, { recursive: true });
    for (const f of changed) {
      if (f.previous_filename)
        await rm(path.join(dir, path.posix.basename(f.previous_filename)), { force: true });
      const target = path.join(dir, path.posix.basename(f.filename));
      const text = f.status === 'removed' ? undefined : await readFileAt(octokit, repo, f.filename, headSha);
      if (text === undefined) await rm(target, { force: true });
      else await writeFile(target, text);
    }
    const names = changed.map((f) => f.filename).join(', ');
    try {
      const terminology = loadTerminology(dir);
      return {
        terminology,
        result: {
          rule: RULES.terminology,
          title: 'Terminology changes load and resolve',
          status: 'warn',
          details: [
            `cards checked against the PR's terminology (${names}); check the new SNOMED CT codes by hand`,
          ],
        },
      };
    } catch (error) {
      if (!isMhubError(error)) throw error;
      const where = (text: string) => text.split(dir).join('registry/terminology');
      return {
        result: {
          rule: RULES.terminology,
          title: 'Terminology changes load and resolve',
          status: 'fail',
          details: [`${where(error.message)}${error.hint ? `. Fix: ${error.hint}` : ''}`],
        },
      };
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
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
  const { cards: cardFiles } = classifyFiles(files);
  // Card texts are read as data through the API at the exact commits: no checkout of PR code.
  const cards: ChangedCard[] = await Promise.all(
    cardFiles.map(async (f) => {
      const head =
        f.status === 'removed' ? undefined : await readFileAt(octokit, repo, f.filename, pr.head.sha);
      const base =
        f.status === 'added'
          ? undefined
          : await readFileAt(octokit, repo, f.previous_filename ?? f.filename, pr.base.sha);
      return {
        name: f.filename,
        file: f.filename,
        status: f.status,
        ...(head !== undefined ? { head } : {}),
        ...(base !== undefined ? { base } : {}),
      };
    }),
  );
  const vocabulary = await headTerminology(octokit, repo, files, pr.head.sha, {
    dir: options.terminologyDir ?? defaultTerminologyDir,
    ...(options.terminology ? { terminology: options.terminology } : {}),
  });
  const results = checkPullRequest({
    files,
    cards,
    labels: pr.labels.map((l) => l.name ?? '').filter(Boolean),
    // Bad terminology at the head leaves the cards to be checked against ours (and fails its rule).
    terminology: vocabulary.terminology ?? options.terminology ?? loadTerminology(),
  });
  if (vocabulary.result) results.splice(2, 0, vocabulary.result);
  const serverUrl = options.serverUrl ?? 'https://github.com';
  const body = renderComment({
    headSha: pr.head.sha,
    models: touchedModels(cardFiles),
    results,
    previews: options.run ? await previews(octokit, repo, options.run.id, serverUrl) : [],
    ...(options.testReports ? { testReports: options.testReports } : {}),
    ...(options.run?.url && options.run.conclusion
      ? { checkRun: { url: options.run.url, conclusion: options.run.conclusion } }
      : {}),
  });
  const ok = !failed(results);
  if (options.dryRun) return { ok, body, results };
  const comment = await upsertComment(octokit, repo, pullNumber, body, options.botLogin);
  return { ok, body, results, comment };
}
