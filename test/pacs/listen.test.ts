// `mhub listen` with real peers: Orthanc C-STOREs a CT study to it, it runs the reference model
// (Docker) and C-STOREs the SEG back, which Orthanc files in the same study; DCMTK's storescu is an
// independent sender for the AE title check and for a series received before a restart.
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Listener,
  listSeries,
  retrieveSeries,
  type SeriesOutcome,
  type SpoolStatus,
  spoolStatus,
  startListener,
} from '../../src/pacs/index.ts';
import { ensureImages, hasDocker } from '../runner/support.ts';
import { requirement } from '../support/requirements.ts';
import { freePort, hasOrthanc, type Orthanc, startOrthanc } from './orthanc.ts';
import { ctPhantomStudy, filesIn, makeSeries, PYTHON, tempDir } from './support.ts';

const hasStorescu = requirement(
  'DCMTK storescu',
  spawnSync('storescu', ['--version']).status === 0,
  'scripts/ci/pacs.sh installs dcmtk',
);
process.env.MHUB_HOME = tempDir('pacs-listen-home');

/** storescu run asynchronously: the listener answering it lives in this process's event loop. */
function storescu(args: string[]): Promise<{ status: number; output: string }> {
  return new Promise((resolve) => {
    execFile('storescu', args, { encoding: 'utf8' }, (error, stdout, stderr) =>
      resolve({ status: error ? Number(error.code ?? 1) || 1 : 0, output: `${stdout}${stderr}` }),
    );
  });
}

/** Resolves with the next outcome the listener reports. */
function outcomes(): { on: (o: SeriesOutcome) => void; next: () => Promise<SeriesOutcome> } {
  const seen: SeriesOutcome[] = [];
  const waiting: ((o: SeriesOutcome) => void)[] = [];
  return {
    on: (o) => {
      const w = waiting.shift();
      if (w) w(o);
      else seen.push(o);
    },
    next: () => (seen.length ? Promise.resolve(seen.shift()!) : new Promise((r) => waiting.push(r))),
  };
}

