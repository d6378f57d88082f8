// `mhub run` and its output folder: a file already there is refused (or swapped under --force),
// a second run into the folder is refused while the first holds it, an output inside the input is
// refused, and what a `kill -9`-ed run left (workspace, container) is found and removed by the
// next run or `mhub doctor --clean`. Real processes, real files, real Docker.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ownerLabel } from '../../src/fsafe/index.ts';
import { LABELS } from '../../src/runner/index.ts';
import { runModel } from '../../src/runner/run.ts';
import { createWorkspace, disposeWorkspace, publish } from '../../src/runner/workspace.ts';
import { containersWithLabel, ensureImages, hasDocker, repo } from '../runner/support.ts';
import { expectSafe, leftovers, mhub, reportTally, snapshot, tempDir } from './support.ts';

reportTally('runs');

// The runner's fault image under a name of its own: other suites' checks by model label never see it.
const sleeperCard = path.join(import.meta.dirname, 'fixtures', 'faults_sleeper.md');

/** Real workspace code in a child process that then hangs until killed. */
function holder(out: string, home: string): Promise<ChildProcess> {
  const script = `
    import { createWorkspace } from ${JSON.stringify(path.join(repo, 'src/runner/workspace.ts'))};
    const { workspace } = await createWorkspace(${JSON.stringify(out)}, 'held', ${JSON.stringify(home)});
    console.log('ready ' + workspace.root);
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return waitFor(child, 'stdout', 'ready').then(() => child);
}

/** Resolves when the child prints `text`; rejects (with what it printed) when it exits first. */
function waitFor(child: ChildProcess, stream: 'stdout' | 'stderr', text: string): Promise<void> {
  let seen = '';
  return new Promise((resolve, reject) => {
    child[stream]!.on('data', (c) => {
      seen += c;
      if (seen.includes(text)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before printing '${text}': ${seen}`)));
  });
}

const killed = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });

describe('run output folder', () => {
  it('a file already in the output folder is refused; --force swaps it once every new file is in place', async () => {
    const base = tempDir('publish');
    const out = path.join(base, 'out');
    mkdirSync(out);
    writeFileSync(path.join(out, 'segmentation.nii.gz'), "last week's result\n");
    writeFileSync(path.join(out, 'notes.txt'), 'mine\n');
    const before = snapshot(out);
    const home = path.join(base, 'home');
    const { workspace, createdOutput } = await createWorkspace(out, 'r1', home);
    writeFileSync(path.join(workspace.final, 'segmentation.nii.gz'), 'new result\n');
    const error = await publish(workspace, out).then(
      () => undefined,
      (e: Error & { code: string; hint: string }) => e,
    );
    await disposeWorkspace(workspace, out, createdOutput, false);
    expectSafe(
      { code: error ? 3 : 0, out: '', err: `${error?.message}\n${error?.hint}` },
      { code: 3, message: /already holds segmentation\.nii\.gz; nothing was written there\n.*--force/ },
      [{ target: out, before }],
    );
    expect(error).toMatchObject({ code: 'INVALID_INPUT' });

    const again = await createWorkspace(out, 'r2', home);
    writeFileSync(path.join(again.workspace.final, 'segmentation.nii.gz'), 'new result\n');
    await publish(again.workspace, out, { force: true });
    await disposeWorkspace(again.workspace, out, again.createdOutput, true);
    expect(snapshot(out)['notes.txt']).toBe(before['notes.txt']);
    expect(readdirSync(out).sort()).toEqual(['notes.txt', 'segmentation.nii.gz']);
  });

  it('--output inside the input DICOM folder is refused before anything runs', async () => {
    const input = path.join(tempDir('inside'), 'dicom');
    mkdirSync(input);
    writeFileSync(path.join(input, 'slice.dcm'), 'x');
    const before = snapshot(input);
    const r = await mhub(
      'run',
      'classical_ct',
      '-i',
      input,
      '-o',
      path.join(input, 'results'),
      '--backend',
      'venv',
    );
    expectSafe(
      r,
      { code: 3, message: /--output .* lies inside the input/ },
      [{ target: input, before }],
      [path.join(input, 'results')],
    );
  });

  it('a second run into a folder another run holds is refused; after kill -9 the next run takes over and cleans up', async () => {
    const base = tempDir('lock');
    const out = path.join(base, 'out');
    const home = path.join(base, 'home');
    const child = await holder(out, home);
    const before = snapshot(out);
    const second = await createWorkspace(out, 'r2', home).then(
      () => undefined,
      (e: Error & { hint: string }) => e,
    );
    expectSafe(
      { code: second ? 3 : 0, out: '', err: `${second?.message}\n${second?.hint}` },
      { code: 3, message: new RegExp(`another mhub run \\(process ${child.pid} on .*\\) is writing into`) },
      [{ target: out, before }],
    );
    await killed(child);
    expect(readdirSync(out)).toContain('.mhub-run-held'); // what the killed run left
    const next = await createWorkspace(out, 'r3', home);
    expect(readdirSync(out).sort()).toEqual(['.mhub-lock', '.mhub-run-r3']);
    await disposeWorkspace(next.workspace, out, next.createdOutput, true);
    expect(leftovers(base)).toEqual([]);
  });

  it('mhub doctor --clean removes the workspace of a killed run it finds in $MHUB_HOME/runs', async () => {
    const base = tempDir('clean');
    const out = path.join(base, 'out');
    const home = path.join(base, 'home');
    await killed(await holder(out, home));
    expect(readdirSync(path.join(home, 'runs'))).toEqual(['held.json']);
    const saved = process.env.MHUB_HOME;
    process.env.MHUB_HOME = home;
    const r = await mhub('doctor', '--clean').finally(() => {
      process.env.MHUB_HOME = saved;
    });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`removed workspace ${path.join(out, '.mhub-run-held')}`);
    expect(readdirSync(out)).toEqual([]);
    expect(readdirSync(path.join(home, 'runs'))).toEqual([]);
  });
});

