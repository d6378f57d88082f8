// `mhub batch <model> --inputs "dicomweb+http://…/dicom-web?<QIDO query>"` against a real Orthanc
// (Debian's, with its DICOMweb plugin, behind HTTP basic authentication): three CT studies of the
// classical_ct phantom and one MR study; the query ModalitiesInStudy=CT makes the three CT studies
// the items (named by StudyInstanceUID), each retrieved when it runs; the venv backend runs the
// reference model; the rerun skips finished studies and takes a study added since. The credentials
// never reach the ledger, the batch's files or its log.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  batchStatus,
  planBatch,
  readLedger,
  runBatch,
  slurmJobs,
  slurmScript,
} from '../../src/batch/index.ts';
import { readNifti, type Volume, writeDicomSeries } from '../../src/io/index.ts';
import { findStudies, queryStudies, retrievalDir } from '../../src/pacs/index.ts';
import { runModel } from '../../src/runner/index.ts';
import { slurmUp, until } from '../batch/support.ts';
import { makePhantom, niftiVoxels } from '../runner/support.ts';
import { runCli } from '../support/cli.ts';
import { numpyPython, requirement, venvPython } from '../support/requirements.ts';
import { hasOrthanc, type Orthanc, startOrthanc } from './orthanc.ts';
import { tempDir } from './support.ts';

const USER = 'batch-reader';
const PASSWORD = 'pw-b4tch-s3cret-7781';
const SECRETS = [PASSWORD, Buffer.from(`${USER}:${PASSWORD}`).toString('base64')];
const CT_STUDIES = [
  '1.2.826.0.1.3680043.8.498.71',
  '1.2.826.0.1.3680043.8.498.72',
  '1.2.826.0.1.3680043.8.498.73',
];
const LATE_CT = '1.2.826.0.1.3680043.8.498.74';
const MR_STUDY = '1.2.826.0.1.3680043.8.498.79';

const home = tempDir('pacs-batch-home');
// Worker-local: the CLI runs in this process. No developer config is read.
process.env.MHUB_HOME = home;
process.env.MHUB_DICOMWEB_CONFIG = path.join(home, 'no-config.json');
delete process.env.MHUB_DICOMWEB_TOKEN;

/** Every file under `dir` whose text holds one of the secrets (empty: none does). */
function filesWithSecrets(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .filter((file) => {
      const bytes = readFileSync(file);
      return SECRETS.some((s) => bytes.includes(s));
    });
}

