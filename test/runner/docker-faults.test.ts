// Faults with real Docker: each gives a clear message and exit code, leaves no container
// (listed by label) and no partial output.
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { EXIT_CODES } from '../../src/exit-codes.ts';
import { LABEL_PREFIX, PIDS_LIMIT, UNPRIVILEGED_USER } from '../../src/runner/contract/index.ts';
import { connectDocker } from '../../src/runner/docker/client.ts';
import { runContainer } from '../../src/runner/docker/container.ts';
import { runModel } from '../../src/runner/run.ts';
import type { RunRequest } from '../../src/runner/types.ts';
import { isRoot, mountTmpfs } from './mounts.ts';
import {
  containersWithLabel,
  ensureImages,
  fixtureCards,
  hasDocker,
  repo,
  spawnMhub,
  tempDir,
} from './support.ts';

const session = `faults-${process.pid}`;
const label = `${LABEL_PREFIX}test-session=${session}`;

async function dicomInput(): Promise<string> {
  const dir = path.join(await tempDir('faults-in'), 'dicom');
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'slice.dcm'), 'not read by the fixture');
  return dir;
}

function faulty(
  workflow: string,
  input: string,
  output: string,
  extra: Partial<RunRequest> = {},
): Promise<unknown> {
  return runModel({
    model: 'faulty_docker',
    registry: [fixtureCards],
    input,
    output,
    workflow,
    labels: { [`${LABEL_PREFIX}test-session`]: session },
    ...extra,
  });
}

async function expectFault(
  run: Promise<unknown>,
  code: string,
  message: RegExp,
  output: string,
): Promise<void> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toMatchObject({ code });
  expect((error as Error).message).toMatch(message);
  expect(containersWithLabel(label)).toEqual([]);
  // No partial output: the folder this run created is gone (or holds nothing of the run).
  if (existsSync(output)) expect(readdirSync(output).filter((f) => f !== 'lost+found')).toEqual([]);
}

