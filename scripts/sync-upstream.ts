// `node scripts/sync-upstream.ts [--ref main] [--dry-run]`: imports MHubAI/models at a ref
// (meta.json + config/*.yml through the GitHub API) and opens or updates a PR with the
// changes to registry/models/; --dry-run prints the diff instead.
import { parseArgs } from 'node:util';
import { parseRepo } from '../src/contrib/github.ts';
import { octokitFromEnv, runScript } from '../src/contrib/run-script.ts';
import { openOrUpdatePullRequest, planDiff, planSync, readUpstream } from '../src/contrib/sync-upstream.ts';
import { defaultModelsDir } from '../src/registry/paths.ts';
import { loadTerminology } from '../src/registry/terminology.ts';

const { values } = parseArgs({
  options: {
    ref: { type: 'string', default: 'main' },
    upstream: { type: 'string', default: 'MHubAI/models' },
    repo: { type: 'string', default: process.env.GITHUB_REPOSITORY },
    base: { type: 'string', default: 'main' },
    branch: { type: 'string', default: 'sync/mhub-upstream' },
    models: { type: 'string', default: defaultModelsDir },
    'dry-run': { type: 'boolean', default: false },
  },
});

async function main(): Promise<number> {
  const octokit = octokitFromEnv();
  const snapshot = await readUpstream(octokit, values.ref, parseRepo(values.upstream));
  const plan = await planSync(snapshot, values.models, loadTerminology());
  for (const s of plan.skipped) console.error(`sync-upstream: skipped ${s.name}: ${s.reason}`);
  const summary = `${snapshot.models.length} upstream models at ${snapshot.sha.slice(0, 7)}: ${plan.changes.length} changed, ${plan.unchanged} unchanged, ${plan.skipped.length} skipped`;
  if (values['dry-run']) {
    process.stdout.write(planDiff(plan));
    console.error(`sync-upstream: ${summary}`);
    return 0;
  }
  if (plan.changes.length === 0) {
    console.log(`sync-upstream: ${summary}; nothing to propose`);
    return 0;
  }
  const pr = await openOrUpdatePullRequest(
    octokit,
    { repo: parseRepo(values.repo), base: values.base, branch: values.branch },
    plan,
    snapshot,
  );
  console.log(`sync-upstream: ${summary}; ${pr.action} ${pr.url}`);
  return 0;
}

runScript('sync-upstream', main);