describe.runIf(hasOrthanc && venvPython() && numpyPython())(
  'mhub batch over a DICOMweb query (real Orthanc)',
  () => {
    let orthanc: Orthanc;
    let work: string;
    let phantom: Volume;
    let localCt: string;
    let query: string;
    let out: string;
    const log = () => path.join(work, 'batch.log');

    const studyFiles = async (study: string, modality: 'CT' | 'MR', patientId: string) =>
      writeDicomSeries(path.join(work, 'dicom', study), phantom, {
        modality,
        info: {
          studyInstanceUid: study,
          patientId,
          patientName: `Phantom^${patientId}`,
          studyDate: '20240102',
        },
      });

    beforeAll(async () => {
      work = tempDir('pacs-batch');
      makePhantom(path.join(work, 'phantom'));
      phantom = await readNifti(path.join(work, 'phantom', 'ct.nii.gz'));
      const files: string[] = [];
      for (const [n, study] of CT_STUDIES.entries())
        files.push(...(await studyFiles(study, 'CT', `P${n + 1}`)));
      files.push(...(await studyFiles(MR_STUDY, 'MR', 'P9')));
      localCt = path.join(work, 'dicom', CT_STUDIES[0]!);
      orthanc = await startOrthanc({ users: { [USER]: PASSWORD } });
      await orthanc.upload(files);
      process.env.MHUB_DICOMWEB_USER = USER;
      process.env.MHUB_DICOMWEB_PASSWORD = PASSWORD;
      query = `${orthanc.dicomweb}?ModalitiesInStudy=CT`;
      out = path.join(work, 'out');
    });
    afterAll(async () => {
      delete process.env.MHUB_DICOMWEB_USER;
      delete process.env.MHUB_DICOMWEB_PASSWORD;
      await orthanc?.stop();
    });

    it('QIDO-RS finds the CT studies only; filters combine; credentials in the query are refused', async () => {
      const found = await findStudies(query);
      expect(found.studies.map((s) => s.uid).sort()).toEqual(CT_STUDIES);
      expect(found.studies.every((s) => s.address === `${orthanc.dicomweb}/studies/${s.uid}`)).toBe(true);
      expect(found.studies.find((s) => s.uid === CT_STUDIES[1])).toMatchObject({
        patientId: 'P2',
        date: '20240102',
        modalities: ['CT'],
      });
      const one = await findStudies(`${orthanc.dicomweb}/studies?ModalitiesInStudy=CT&PatientID=P3`);
      expect(one.studies.map((s) => s.uid)).toEqual([CT_STUDIES[2]]);
      expect(
        (await findStudies(`${orthanc.dicomweb}?ModalitiesInStudy=MR`)).studies.map((s) => s.uid),
      ).toEqual([MR_STUDY]);
      // Paged with limit/offset: pages of 2 still bring every study, once; a limit given is kept.
      const server = {
        base: `${orthanc.http}/dicom-web`,
        authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`,
      };
      const all = await queryStudies(server, new URLSearchParams(), 2);
      expect(all.map((s) => s.uid).sort()).toEqual([...CT_STUDIES, MR_STUDY].sort());
      expect(await queryStudies(server, new URLSearchParams('limit=1'), 2)).toHaveLength(1);
      const r = await runCli([
        'batch',
        'classical_ct',
        '--inputs',
        `${orthanc.dicomweb}?ModalitiesInStudy=CT&access_token=abc`,
        '--out',
        path.join(work, 'refused'),
      ]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/the query parameter access_token looks like a credential/);
    });

    it('plans one item per CT study and retrieves nothing while planning', async () => {
      const planned = await planBatch({
        model: 'classical_ct',
        inputs: query,
        out: path.join(work, 'plan-only'),
      });
      expect(planned.items.map((i) => i.id).sort()).toEqual(CT_STUDIES);
      expect(planned.items.map((i) => i.inputs).sort()).toEqual(
        CT_STUDIES.map((s) => `${orthanc.dicomweb}/studies/${s}`),
      );
      expect(planned.meta.inputs).toBe(query);
      expect(existsSync(path.join(home, 'dicomweb'))).toBe(false);
    });

    // The batch every test here runs: the reference model over the CT query, venv backend.
    const batchOverQuery = () =>
      runCli(['batch', 'classical_ct', '--inputs', query, '--out', out, '--backend', 'venv', '-q']);

    it('runs the model on each CT study (3 done, the MR study not included); same label maps as a local run; no credential written', async () => {
      const r = await batchOverQuery();
      writeFileSync(log(), `${r.out}\n${r.err}\n`);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/3\/3 done/);
      const ledger = readLedger(out);
      const done = ledger.filter((e) => e.state === 'done').map((e) => e.item);
      expect(done.sort()).toEqual(CT_STUDIES);
      expect(ledger.some((e) => e.item === MR_STUDY)).toBe(false);
      expect(ledger.every((e) => e.state !== 'failed')).toBe(true);
      expect(readFileSync(path.join(out, 'items.jsonl'), 'utf8')).not.toContain(MR_STUDY);
      // Each item ran on its retrieved CT: the label map of `mhub run` on the same DICOM folder.
      await runModel({
        model: 'classical_ct',
        input: localCt,
        output: path.join(work, 'single'),
        backend: 'venv',
      });
      const expected = niftiVoxels(path.join(work, 'single', 'segmentation.nii.gz'));
      for (const study of CT_STUDIES) {
        expect(niftiVoxels(path.join(out, study, 'segmentation.nii.gz')).equals(expected), study).toBe(true);
      }
      // The retrieved copies (patient data) are gone once each item ended.
      for (const study of CT_STUDIES) {
        expect(existsSync(retrievalDir(home, { base: `${orthanc.http}/dicom-web`, study }))).toBe(false);
      }
      expect(readFileSync(log(), 'utf8')).toMatch(
        new RegExp(`${CT_STUDIES[0]!.replace(/\./g, '\\.')}: done`),
      );
      expect(filesWithSecrets(out)).toEqual([]);
      expect(filesWithSecrets(work).filter((f) => !f.includes(`${path.sep}dicom${path.sep}`))).toEqual([]);
    }, 600_000);

    it('the same command again skips the finished studies; a CT study added since runs alone, retrieved when it starts', async () => {
      const rerun = await batchOverQuery();
      expect(rerun.code, rerun.err).toBe(0);
      expect(rerun.out).toMatch(/3\/3 done.*\(3 already done/);
      expect(readLedger(out).filter((e) => e.state === 'running')).toHaveLength(3);

      await orthanc.upload(await studyFiles(LATE_CT, 'CT', 'P4'));
      const lateDir = retrievalDir(home, { base: `${orthanc.http}/dicom-web`, study: LATE_CT });
      const seen: { state: string; retrieved: boolean }[] = [];
      const outcome = await runBatch({
        model: 'classical_ct',
        inputs: query,
        out,
        backend: 'venv',
        onEntry: (e) => seen.push({ state: e.state, retrieved: existsSync(lateDir) }),
      });
      expect(outcome.result).toMatchObject({ total: 4, skipped: 3, done: 1, failed: [] });
      // Not retrieved before its item started, nor kept after it finished.
      expect(seen).toEqual([
        { state: 'running', retrieved: false },
        { state: 'done', retrieved: false },
      ]);
      const ledger = readLedger(out);
      expect(
        ledger
          .filter((e) => e.state === 'running')
          .map((e) => e.item)
          .sort(),
      ).toEqual([...CT_STUDIES, LATE_CT].sort());
      expect(ledger.filter((e) => e.item === LATE_CT).map((e) => [e.state, e.attempt])).toEqual([
        ['running', 1],
        ['done', 1],
      ]);
      expect(outcome.summary.map((f) => path.basename(f)).sort()).toEqual(['summary.csv', 'summary.md']);
      expect(filesWithSecrets(out)).toEqual([]);
    }, 600_000);

    it('wrong credentials: one clear message (exit 4) naming no secret, nor written anywhere', async () => {
      process.env.MHUB_DICOMWEB_PASSWORD = `${PASSWORD}-wrong`;
      try {
        const refused = path.join(work, 'refused-401');
        const r = await runCli(['batch', 'classical_ct', '--inputs', query, '--out', refused]);
        expect(r.code).toBe(4);
        expect(r.err).toMatch(
          /refused the studies matching ModalitiesInStudy=CT \(HTTP 401\): the credentials were not accepted/,
        );
        expect(`${r.out}${r.err}`).not.toContain(PASSWORD);
        expect(readdirSync(refused)).toEqual(['batch.json']);
        expect(filesWithSecrets(refused)).toEqual([]);
      } finally {
        process.env.MHUB_DICOMWEB_PASSWORD = PASSWORD;
      }
    });

    it('a Slurm array over the query keeps the credentials out of its script; Apptainer and k8s refuse PACS items', async () => {
      const dir = path.join(work, 'slurm');
      const planned = await planBatch({ model: 'classical_ct', inputs: query, out: dir });
      const text = slurmScript(
        {
          out: dir,
          ...planned,
          backend: 'venv',
          retries: 0,
          env: { ...process.env, MHUB_DICOMWEB_TOKEN: PASSWORD },
        },
        [0],
      );
      expect(text).toContain("'batch' 'classical_ct' '--out'");
      expect(SECRETS.some((s) => text.includes(s))).toBe(false);
      const mhubDir = path.join(work, 'slurm-apptainer');
      const image = await planBatch({ model: 'classical_ct_mhub', inputs: query, out: mhubDir });
      expect(() =>
        slurmScript({ out: mhubDir, ...image, backend: 'docker', retries: 0, container: 'apptainer' }, [0]),
      ).toThrow(/--container apptainer needs local inputs, but item .* is a study on a PACS/);
      const k8s = await runCli([
        'batch',
        'classical_ct_mhub',
        '--inputs',
        query,
        '--out',
        path.join(work, 'k8s'),
        '--emit',
        'k8s',
      ]);
      expect(k8s.code).toBe(2);
      expect(k8s.err).toMatch(/--emit k8s needs local inputs/);
    });

    it.runIf(
      requirement(
        'a running Slurm cluster (sinfo)',
        slurmUp(),
        'bash scripts/ci/slurm.sh installs and starts one',
      ),
    )(
      'a real Slurm job array over the query: every CT study done, no credential in the script, the task logs or the ledgers',
      async () => {
        const dir = path.join(work, 'slurm-run');
        const r = await runCli([
          'batch',
          'classical_ct',
          '--engine',
          'slurm',
          '--inputs',
          query,
          '--out',
          dir,
          '--backend',
          'venv',
          '--shard-size',
          '2',
        ]);
        expect(r.code, r.err).toBe(0);
        expect(r.out).toMatch(/submitted job [0-9]+: 2 array task\(s\)/);
        await until('the array to finish', 300_000, async () =>
          (await slurmJobs(dir)).tasks.length === 0 ? true : undefined,
        );
        const status = await batchStatus(dir);
        expect(status.counts, JSON.stringify(status.items)).toEqual({
          done: 4,
          failed: 0,
          running: 0,
          pending: 0,
          interrupted: 0,
        });
        expect(status.items.map((i) => i.id).sort()).toEqual([...CT_STUDIES, LATE_CT].sort());
        expect(readdirSync(path.join(dir, 'slurm')).filter((f) => f.endsWith('.log'))).toHaveLength(2);
        expect(filesWithSecrets(dir)).toEqual([]);
      },
      600_000,
    );
  },
);
