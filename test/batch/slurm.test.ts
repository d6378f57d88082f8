// The Slurm engine against a real single-node Slurm (scripts/ci/slurm.sh): the classical
// reference model over 12 phantom studies (one broken) as a job array under the venv backend;
// resubmission; cancel; the script text (Apptainer is not installable here: text only).
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { batchStatus, planBatch, slurmJobs, slurmScript } from '../../src/batch/index.ts';
import { ensureImages, hasDocker } from '../runner/support.ts';
import { runCli } from '../support/cli.ts';
import { numpyPython, requirement, venvPython } from '../support/requirements.ts';
import {
  expectSameLabelMaps,
  ledgerOf,
  makeStudies,
  repo,
  slurmUp,
  spawnMhub,
  tempDir,
  testHome,
  until,
} from './support.ts';

// Its studies are classical_ct phantoms, written by python3 with numpy.
describe.runIf(numpyPython())('the job-array script (text)', () => {
  test('resources from the card, overrides, one task per open shard, a self-contained command', async () => {
    const dir = await tempDir('batch-script');
    makeStudies(path.join(dir, 'in'), 5);
    const out = path.join(dir, 'out');
    const plan = await planBatch({ model: 'classical_ct', inputs: path.join(dir, 'in'), out, shardSize: 2 });
    const text = slurmScript(
      {
        out,
        ...plan,
        backend: 'venv',
        retries: 1,
        sbatchArgs: ['--time=01:00:00', '--mem=4G'],
        env: { MHUB_HOME: "/shared/it's" },
      },
      [0, 1, 2],
    );
    expect(text).toMatch(/^#!\/bin\/bash\n/);
    expect(text).toContain('#SBATCH --array=0-2\n');
    expect(text).toContain('#SBATCH --cpus-per-task=1\n#SBATCH --mem=2048M\n'); // classical_ct: ramGb 2
    expect(text).not.toContain('--gres'); // gpu: unsupported
    // Overrides come after the card's: sbatch takes the last of a repeated option.
    expect(text.indexOf('#SBATCH --mem=4G')).toBeGreaterThan(text.indexOf('#SBATCH --mem=2048M'));
    expect(text).toContain(`export MHUB_HOME='/shared/it'\\''s'\n`);
    expect(text).toContain(
      `'${process.execPath}' '${path.join(repo, 'bin/mhub.js')}' 'batch' 'classical_ct' '--out' '${out}'`,
    );
    expect(text).toMatch(
      /'--backend' 'venv' '--retries' '1' '--jobs' '1' --shard "\$SLURM_ARRAY_TASK_ID"\n$/,
    );
    const file = path.join(dir, 'x.sbatch');
    writeFileSync(file, text);
    expect(spawnSync('bash', ['-n', file]).status).toBe(0);
  });

  test('--container apptainer runs the MHub image with the contract binds (Apptainer is not installable here)', async () => {
    const dir = await tempDir('batch-apptainer');
    const { writeDicomSeries, readNifti } = await import('../../src/io/index.ts');
    makeStudies(path.join(dir, 'nifti'), 1);
    const volume = await readNifti(path.join(dir, 'nifti', 'case01', 'ct.nii.gz'));
    await writeDicomSeries(path.join(dir, 'in', 'p1'), volume);
    await writeDicomSeries(path.join(dir, 'in', 'p2'), volume);
    const out = path.join(dir, 'out');
    const plan = await planBatch({ model: 'classical_ct_mhub', inputs: path.join(dir, 'in'), out });
    const text = slurmScript({ out, ...plan, backend: 'docker', retries: 0, container: 'apptainer' }, [0, 1]);
    expect(text).toContain(
      `apptainer run --containall --no-home --cleanenv --bind "$input":/app/data/input_data:ro,"$staged":/app/data/output_data 'docker://mhub-registry/classical_ct_mhub:`,
    );
    expect(text).toContain(`  1)\n    run_item 'p2' '${path.join(dir, 'in', 'p2')}'\n    ;;`);
    expect(text).toContain(`"batchId":"${plan.meta.batchId}","item":"%s","backend":"apptainer"`);
    expect(text).toContain('>"$staged/.mhub-item.json"');
    writeFileSync(path.join(dir, 'a.sbatch'), text);
    expect(spawnSync('bash', ['-n', path.join(dir, 'a.sbatch')]).status).toBe(0);
    const files = await planBatch({
      model: 'classical_ct',
      inputs: path.join(dir, 'nifti'),
      out: path.join(dir, 'o2'),
    });
    expect(() =>
      slurmScript(
        { out: path.join(dir, 'o2'), ...files, backend: 'docker', retries: 0, container: 'apptainer' },
        [0],
      ),
    ).toThrow(/Apptainer runs MHub-contract images/);
  });

  test('no Slurm installed: a clear message, exit 4, nothing lost', async () => {
    const dir = await tempDir('batch-noslurm');
    makeStudies(path.join(dir, 'in'), 1);
    const r = await spawnMhub(
      [
        'batch',
        'classical_ct',
        '--engine',
        'slurm',
        '--inputs',
        path.join(dir, 'in'),
        '--out',
        path.join(dir, 'out'),
      ],
      {
        env: { PATH: path.join(dir, 'empty-path') },
      },
    );
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/sbatch was not found: Slurm is not installed here/);
    expect(readFileSync(path.join(dir, 'out', 'slurm', 'batch.sbatch'), 'utf8')).toMatch(/#SBATCH --array=0/);
  });
});

const can =
  requirement(
    'a running Slurm cluster (sinfo)',
    slurmUp(),
    'bash scripts/ci/slurm.sh installs and starts one',
  ) &&
  venvPython() &&
  numpyPython();

/** Submits the classical model over 11 phantoms and a broken study; waits for the array. */
async function arrayOf12(backend: 'venv' | 'docker') {
  const dir = await tempDir(`batch-slurm-${backend}`);
  const inputs = path.join(dir, 'in');
  const out = path.join(dir, 'out');
  const ids = makeStudies(inputs, 11, 'zz_broken');
  expect(ids).toHaveLength(12);
  process.env.MHUB_HOME = testHome;
  const args = [
    'batch',
    'classical_ct',
    '--engine',
    'slurm',
    '--inputs',
    inputs,
    '--out',
    out,
    '--backend',
    backend,
    '--shard-size',
    '3',
  ];
  const submitted = await runCli(args);
  expect(submitted.code, submitted.err).toBe(0);
  const jobId = /submitted job ([0-9]+): 4 array task\(s\)/.exec(submitted.out)?.[1];
  expect(jobId, submitted.out).toBeDefined();
  // Until Slurm knows no task of the job any more (a task that died early ends it too).
  await until('the array to finish', 300_000, async () =>
    (await slurmJobs(out)).tasks.length === 0 ? true : undefined,
  );
  const status = await batchStatus(out);
  const logs = readdirSync(path.join(out, 'slurm'))
    .filter((f) => f.endsWith('.log'))
    .map((f) =>
      readFileSync(path.join(out, 'slurm', f), 'utf8')
        .split('\n')
        .slice(-3)
        .join(' | '),
    );
  const why = JSON.stringify({ failed: status.items.filter((i) => i.state === 'failed'), logs });
  expect(status.counts, why).toEqual({ done: 11, failed: 1, running: 0, pending: 0, interrupted: 0 });
  const failed = status.items.find((i) => i.state === 'failed')!;
  expect(failed).toMatchObject({ id: 'zz_broken', backend });
  expect(failed.error).toMatch(/not a readable NIfTI file/);
  // One ledger file per array task, the failure recorded in the broken item's shard.
  expect(readdirSync(path.join(out, 'ledger')).sort()).toEqual([
    'shard-0.jsonl',
    'shard-1.jsonl',
    'shard-2.jsonl',
    'shard-3.jsonl',
  ]);
  expect(readFileSync(path.join(out, 'ledger', 'shard-3.jsonl'), 'utf8')).toMatch(
    /"item":"zz_broken","state":"failed"/,
  );
  expect(readdirSync(path.join(out, 'slurm')).filter((f) => f.startsWith(`task-${jobId}_`))).toHaveLength(4);
  // The same label maps as a local venv run of one of the studies.
  await expectSameLabelMaps(
    out,
    ids,
    'zz_broken',
    path.join(inputs, 'case07', 'ct.nii.gz'),
    path.join(dir, 'local'),
  );
  return { out, ids, args };
}

describe.skipIf(!can)('a real Slurm job array', () => {
  test('12 studies, one broken, venv: 11 done, 1 failed with its error; same label maps as a local run; resubmit; cancel', async () => {
    const { out, ids, args } = await arrayOf12('venv');

    // Resubmitting: only the shard with the unfinished item; finished items are not redone.
    const again = await runCli(args);
    expect(again.code, again.err).toBe(0);
    expect(again.out).toMatch(/1 array task\(s\)/);
    expect(readFileSync(path.join(out, 'slurm', 'batch.sbatch'), 'utf8')).toContain('#SBATCH --array=3\n');
    await until('the resubmitted task', 120_000, async () =>
      (await slurmJobs(out)).tasks.length === 0 ? true : undefined,
    );
    const entries = ledgerOf(out);
    for (const id of ids.filter((i) => i !== 'zz_broken')) {
      expect(
        entries.filter((e) => e.item === id && e.state === 'running'),
        id,
      ).toHaveLength(1);
    }
    expect(
      entries.filter((e) => e.item === 'zz_broken' && e.state === 'failed').map((e) => e.attempt),
    ).toEqual([1, 2]);
    const text = await runCli(['batch', 'status', out]);
    expect(text.out).toMatch(/11\/12 done, 1 failed/);
    expect(text.out).toMatch(/failed zz_broken \(attempts 2\)/);

    // Cancel: a resubmission held back an hour is still pending when scancel comes.
    const held = await runCli([...args, '--sbatch-args', '--begin=now+3600']);
    expect(held.code, held.err).toBe(0);
    const heldId = /submitted job ([0-9]+)/.exec(held.out)![1]!;
    expect((await slurmJobs(out)).tasks.map((t) => t.state)).toContain('PENDING');
    const cancelled = await runCli(['batch', 'cancel', out]);
    expect(cancelled.code, cancelled.err).toBe(0);
    expect(cancelled.out).toContain(heldId);
    await until('scancel to take effect', 30_000, async () =>
      execFileSync('squeue', ['-h', '-j', heldId], { encoding: 'utf8' }).trim() === '' ? true : undefined,
    );
  }, 600_000);
});

describe.skipIf(!(can && hasDocker))('a real Slurm job array, Docker backend', () => {
  test('12 studies, one broken, docker: 11 done, 1 failed; same label maps as a local venv run', async () => {
    ensureImages();
    await arrayOf12('docker');
  }, 600_000);
});

describe.skipIf(!can)('a Slurm controller that is not answering', () => {
  test('sbatch fails: one clear message, exit 4; finished items, the plan and the ledger are kept', async () => {
    const dir = await tempDir('batch-slurm-down');
    const inputs = path.join(dir, 'in');
    const out = path.join(dir, 'out');
    makeStudies(inputs, 2);
    const env = { MHUB_HOME: testHome };
    const local = await spawnMhub(
      ['batch', 'classical_ct', '--inputs', inputs, '--out', out, '--backend', 'venv', '-q'],
      { env },
    );
    expect(local.code, local.stderr).toBe(0);
    // A study added since: the resubmission has one item to run.
    mkdirSync(path.join(inputs, 'case03'));
    for (const f of ['ct.nii.gz', 'expected.nii.gz'])
      copyFileSync(path.join(inputs, 'case01', f), path.join(inputs, 'case03', f));
    const ledgerBefore = readFileSync(path.join(out, 'batch.jsonl'), 'utf8');
    // The real cluster's configuration, with the controller at a port where nothing listens.
    const conf = path.join(dir, 'slurm.conf');
    writeFileSync(
      conf,
      `${readFileSync('/etc/slurm/slurm.conf', 'utf8').replace(/^SlurmctldPort=.*\n/m, '')}SlurmctldPort=1\n`,
    );
    const r = await spawnMhub(
      ['batch', 'classical_ct', '--engine', 'slurm', '--inputs', inputs, '--out', out, '--backend', 'venv'],
      { env: { ...env, SLURM_CONF: conf } },
    );
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toMatch(
      /mhub: sbatch (failed: .*Unable to contact slurm controller|did not answer within 60 s: the Slurm controller is not answering)/,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(readFileSync(path.join(out, 'batch.jsonl'), 'utf8')).toBe(ledgerBefore);
    expect(existsSync(path.join(out, 'slurm', 'jobs.jsonl'))).toBe(false);
    for (const id of ['case01', 'case02'])
      expect(readFileSync(path.join(out, id, '.mhub-item.json'), 'utf8')).toMatch(/"batchId"/);
    expect(readFileSync(path.join(out, 'items.jsonl'), 'utf8')).toMatch(/"id":"case03"/);
  }, 600_000);
});
