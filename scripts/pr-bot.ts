// `node scripts/pr-bot.ts --pr <n> [--dry-run]`: checks a pull request's model cards through the
// GitHub API and keeps the bot's one comment up to date. Used by .github/workflows/pr-comment.yml
// (with write permission, never checking out PR code) and pr-check.yml (read-only, --dry-run).
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { parseRepo } from '../src/contrib/github.ts';
import { runPrBot } from '../src/contrib/pr-bot.ts';
import { octokitFromEnv, runScript } from '../src/contrib/run-script.ts';
import { MhubError } from '../src/errors.ts';
import { EXIT_CODES } from '../src/exit-codes.ts';

const USAGE = `Usage: node scripts/pr-bot.ts --pr <n> [options]

Checks a pull request's model cards through the GitHub API with the rules of
\`mhub registry check\` (which applies them to a local branch, offline) and keeps the bot's one
comment on the pull request up to date.

Options:
  --pr <n>                 the pull request number
  --pr-file <file>         read the number from a file (an artifact of the check run)
  --repo <owner/name>      the repository (default: $GITHUB_REPOSITORY)
  --head-sha <sha>         comment only if the pull request is still at this commit
  --run-id <id>            the check run whose preview artifacts to link
  --run-url <url>          that run's page; with --run-conclusion, shown in the comment
  --run-conclusion <text>
  --dry-run                print the comment instead of posting it (read access only)
  --fail-on-error          exit 1 when a rule fails
  --bot-login <login>      the account that posts (default github-actions[bot])
  -h, --help               print this help

Environment: GITHUB_TOKEN (a token; without one, anonymous with a low rate limit),
GITHUB_API_URL, GITHUB_SERVER_URL.`;

function parse() {
  try {
    return parseArgs({
      options: {
        repo: { type: 'string', default: process.env.GITHUB_REPOSITORY },
        pr: { type: 'string' },
        'pr-file': { type: 'string' },
        'head-sha': { type: 'string' },
        'run-id': { type: 'string' },
        'run-url': { type: 'string' },
        'run-conclusion': { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        'fail-on-error': { type: 'boolean', default: false },
        'bot-login': { type: 'string', default: 'github-actions[bot]' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (error) {
    throw new MhubError('USAGE', (error as Error).message, 'see node scripts/pr-bot.ts --help');
  }
}

async function main(): Promise<number> {
  const values = parse();
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  // The number may come from an artifact of an untrusted run: accept digits only.
  const raw = values.pr ?? (values['pr-file'] ? await readFile(values['pr-file'], 'utf8') : undefined);
  if (!raw || !/^\s*\d{1,9}\s*$/.test(raw)) {
    // Never echo an artifact's content: it comes from an untrusted run and lands in public logs.
    const what =
      values.pr !== undefined ? `'${values.pr.slice(0, 20)}'` : `in ${values['pr-file'] ?? '(none)'}`;
    throw new MhubError(
      'USAGE',
      `the pull request number ${what} is not a number`,
      'give --pr <n> or --pr-file <file>',
    );
  }
  const runId = values['run-id'] ? Number(values['run-id']) : undefined;
  const octokit = octokitFromEnv();
  const result = await runPrBot(octokit, {
    repo: parseRepo(values.repo),
    pullNumber: Number(raw.trim()),
    dryRun: values['dry-run'],
    botLogin: values['bot-login'],
    ...(values['head-sha'] ? { expectedHeadSha: values['head-sha'] } : {}),
    ...(runId
      ? {
          run: {
            id: runId,
            ...(values['run-url'] ? { url: values['run-url'] } : {}),
            ...(values['run-conclusion'] ? { conclusion: values['run-conclusion'] } : {}),
          },
        }
      : {}),
    ...(process.env.GITHUB_SERVER_URL ? { serverUrl: process.env.GITHUB_SERVER_URL } : {}),
  });
  if (result.stale) {
    console.log(`pr-bot: ${result.stale}`);
    return 0;
  }
  if (values['dry-run']) console.log(result.body);
  else console.log(`pr-bot: ${result.comment!.action} comment ${result.comment!.id}`);
  for (const r of result.results)
    if (r.status === 'fail') console.error(`pr-bot: ${r.rule}: ${r.details.join('; ')}`);
  return values['fail-on-error'] && !result.ok ? EXIT_CODES.VALIDATION : 0;
}

runScript('pr-bot', main);
