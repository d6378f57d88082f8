// The bot's one comment per pull request: found again by a hidden marker and edited in place.
import type { Octokit } from '@octokit/rest';
import type { ReportSummary } from '../verify/index.ts';
import { github, type RepoRef } from './github.ts';
import type { RuleResult } from './pr-rules.ts';

export const MARKER = '<!-- mhub-pr-bot -->';

export interface Preview {
  label: string;
  url: string;
}

export interface CommentInput {
  headSha: string;
  models: string[];
  results: RuleResult[];
  previews: Preview[];
  /** The read-only check run that built the previews. */
  checkRun?: { url: string; conclusion: string };
  /** `mhub test` reports from the check run (untrusted: summarised by src/verify, escaped here). */
  testReports?: ReportSummary[];
}

const RUN_ICON: Record<string, string> = {
  passed: '✅ passed',
  failed: '❌ failed',
  'not-run': '⚪ not run',
};

/** The `mhub test` section: a row per model and backend, or why there is none. */
export function renderTests(models: readonly string[], reports: readonly ReportSummary[] = []): string[] {
  if (!models.length) return [];
  const lines = [
    "**Reproducibility** (`mhub test` in the check run: the model on its card's sample, compared with the reference)",
    '',
  ];
  const rows: string[] = [];
  for (const model of models) {
    const report = reports.find((r) => r.model === model);
    if (!report) {
      lines.push(
        `- \`${cell(model)}\`: no test report from the check run (no tests section, or the check did not reach \`mhub test\`).`,
      );
      continue;
    }
    for (const run of report.runs) {
      const details = run.status === 'not-run' ? [run.reason ?? ''] : run.failures;
      rows.push(
        `| \`${cell(model)}\` | ${run.backend} | ${RUN_ICON[run.status]} | ${run.lowestDice ?? '—'} | ${run.seconds === undefined ? '—' : `${run.seconds} s`} | ${details.map(cell).join('<br>')} |`,
      );
    }
  }
  if (rows.length)
    lines.push(
      '| Model | Backend | Result | Lowest Dice | Run time | Details |',
      '| --- | --- | --- | --- | --- | --- |',
      ...rows,
    );
  return [...lines, ''];
}

const ICON: Record<RuleResult['status'], string> = { pass: '✅ pass', fail: '❌ fail', warn: '⚠️ check' };

/** Card text is contributor input: keep it from breaking the table or adding markup. */
export function cell(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, ' ')
    .replace(/@(?=\w)/g, '@\u200b');
}

export const MANUAL_CHECKS = [
  "The licences in the card match the upstream repository's LICENSE and the weights' terms.",
  "The image digest and the weight URLs point at the authors' own published artefacts.",
  'The segments, in label order, and their SNOMED CT codes match what the model writes (open the Slicer preview).',
  'The card text states intended use, evaluation data and limitations without overclaiming.',
  'The sample data is public, and `mhub run` on it gives a plausible result.',
];

export function renderComment(input: CommentInput): string {
  const failing = input.results.filter((r) => r.status === 'fail');
  const verdict = failing.length
    ? `❌ **${failing.length} check${failing.length === 1 ? '' : 's'} failed**: ${failing.map((r) => `\`${r.rule}\``).join(', ')}. See the table; push a fix and this comment updates.`
    : '✅ **All automatic checks passed.** A maintainer still reviews the points below.';
  const rows = input.results.map(
    (r) => `| ${cell(r.title)} (\`${r.rule}\`) | ${ICON[r.status]} | ${r.details.map(cell).join('<br>')} |`,
  );
  const previews = input.previews.length
    ? input.previews.map((p) => `- [${cell(p.label)}](${p.url})`)
    : ['- No previews were built (no card changed, or the check run failed before building them).'];
  const run = input.checkRun ? [`Check run: [${input.checkRun.conclusion}](${input.checkRun.url})`, ''] : [];
  return [
    MARKER,
    `### Model card check${input.models.length ? `: ${input.models.map((m) => `\`${cell(m)}\``).join(', ')}` : ''}`,
    '',
    verdict,
    '',
    '| Check | Result | Details |',
    '| --- | --- | --- |',
    ...rows,
    '',
    ...renderTests(input.models, input.testReports),
    '**Previews** (workflow artifacts: download, unzip, open the model page or load the module in 3D Slicer)',
    '',
    ...previews,
    '',
    '**For the reviewer to check by hand**',
    '',
    ...MANUAL_CHECKS.map((c) => `- [ ] ${c}`),
    '',
    ...run,
    `<sub>Checked at ${input.headSha.slice(0, 7)}. This comment is edited in place on every push; see CONTRIBUTING.md for what each check means.</sub>`,
  ].join('\n');
}

/** Creates the bot's comment, or edits the one it made before (never a second one). */
export async function upsertComment(
  octokit: Octokit,
  repo: RepoRef,
  issueNumber: number,
  body: string,
  botLogin = 'github-actions[bot]',
): Promise<{ action: 'created' | 'updated'; id: number }> {
  const comments = await github(`list the comments of #${issueNumber}`, 'pull-requests: read', () =>
    octokit.paginate(octokit.rest.issues.listComments, { ...repo, issue_number: issueNumber, per_page: 100 }),
  );
  // Only our own comment counts: anyone can paste the marker into a comment of theirs.
  const mine = comments.find((c) => c.user?.login === botLogin && c.body?.includes(MARKER));
  if (mine) {
    await github(`update comment ${mine.id} on #${issueNumber}`, 'pull-requests: write', () =>
      octokit.rest.issues.updateComment({ ...repo, comment_id: mine.id, body }),
    );
    return { action: 'updated', id: mine.id };
  }
  const { data } = await github(`comment on #${issueNumber}`, 'pull-requests: write', () =>
    octokit.rest.issues.createComment({ ...repo, issue_number: issueNumber, body }),
  );
  return { action: 'created', id: data.id };
}