describe.runIf(hasOrthanc && hasDocker && hasStorescu)('mhub listen with Orthanc', () => {
  let orthanc: Orthanc;
  let listener: Listener | undefined;
  let port: number;
  let study: string;
  let ct: string;
  let phantomFiles: string[];
  beforeAll(async () => {
    ensureImages();
    const phantom = await ctPhantomStudy();
    const files = phantom.files;
    phantomFiles = files;
    study = phantom.study;
    ct = phantom.series;
    port = await freePort();
    orthanc = await startOrthanc({ modalities: { MHUB: port } });
    await orthanc.upload(files);
  });
  afterAll(async () => {
    await listener?.close();
    await orthanc?.stop();
  });

  it('receives a study from Orthanc, runs the model and sends the SEG back into the study', async () => {
    const seen = outcomes();
    const spool = tempDir('pacs-spool');
    listener = await startListener(
      {
        ae: 'MHUB',
        port,
        model: 'classical_ct_mhub',
        forward: `dimse://${orthanc.aet}@127.0.0.1:${orthanc.dicomPort}`,
        spool,
        quietMs: 1000,
      },
      seen.on,
    );
    const [orthancStudy] = (await (await orthanc.rest('/studies')).json()) as string[];
    const sent = await orthanc.rest('/modalities/mhub/store', {
      method: 'POST',
      body: JSON.stringify({ Resources: [orthancStudy] }),
    });
    expect(sent.status, await sent.text()).toBe(200);
    const outcome = await seen.next();
    expect(outcome).toMatchObject({ status: 'done', study, series: ct });
    const segs = (await listSeries({ base: `${orthanc.http}/dicom-web` }, study)).filter(
      (s) => s.modality === 'SEG',
    );
    expect(segs).toHaveLength(1);
    const dir = path.join(tempDir('pacs-listen-seg'), 'seg');
    await retrieveSeries({ base: `${orthanc.http}/dicom-web` }, study, segs[0]!.uid, dir, () => {});
    const code =
      'import sys, pydicom; d = pydicom.dcmread(sys.argv[1]); print(d.Modality, d.ReferencedSeriesSequence[0].SeriesInstanceUID)';
    const read = spawnSync(PYTHON, ['-c', code, filesIn(dir)[0]!], { encoding: 'utf8' });
    expect(read.stdout.trim()).toBe(`SEG ${ct}`);
    // The received CT left the queue once its result was sent; the result stays in the spool.
    expect(filesIn(path.join(spool, 'incoming'))).toEqual([]);
    expect(outcome.outputs.some((f) => f.startsWith(path.join(spool, 'results')) && existsSync(f))).toBe(
      true,
    );
    await listener.close();
    listener = undefined;
  });

  it('mhub run --input dimse://: C-FIND chooses the series, C-GET retrieves it, the model runs', async () => {
    const { runCli } = await import('../support/cli.ts');
    const out = path.join(tempDir('pacs-cget'), 'results');
    const peer = `dimse://${orthanc.aet}@127.0.0.1:${orthanc.dicomPort}`;
    const run = await runCli(['run', 'classical_ct_mhub', '-i', `${peer}/${study}`, '-o', out, '-q']);
    expect(run.err).not.toMatch(/mhub: /);
    expect(run.code).toBe(0);
    const seg = run.out
      .split('\n')
      .find((l) => l.trim().endsWith('.seg.dcm'))!
      .trim();
    const code =
      'import sys, pydicom; d = pydicom.dcmread(sys.argv[1]); print(d.Modality, d.ReferencedSeriesSequence[0].SeriesInstanceUID)';
    expect(spawnSync(PYTHON, ['-c', code, seg], { encoding: 'utf8' }).stdout.trim()).toBe(`SEG ${ct}`);
    const missing = await runCli(['run', 'classical_ct_mhub', '-i', `${peer}/9.9.9`, '-o', out]);
    expect(missing.code).toBe(3);
    expect(missing.err).toMatch(/study 9\.9\.9 is not on the server/);
    const closed = await freePort();
    const unreachable = await runCli([
      'run',
      'classical_ct_mhub',
      '-i',
      `dimse://X@127.0.0.1:${closed}/${study}`,
      '-o',
      out,
    ]);
    expect(unreachable.code).toBe(4);
    expect(unreachable.err).toMatch(/cannot reach X@127.0.0.1/);
  });

  it('rejects an association addressed to another AE title, and keeps what it received across a restart', async () => {
    const spool = tempDir('pacs-spool2');
    const mr = makeSeries(path.join(tempDir('pacs-listen-mr'), 'mr'), { modality: 'MR', size: [16, 16, 3] });
    const first = await startListener({
      ae: 'MHUB',
      port,
      model: 'classical_ct_mhub',
      spool,
      quietMs: 60_000,
    });
    listener = first;
    let r = await storescu(['-aec', 'SOMEONE', '127.0.0.1', String(port), mr[0]!]);
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(/Called AE Title Not Recognized/i);
    r = await storescu(['-aec', 'MHUB', '-aet', 'SENDER', '127.0.0.1', String(port), ...mr]);
    expect(r.status, r.output).toBe(0);
    // A Segmentation Storage instance (a class dcmjs-dimse's own list lacks) is accepted too.
    const seg = path.join(tempDir('pacs-listen-segclass'), 'seg.dcm');
    const relabel = `import sys, pydicom
d = pydicom.dcmread(sys.argv[1]); d.SOPClassUID = d.file_meta.MediaStorageSOPClassUID = '1.2.840.10008.5.1.4.1.1.66.4'
d.SOPInstanceUID = d.file_meta.MediaStorageSOPInstanceUID = d.SOPInstanceUID + '.9'; d.save_as(sys.argv[2])`;
    expect(spawnSync(PYTHON, ['-c', relabel, mr[0]!, seg]).status).toBe(0);
    r = await storescu(['-R', '-aec', 'MHUB', '-aet', 'SENDER', '127.0.0.1', String(port), seg]);
    expect(r.status, r.output).toBe(0);
    await first.close(); // stopped before the series counted as complete
    const queued = filesIn(path.join(spool, 'incoming'));
    expect(queued).toHaveLength(1);
    expect(filesIn(filesIn(queued[0]!)[0]!).filter((f) => f.endsWith('.dcm'))).toHaveLength(4);
    const seen = outcomes();
    listener = await startListener(
      { ae: 'MHUB', port, model: 'classical_ct_mhub', spool, quietMs: 200 },
      seen.on,
    );
    const outcome = await seen.next();
    expect(outcome.status).toBe('skipped');
    expect(outcome.message).toMatch(/MR series; classical_ct_mhub reads CT/);
  });

  it('a series cut off in its run is queued again on restart; a second listener on the spool is refused', async () => {
    await listener?.close();
    listener = undefined;
    const spool = tempDir('pacs-spool3');
    // What a crash during a run leaves: the series in running/ (moved there from incoming/).
    const cut = path.join(spool, 'running', '1.2.3', '1.2.3.4');
    mkdirSync(path.dirname(cut), { recursive: true });
    const mr = makeSeries(path.join(tempDir('pacs-listen-mr3'), 'mr'), { modality: 'MR', size: [16, 16, 2] });
    cpSync(path.dirname(mr[0]!), cut, { recursive: true });
    writeFileSync(path.join(cut, '.series.json'), JSON.stringify({ modality: 'MR' }));
    const before = await spoolStatus(spool);
    expect(before.listening).toBe(false);
    expect(before.counts).toMatchObject({ queued: 1, running: 0 });
    expect(before.series[0]).toMatchObject({
      series: '1.2.3.4',
      state: 'queued',
      interrupted: true,
      instances: 2,
    });
    const seen = outcomes();
    listener = await startListener(
      { ae: 'MHUB', port, model: 'classical_ct_mhub', spool, quietMs: 200 },
      seen.on,
    );
    await expect(
      startListener({ ae: 'MHUB', port: await freePort(), model: 'classical_ct_mhub', spool }),
    ).rejects.toThrow(new RegExp(`another mhub listen \\(.*pid ${process.pid}\\) uses the spool`));
    const outcome = await seen.next();
    expect(outcome).toMatchObject({ status: 'skipped', series: '1.2.3.4' });
    await listener.idle();
    const after = await spoolStatus(spool);
    expect(after.listening).toBe(true);
    expect(after.counts).toMatchObject({ queued: 0, running: 0, skipped: 1 });
    expect(filesIn(path.join(spool, 'running'))).toEqual([]);
    await listener.close();
    listener = undefined;
    expect((await spoolStatus(spool)).listening).toBe(false);
  });

  it('--concurrency 2 runs two series at once; the status (library, HTTP, CLI) follows them', async () => {
    // A second CT series in the study: the phantom with new series and instance UIDs.
    const second = `2.25.${BigInt(`0x${randomBytes(15).toString('hex')}`)}`;
    const copy = tempDir('pacs-listen-ct2');
    const relabel = `import sys, os, pydicom
from pydicom.uid import generate_uid
for i, f in enumerate(sys.argv[3:]):
    d = pydicom.dcmread(f); d.SeriesInstanceUID = sys.argv[2]; d.SeriesNumber = 2
    d.SOPInstanceUID = d.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    d.save_as(os.path.join(sys.argv[1], f'{i}.dcm'))`;
    const sources = filesIn(path.dirname(phantomFiles[0]!));
    const made = spawnSync(PYTHON, ['-c', relabel, copy, second, ...sources], { encoding: 'utf8' });
    expect(made.status, made.stderr).toBe(0);
    await orthanc.upload(filesIn(copy));
    const ids: string[] = [];
    for (const uid of [ct, second]) {
      const found = (await (await orthanc.rest('/tools/lookup', { method: 'POST', body: uid })).json()) as {
        ID: string;
        Type: string;
      }[];
      ids.push(found.find((f) => f.Type === 'Series')!.ID);
    }
    const segsBefore = (await listSeries({ base: `${orthanc.http}/dicom-web` }, study)).filter(
      (s) => s.modality === 'SEG',
    ).length;

    const spool = tempDir('pacs-spool4');
    const seen = outcomes();
    listener = await startListener(
      {
        ae: 'MHUB',
        port,
        model: 'classical_ct_mhub',
        forward: `dimse://${orthanc.aet}@127.0.0.1:${orthanc.dicomPort}`,
        spool,
        quietMs: 1000,
        concurrency: 2,
        statusPort: 0,
      },
      seen.on,
    );
    // One asynchronous store job per series, side by side (Orthanc runs 2 jobs at once by
    // default, ConcurrentJobs): both series finish arriving together, so their quiet periods end
    // together and the two runs overlap for a whole run, not for the gap between two series sent
    // one after the other (about a run's length here, which made the overlap a race).
    const jobs = await Promise.all(
      ids.map(async (id) => {
        const r = await orthanc.rest('/modalities/mhub/store', {
          method: 'POST',
          body: JSON.stringify({ Resources: [id], Synchronous: false }),
        });
        expect(r.status).toBe(200);
        return ((await r.json()) as { ID: string }).ID;
      }),
    );
    for (const job of jobs) {
      let state = '';
      while (state !== 'Success') {
        const info = (await (await orthanc.rest(`/jobs/${job}`)).json()) as {
          State: string;
          ErrorDescription?: string;
        };
        state = info.State;
        expect(state, info.ErrorDescription).not.toBe('Failure');
        if (state !== 'Success') await new Promise((r) => setTimeout(r, 20));
      }
    }
    // Both store jobs succeeded: every instance is acknowledged, so on disk.
    const received = await spoolStatus(spool);
    expect(received.counts.receiving + received.counts.queued + received.counts.running).toBe(2);
    expect(received.series.every((s) => s.instances === sources.length)).toBe(true);

    const done: SeriesOutcome[] = [];
    const finished = (async () => {
      done.push(await seen.next());
      done.push(await seen.next());
    })();
    let both: SpoolStatus | undefined;
    let viaHttp: SpoolStatus | undefined;
    while (done.length < 2) {
      const now = await spoolStatus(spool);
      if (now.counts.running === 2 && !both) {
        both = now;
        viaHttp = (await (
          await fetch(`http://127.0.0.1:${listener.statusPort}/status`)
        ).json()) as SpoolStatus;
      }
      await Promise.race([finished, new Promise((r) => setTimeout(r, 50))]);
    }
    await finished;
    // Both ran at the same time, and the status said so while they did.
    expect(both?.series.map((s) => [s.series, s.state]).sort()).toEqual(
      [
        [ct, 'running'],
        [second, 'running'],
      ].sort(),
    );
    expect(viaHttp?.listening).toBe(true);
    expect(viaHttp?.listener).toMatchObject({ ae: 'MHUB', concurrency: 2, pid: process.pid });
    expect(viaHttp?.counts.running).toBeGreaterThanOrEqual(1);
    expect(done.map((o) => [o.series, o.status]).sort()).toEqual(
      [
        [ct, 'done'],
        [second, 'done'],
      ].sort(),
    );
    const segs = (await listSeries({ base: `${orthanc.http}/dicom-web` }, study)).filter(
      (s) => s.modality === 'SEG',
    );
    expect(segs.length).toBe(segsBefore + 2);
    await listener.close();
    listener = undefined;

    const { runCli } = await import('../support/cli.ts');
    const json = await runCli(['listen', 'status', '--spool', spool, '--json']);
    expect(json.code).toBe(0);
    const after = JSON.parse(json.out) as SpoolStatus;
    expect(after.listening).toBe(false);
    expect(after.counts).toEqual({ receiving: 0, queued: 0, running: 0, done: 2, skipped: 0, failed: 0 });
    for (const s of after.series)
      expect(s.outputs!.some((f) => f.endsWith('.seg.dcm') && existsSync(f))).toBe(true);
    const text = await runCli(['listen', 'status', '--spool', spool]);
    expect(text.out).toMatch(/no listener running/);
    expect(text.out).toMatch(/0 receiving, 0 queued, 0 running, 2 done, 0 skipped, 0 failed/);
    expect(text.out).toContain(`done ${study}/${second}`);
  });
});

describe('mhub listen refuses bad settings', () => {
  it('a port in use is the environment (exit 4), a bad AE title or port is usage (exit 2)', async () => {
    const { createServer } = await import('node:net');
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const taken = (busy.address() as { port: number }).port;
    try {
      const { runCli } = await import('../support/cli.ts');
      const spool = tempDir('pacs-listen-bad');
      let run = await runCli([
        'listen',
        '--ae',
        'MHUB',
        '--port',
        String(taken),
        '--model',
        'classical_ct',
        '--spool',
        spool,
      ]);
      expect(run.code).toBe(4);
      expect(run.err).toMatch(new RegExp(`cannot listen on 127.0.0.1:${taken} \\(EADDRINUSE\\)`));
      run = await runCli([
        'listen',
        '--ae',
        'A\\B',
        '--port',
        '104',
        '--model',
        'classical_ct',
        '--spool',
        spool,
      ]);
      expect(run.code).toBe(2);
      expect(run.err).toMatch(/--ae A\\B is not an AE title/);
      run = await runCli(['listen', '--ae', 'MHUB', '--port', '70000', '--model', 'classical_ct']);
      expect(run.code).toBe(2);
    } finally {
      busy.close();
    }
  });
});