describe.skipIf(!hasDocker)('kill -9 of mhub run with a container running', () => {
  beforeAll(() => ensureImages());

  /** Starts `mhub run faults_sleeper --workflow sleep`, waits for the model, kills it with SIGKILL. */
  async function killedRun(
    base: string,
  ): Promise<{ out: string; home: string; input: string; owner: string }> {
    const input = path.join(base, 'dicom');
    mkdirSync(input);
    writeFileSync(path.join(input, 'slice.dcm'), 'not read by the fixture');
    const out = path.join(base, 'out');
    const home = path.join(base, 'home');
    const child = spawn(
      process.execPath,
      [
        path.join(repo, 'bin/mhub.js'),
        'run',
        'faults_sleeper',
        '--registry',
        sleeperCard,
        '-i',
        input,
        '-o',
        out,
        '--workflow',
        'sleep',
      ],
      { env: { ...process.env, MHUB_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    await waitFor(child, 'stderr', 'model 0/1');
    const owner = `${LABELS.owner}=${ownerLabel({ host: hostname(), pid: child.pid! })}`;
    await killed(child);
    expect(containersWithLabel(owner)).toHaveLength(1); // left behind by the killed run
    expect(readdirSync(out).filter((f) => f.startsWith('.mhub-run-'))).toHaveLength(1);
    return { out, home, input, owner };
  }

  it('the container (owner label host:pid) and the workspace are removed by mhub doctor --clean', async () => {
    const { out, home, owner } = await killedRun(tempDir('kill9'));
    const saved = process.env.MHUB_HOME;
    process.env.MHUB_HOME = home;
    const r = await mhub('doctor', '--clean').finally(() => {
      process.env.MHUB_HOME = saved;
    });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/removed container mhub-faults_sleeper-/);
    expect(containersWithLabel(owner)).toEqual([]);
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  }, 120_000);

  it('the next run into the same folder removes them itself, then runs', async () => {
    const { out, home, input, owner } = await killedRun(tempDir('kill9-next'));
    const r = await runModel({
      model: 'faults_sleeper',
      registry: [sleeperCard],
      input,
      output: out,
      workflow: 'ok',
      home,
    });
    expect(r.outputs.length).toBeGreaterThan(0);
    expect(containersWithLabel(owner)).toEqual([]);
    expect(readdirSync(out).filter((f) => f.startsWith('.mhub-'))).toEqual([]);
  }, 120_000);
});