describe.skipIf(!hasDocker)('Docker faults', () => {
  let input: string;
  beforeAll(async () => {
    ensureImages();
    input = await dicomInput();
  });

  it('succeeds on the good path (the fixture itself works)', async () => {
    const out = path.join(await tempDir('faults-ok'), 'out');
    await faulty('ok', input, out);
    expect(readdirSync(out).sort()).toEqual(['case', 'segmentation.nii.gz']);
    expect(containersWithLabel(label)).toEqual([]);
  });

  it('daemon down: a clear ENVIRONMENT error naming the socket', async () => {
    const out = path.join(await tempDir('faults-daemon'), 'out');
    const run = faulty('ok', input, out, {
      backend: 'docker',
      dockerSocket: '/tmp/mhub-no-such-docker.sock',
    });
    await expectFault(
      run,
      'ENVIRONMENT',
      /cannot reach the Docker daemon at \/tmp\/mhub-no-such-docker\.sock/,
      out,
    );
  });

  it('image missing and no registry reachable', async () => {
    const out = path.join(await tempDir('faults-image'), 'out');
    const run = runModel({
      model: 'faulty_missing_image',
      registry: [fixtureCards],
      input: path.join(repo, 'package.json'),
      output: out,
    });
    await expect(run).rejects.toMatchObject({ code: 'INVALID_INPUT' }); // a .json is no image input
    const nifti = path.join(await tempDir('faults-image-in'), 'ct.nii.gz');
    writeFileSync(nifti, 'x');
    const pull = runModel({
      model: 'faulty_missing_image',
      registry: [fixtureCards],
      input: nifti,
      output: out,
    });
    await expectFault(pull, 'ENVIRONMENT', /cannot pull image mhub-runner-test\/does-not-exist:0/, out);
  });

  it('non-zero exit: RUN_FAILED with the model last lines', async () => {
    const out = path.join(await tempDir('faults-exit'), 'out');
    await expectFault(
      faulty('fail', input, out),
      'RUN_FAILED',
      /exited with code 3[\s\S]*something went wrong/,
      out,
    );
  });

  it('exit 0 without the expected outputs is a failure', async () => {
    const out = path.join(await tempDir('faults-noop'), 'out');
    await expectFault(
      faulty('noop', input, out),
      'RUN_FAILED',
      /finished without writing \[i:sid\]\/result\.txt/,
      out,
    );
  });

  it('OOM kill under a memory limit', async () => {
    const out = path.join(await tempDir('faults-oom'), 'out');
    const run = faulty('oom', input, out, { memoryBytes: 64 * 2 ** 20 });
    await expectFault(run, 'RUN_FAILED', /out of memory \(limit 64 MiB\)/, out);
  });

  it('timeout: stopped, TIMEOUT', async () => {
    const out = path.join(await tempDir('faults-timeout'), 'out');
    const started = Date.now();
    await expectFault(
      faulty('sleep', input, out, { timeoutMs: 2500 }),
      'TIMEOUT',
      /timed out after 3 s/,
      out,
    );
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('cancel (AbortSignal) once the model is running', async () => {
    const out = path.join(await tempDir('faults-cancel'), 'out');
    const controller = new AbortController();
    const run = faulty('sleep', input, out, {
      signal: controller.signal,
      progress: (e) => e.phase === 'model' && controller.abort(),
    });
    await expectFault(run, 'CANCELLED', /cancelled/, out);
  });

  it('SIGINT to `mhub run` kills and removes the container; exit 130', async () => {
    const out = path.join(await tempDir('faults-sigint'), 'out');
    let sent = false;
    const { code, stderr } = await spawnMhub(
      ['run', 'faulty_docker', '--registry', fixtureCards, '-i', input, '-o', out, '--workflow', 'sleep'],
      {
        onStderr: (text, child) => {
          if (!sent && text.includes('model 0/1')) sent = child.kill('SIGINT');
        },
      },
    );
    expect(code).toBe(EXIT_CODES.CANCELLED);
    expect(stderr).toMatch(/the run was cancelled/);
    expect(containersWithLabel(`${LABEL_PREFIX}model=faulty_docker`).length).toBe(0);
    expect(existsSync(out)).toBe(false);
  });

  it('output folder not writable', async () => {
    const base = await tempDir('faults-ro');
    const out = path.join(base, 'out');
    let undo = () => {};
    if (isRoot) undo = mountTmpfs(out, { sizeKb: 1024, readOnly: true });
    else {
      mkdirSync(out, { mode: 0o555 });
    }
    try {
      await expectFault(
        faulty('ok', input, out),
        'ENVIRONMENT',
        /cannot write results into .*(read-only|permission denied)/,
        out,
      );
    } finally {
      undo();
    }
  });

  it.skipIf(!isRoot && !process.env.CI)('output folder full', async () => {
    const out = path.join(await tempDir('faults-full'), 'out');
    const undo = mountTmpfs(out, { sizeKb: 2048 });
    try {
      await expectFault(faulty('fill', input, out), 'ENVIRONMENT', /the disk is full \(\d/, out);
    } finally {
      undo();
    }
  });

  it('cancel while the container is being created: never started, removed', async () => {
    const { docker } = await connectDocker();
    const out = await tempDir('faults-create');
    const controller = new AbortController();
    const lines: string[] = [];
    const run = runContainer(
      docker,
      {
        image: 'mhub-runner-test/faulty:1',
        name: `mhub-faulty-${session}-create`,
        cmd: ['--workflow', 'sleep'],
        inputDir: input,
        outputDir: out,
        labels: { [`${LABEL_PREFIX}test-session`]: session },
      },
      { signal: controller.signal, progress: () => {}, log: (line) => lines.push(line) },
    );
    const since = String(Math.floor(Date.now() / 1000) - 1);
    controller.abort(); // create is in flight
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(lines).toEqual([]);
    expect(containersWithLabel(label)).toEqual([]);
    const events = (filter: string) =>
      execFileSync(
        'docker',
        [
          'events',
          '--since',
          since,
          '--until',
          String(Math.ceil(Date.now() / 1000) + 1),
          '--filter',
          `container=mhub-faulty-${session}-create`,
          '--filter',
          `event=${filter}`,
          '--format',
          '{{.Action}}',
        ],
        { encoding: 'utf8' },
      )
        .split('\n')
        .filter(Boolean);
    expect(events('create')).toEqual(['create']); // the check below is not vacuous
    expect(events('start')).toEqual([]);
  });

  it('runs as the caller, or as nobody when the caller is root, and hands the outputs back', async () => {
    const out = path.join(await tempDir('faults-whoami'), 'out');
    await faulty('whoami', input, out);
    const uid = process.getuid?.() ?? 0;
    const expected = uid === 0 ? UNPRIVILEGED_USER.replace(':', ' ') : `${uid} ${process.getgid?.()}`;
    expect(readFileSync(path.join(out, 'case', 'result.txt'), 'utf8').trim()).toBe(expected);
    for (const file of ['case', 'case/result.txt']) expect(lstatSync(path.join(out, file)).uid).toBe(uid);
    expect(containersWithLabel(label)).toEqual([]);
  });

  it('stops a thread or fork bomb at the pids limit', async () => {
    const out = path.join(await tempDir('faults-forks'), 'out');
    await faulty('forks', input, out);
    const started = Number(readFileSync(path.join(out, 'case', 'result.txt'), 'utf8'));
    expect(started).toBeGreaterThan(10);
    expect(started).toBeLessThan(PIDS_LIMIT);
  });

  it('exit codes through the CLI', async () => {
    const quiet = { out: () => {}, err: () => {}, isTTY: false };
    const out = path.join(await tempDir('faults-cli'), 'out');
    const args = ['run', 'faulty_docker', '--registry', fixtureCards, '-i', input, '-o', out, '-q'];
    expect(await main([...args, '--workflow', 'fail'], quiet)).toBe(EXIT_CODES.RUN_FAILED);
    expect(await main([...args, '--workflow', 'sleep', '--timeout', '1'], quiet)).toBe(EXIT_CODES.TIMEOUT);
    expect(await main([...args, '--workflow', 'nope'], quiet)).toBe(EXIT_CODES.USAGE);
    expect(containersWithLabel(`${LABEL_PREFIX}model=faulty_docker`)).toEqual([]);
  });
});
