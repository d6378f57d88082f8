// The PR workflows are safe for forks: the one that runs PR code is read-only, and the one with
// write permission never checks out or runs PR code.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { auditWorkflow, isPinnedAction, triggers } from '../../src/contrib/workflow-audit.ts';

const dir = path.resolve('.github/workflows');
const read = (name: string) => readFileSync(path.join(dir, name), 'utf8');

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
const steps = (wf: { jobs: Record<string, { steps: Step[] }> }) =>
  Object.values(wf.jobs).flatMap((j) => j.steps);

describe('GitHub workflows', () => {
  it('pass the fork-safety audit', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.yml'));
    expect(files).toEqual(expect.arrayContaining(['pr-check.yml', 'pr-comment.yml', 'sync-upstream.yml']));
    for (const f of files) expect(auditWorkflow(f, read(f)), f).toEqual([]);
  });

  it('flags an action used by tag in a workflow with write permission, and every one here is pinned', () => {
    const unpinned = [
      'on: push',
      'permissions:',
      '  contents: write',
      'jobs:',
      '  a:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - uses: actions/setup-node@v4',
    ].join('\n');
    expect(auditWorkflow('w.yml', unpinned).map((f) => f.problem)).toEqual([
      'uses actions/setup-node@v4 by a tag, not a full commit SHA, with a privileged token',
    ]);
    const pinned = unpinned.replace('@v4', '@49933ea5288caeca8642d1e84afbd3f7d6820020');
    expect(auditWorkflow('w.yml', pinned)).toEqual([]);
    for (const f of readdirSync(dir).filter((name) => name.endsWith('.yml'))) {
      const wf = parse(read(f));
      const privileged =
        JSON.stringify(wf.permissions ?? 'default').includes('write') ||
        triggers(wf).includes('workflow_run');
      if (!privileged) continue;
      for (const s of steps(wf)) if (s.uses) expect(isPinnedAction(s.uses), `${f}: ${s.uses}`).toBe(true);
    }
  });

  it('check PR code read-only and post from a separate workflow_run without checking out PR code', () => {
    const check = parse(read('pr-check.yml'));
    expect(triggers(check)).toEqual(['pull_request']);
    expect(check.permissions).toEqual({ contents: 'read', 'pull-requests': 'read' });
    expect(JSON.stringify(check)).not.toContain('secrets.');
    const checkSteps = steps(check);
    expect(checkSteps.some((s) => s.run?.includes('node bin/mhub.js registry validate'))).toBe(true);
    // The tests a card can break run on every card PR, and they are the ones that read the registry.
    expect(checkSteps.some((s) => s.run === 'npm run test:cards')).toBe(true);
    const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
    expect(pkg.scripts['test:cards']).toContain('test/registry');
    expect(checkSteps.some((s) => s.run?.includes('generate slicer --models "$NAMES"'))).toBe(true);
    expect(
      checkSteps.filter((s) => s.uses?.startsWith('actions/upload-artifact')).map((s) => s.with?.name),
    ).toEqual(['preview-slicer', 'preview-site', 'pr-meta']);

    const comment = parse(read('pr-comment.yml'));
    expect(triggers(comment)).toEqual(['workflow_run']);
    expect(comment.on.workflow_run.workflows).toEqual([check.name]);
    expect(comment.permissions['pull-requests']).toBe('write');
    const checkouts = steps(comment).filter((s) => s.uses?.startsWith('actions/checkout'));
    // Only the default branch: no ref, no repository, so never the fork's head.
    expect(checkouts.map((s) => s.with ?? {})).toEqual([{ 'persist-credentials': false }]);
    const runs = steps(comment)
      .map((s) => s.run ?? '')
      .join('\n');
    expect(runs).toContain('node scripts/pr-bot.ts');
    expect(runs).not.toMatch(/\$\{\{/);
    // Nothing from the artifact is executed: it holds the PR number only, read as digits.
    expect(runs).toContain('--pr-file "$PR_FILE" --head-sha "$HEAD_SHA"');
  });

  it('catches the unsafe patterns it is meant to catch', () => {
    const unsafe = `
on: pull_request_target
permissions: { pull-requests: write }
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with: { ref: "\${{ github.event.pull_request.head.sha }}" }
      - run: echo "\${{ github.event.pull_request.title }}"
`;
    expect(auditWorkflow('unsafe.yml', unsafe).map((f) => f.problem)).toEqual([
      'uses actions/checkout@v4 by a tag, not a full commit SHA, with a privileged token',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not a JS template
      'checks out PR code (${{ github.event.pull_request.head.sha }}) with a privileged token',
      'splices PR-controlled text into a script (pass it through env)',
    ]);
    const writable = 'on: pull_request\njobs:\n  t:\n    runs-on: x\n    steps: [{ run: npm test }]\n';
    expect(auditWorkflow('w.yml', writable)[0]!.problem).toBe(
      'runs PR code without declaring read-only permissions',
    );
  });
});
