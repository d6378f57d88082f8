// Running the model as a process group, so cancel and timeout kill the whole tree (the
// model's own workers included), and nothing outlives the run.
import { spawn, spawnSync } from 'node:child_process';
import { MhubError } from '../../errors.ts';
import { killPlan, spawnOptions } from '../../platform/index.ts';
import { abortError } from '../docker/container.ts';
import { modelOutput, type Progress } from '../progress-events.ts';

export interface ProcessSpec {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Shown in messages. */
  label: string;
}

/** Stops the tree under pid (src/platform: the process group on POSIX, taskkill /T on Windows). */
function killGroup(pid: number, signal: NodeJS.Signals): void {
  const plan = killPlan(process.platform, pid);
  if (plan.kind === 'taskkill') {
    // /F kills at once: the SIGTERM step and its SIGKILL follow-up are the same call.
    spawnSync(plan.command, plan.args, { stdio: 'ignore', windowsHide: true });
    return;
  }
  try {
    process.kill(plan.pid, signal);
  } catch {
    // ESRCH: the group is gone already.
  }
}

export async function runProcessTree(
  spec: ProcessSpec,
  options: { signal: AbortSignal; progress: Progress; log: (line: string) => void; graceMs?: number },
): Promise<void> {
  const { signal, progress, log } = options;
  if (signal.aborted) throw abortError(signal, spec.label);
  const child = spawn(spec.command, spec.args, {
    env: spec.env,
    cwd: spec.cwd,
    ...spawnOptions(process.platform), // POSIX: its own process group, -pid reaches every descendant
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = modelOutput(progress, log);
  child.stdout.on('data', (c) => output.stdout.push(c));
  child.stderr.on('data', (c) => output.stderr.push(c));
  let escalate: NodeJS.Timeout | undefined;
  const onAbort = () => {
    if (child.pid === undefined) return;
    killGroup(child.pid, 'SIGTERM');
    // taskkill /F is final; a process group gets SIGKILL after the grace period.
    if (!killPlan(process.platform, child.pid).afterExit) return;
    escalate = setTimeout(
      () => child.pid !== undefined && killGroup(child.pid, 'SIGKILL'),
      options.graceMs ?? 3000,
    );
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const [code, sig] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (c, s) => resolve([c, s]));
    }).catch((error: NodeJS.ErrnoException) => {
      throw new MhubError('ENVIRONMENT', `cannot start ${spec.command}: ${error.message}`, undefined, {
        cause: error,
      });
    });
    output.end();
    if (signal.aborted) throw abortError(signal, spec.label);
    if (code !== 0) {
      const how = sig ? `was killed by ${sig}` : `exited with code ${code}`;
      throw new MhubError(
        'RUN_FAILED',
        `${spec.label} ${how}${output.lastLines()}`,
        'read the model output above; check the input matches what the card declares',
      );
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    clearTimeout(escalate);
    // Whatever the outcome, nothing the model started may outlive the run.
    if (child.pid !== undefined && killPlan(process.platform, child.pid).afterExit)
      killGroup(child.pid, 'SIGKILL');
  }
}
