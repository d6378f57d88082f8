// Checks GitHub workflow files for the ways a fork's pull request could reach a token with
// write permission: a privileged workflow checking out or running PR code, or PR-controlled
// text spliced into a shell script. Used by the tests on .github/workflows/.
import { parse } from 'yaml';

export interface AuditFinding {
  workflow: string;
  job?: string;
  step?: string;
  problem: string;
}

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  permissions?: unknown;
  steps?: Step[];
}
interface Workflow {
  on?: unknown;
  permissions?: unknown;
  jobs?: Record<string, Job>;
}

/** Event triggers of a workflow (`on:` as a string, a list or a map). */
export function triggers(workflow: { on?: unknown }): string[] {
  const on = workflow.on;
  if (typeof on === 'string') return [on];
  if (Array.isArray(on)) return on.map(String);
  return on && typeof on === 'object' ? Object.keys(on) : [];
}

function grantsWrite(permissions: unknown): boolean {
  if (permissions === 'write-all') return true;
  if (permissions && typeof permissions === 'object')
    return Object.values(permissions).some((v) => v === 'write');
  return false;
}

// Expressions whose value the PR author controls: its code (head refs) or its text.
const PR_HEAD =
  /github\.event\.pull_request\.head|github\.head_ref|github\.event\.workflow_run\.head_(sha|branch)|refs\/pull\//;
const PR_TEXT =
  /\$\{\{[^}]*github\.event\.(pull_request\.(title|body|head\.ref|head\.label)|issue\.(title|body)|comment\.body|review\.body|workflow_run\.(head_branch|display_title|head_commit\.message))[^}]*\}\}/;

/** `owner/repo[/path]@<40 hex>`, a local action, or a Docker image pinned by digest. */
export function isPinnedAction(uses: string): boolean {
  if (uses.startsWith('./')) return true;
  if (uses.startsWith('docker://')) return /@sha256:[0-9a-f]{64}$/.test(uses);
  return /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_./-]+@[0-9a-f]{40}$/.test(uses);
}

export function auditWorkflow(name: string, text: string): AuditFinding[] {
  const wf = (parse(text) ?? {}) as Workflow;
  const on = triggers(wf);
  const findings: AuditFinding[] = [];
  const runsForeignEvent = on.includes('pull_request_target') || on.includes('workflow_run');
  for (const [jobName, job] of Object.entries(wf.jobs ?? {})) {
    // Without a permissions key the token gets the repository default, which may be write.
    const permissions = job.permissions ?? wf.permissions;
    const privileged = runsForeignEvent || permissions === undefined || grantsWrite(permissions);
    if (on.includes('pull_request') && (permissions === undefined || grantsWrite(permissions)))
      findings.push({
        workflow: name,
        job: jobName,
        problem: 'runs PR code without declaring read-only permissions',
      });
    for (const step of job.steps ?? []) {
      const where = {
        workflow: name,
        job: jobName,
        step: step.name ?? step.uses ?? step.run?.split('\n')[0] ?? '?',
      };
      // A tag can be moved to other code by whoever controls the action's repository; a commit cannot.
      if (privileged && step.uses && !isPinnedAction(step.uses))
        findings.push({
          ...where,
          problem: `uses ${step.uses} by a tag, not a full commit SHA, with a privileged token`,
        });
      if (privileged && step.uses?.startsWith('actions/checkout')) {
        const ref = String(step.with?.ref ?? '') + String(step.with?.repository ?? '');
        if (PR_HEAD.test(ref))
          findings.push({ ...where, problem: `checks out PR code (${ref}) with a privileged token` });
      }
      if (privileged && step.run && PR_HEAD.test(step.run))
        findings.push({ ...where, problem: 'fetches or runs PR code with a privileged token' });
      if (step.run && PR_TEXT.test(step.run))
        findings.push({
          ...where,
          problem: 'splices PR-controlled text into a script (pass it through env)',
        });
    }
  }
  return findings;
}
