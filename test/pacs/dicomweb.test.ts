// DICOMweb against a real Orthanc (Debian's, with its DICOMweb plugin): series choice, streamed
// retrieval byte for byte, resume after an interrupted download, STOW-RS, and each fault the user
// can meet (unreachable, 401, missing study or series, nothing the model reads, a malformed
// answer) as one clear message and exit code from `mhub run`, with nothing half-written.
import { createServer, type Server as HttpServer, request as httpRequest } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authorizationFor,
  listSeries,
  retrievalDir,
  retrieveSeries,
  storeInstances,
} from '../../src/pacs/index.ts';
import { runCli } from '../support/cli.ts';
import { freePort, hasOrthanc, type Orthanc, startOrthanc } from './orthanc.ts';
import { digests, filesIn, makeSeries, tempDir } from './support.ts';

const STUDY = '1.2.826.0.1.3680043.8.498.1001';
const CT = '1.2.826.0.1.3680043.8.498.1002';
const MR = '1.2.826.0.1.3680043.8.498.1003';
const MR_ONLY_STUDY = '1.2.826.0.1.3680043.8.498.2001';
const home = tempDir('pacs-home');
// Worker-local: the CLI runs in this process. No developer config is read.
process.env.MHUB_HOME = home;
process.env.MHUB_DICOMWEB_CONFIG = path.join(home, 'no-config.json');
delete process.env.MHUB_DICOMWEB_TOKEN;
delete process.env.MHUB_DICOMWEB_USER;

async function listen(
  handler: Parameters<typeof createServer>[1],
): Promise<{ server: HttpServer; port: number }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

describe.runIf(hasOrthanc)('DICOMweb with a real Orthanc', () => {
  let orthanc: Orthanc;
  let ctFiles: string[];
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    const work = tempDir('pacs-phantom');
    ctFiles = makeSeries(path.join(work, 'ct'), { studyUid: STUDY, seriesUid: CT, size: [64, 64, 20] });
    const mr = makeSeries(path.join(work, 'mr'), {
      studyUid: STUDY,
      seriesUid: MR,
      modality: 'MR',
      size: [32, 32, 4],
      seriesNumber: 2,
    });
    const mrOnly = makeSeries(path.join(work, 'mr2'), {
      studyUid: MR_ONLY_STUDY,
      modality: 'MR',
      size: [32, 32, 3],
    });
    orthanc = await startOrthanc();
    closers.push(() => orthanc.stop());
    await orthanc.upload([...ctFiles, ...mr, ...mrOnly]);
  });
  afterAll(async () => {
    for (const close of closers.reverse()) await close();
  });

  const base = () => orthanc.http.concat('/dicom-web');

  it('lists the study series with modality and size, and retrieves one byte for byte', async () => {
    const series = await listSeries({ base: base() }, STUDY);
    expect(series.map((s) => [s.uid, s.modality, s.instances]).sort()).toEqual([
      [CT, 'CT', 20],
      [MR, 'MR', 4],
    ]);
    const dir = path.join(tempDir('pacs-get'), 'ct');
    const events: number[] = [];
    const got = await retrieveSeries({ base: base() }, STUDY, CT, dir, (e) => events.push(e.done));
    expect(got).toMatchObject({ instances: 20, resumed: 0 });
    expect(digests(filesIn(dir))).toEqual(digests(ctFiles));
    expect(events.at(-1)).toBe(20);
    expect(filesIn(dir).every((f) => /\/[0-9.]+\.dcm$/.test(f))).toBe(true);
  });

  it('resumes an interrupted retrieval: keeps whole instances, fetches only the missing ones', async () => {
    // A proxy in front of Orthanc that cuts the whole-series download after ~40% of its bytes.
    let cut = true;
    const seen: string[] = [];
    const target = new URL(orthanc.http);
    const proxy = await listen((req, res) => {
      seen.push(req.url ?? '');
      const upstream = httpRequest(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          const whole = cut && /\/series\/[0-9.]+$/.test(req.url ?? '');
          let sent = 0;
          up.on('data', (chunk: Buffer) => {
            if (whole && sent + chunk.length > 75_000) {
              res.write(chunk.subarray(0, 75_000 - sent));
              res.socket?.destroy();
              up.destroy();
              return;
            }
            sent += chunk.length;
            res.write(chunk);
          });
          up.on('end', () => res.end());
        },
      );
      req.pipe(upstream);
    });
    closers.push(() => new Promise((r) => proxy.server.close(() => r())));
    const address = `dicomweb+http://127.0.0.1:${proxy.port}/dicom-web/studies/${STUDY}`;
    const run = await runCli([
      'run',
      'classical_ct',
      '--input',
      address,
      '--output',
      path.join(home, 'never'),
    ]);
    expect(run.code).toBe(4);
    expect(run.err).toMatch(/(broke while retrieving|incomplete multipart response for) series /);
    expect(run.err).toMatch(/Fix: run the same command again: the [0-9]+ complete instances in .* are kept/);
    expect(run.err).not.toMatch(/\n\s+at /); // no stack trace
    const dir = path.join(
      retrievalDir(home, { base: `http://127.0.0.1:${proxy.port}/dicom-web`, study: STUDY }),
      CT,
    );
    const kept = filesIn(dir);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(20);
    expect(kept.every((f) => f.endsWith('.dcm'))).toBe(true); // no partial instance left behind
    expect(filesIn(path.join(home, 'never'))).toEqual([]);

    cut = false;
    seen.length = 0;
    const got = await retrieveSeries(
      { base: `http://127.0.0.1:${proxy.port}/dicom-web` },
      STUDY,
      CT,
      dir,
      () => {},
    );
    expect(got).toMatchObject({ instances: 20, resumed: kept.length });
    expect(seen.filter((u) => /\/instances\/[0-9.]+$/.test(u))).toHaveLength(20 - kept.length);
    expect(seen.some((u) => /\/series\/[0-9.]+$/.test(u))).toBe(false);
    expect(digests(filesIn(dir))).toEqual(digests(ctFiles));
  });

  it('says which input fits nothing, and which study or series is missing (exit 3)', async () => {
    const out = path.join(tempDir('pacs-bad'), 'out');
    const root = orthanc.dicomweb;
    let run = await runCli(['run', 'classical_ct', '-i', `${root}/studies/${MR_ONLY_STUDY}`, '-o', out]);
    expect(run.code).toBe(3);
    expect(run.err).toMatch(
      /study 1\.2\.826\.0\.1\.3680043\.8\.498\.2001 has no series that classical_ct can read as ct \(CT/,
    );
    expect(run.err).toMatch(/it holds: MR /);
    run = await runCli(['run', 'classical_ct', '-i', `${root}/studies/${STUDY}/series/${MR}`, '-o', out]);
    expect(run.code).toBe(3);
    expect(run.err).toMatch(new RegExp(`series ${MR} has no series that classical_ct can read`));
    run = await runCli(['run', 'classical_ct', '-i', `${root}/studies/9.9.9`, '-o', out]);
    expect(run.code).toBe(3);
    expect(run.err).toMatch(/study 9\.9\.9 is not on the server/);
    run = await runCli(['run', 'classical_ct', '-i', `${root}/studies/${STUDY}/series/9.9.9`, '-o', out]);
    expect(run.code).toBe(3);
    expect(run.err).toMatch(/series 9\.9\.9 is not in study/);
    expect(filesIn(out)).toEqual([]);
  });

  it('cannot reach a server: exit 4 naming the address', async () => {
    const port = await freePort();
    const run = await runCli([
      'run',
      'classical_ct',
      '-i',
      `dicomweb+http://127.0.0.1:${port}/dicom-web/studies/${STUDY}`,
      '-o',
      path.join(home, 'x'),
    ]);
    expect(run.code).toBe(4);
    expect(run.err).toMatch(new RegExp(`cannot reach http://127.0.0.1:${port}/dicom-web .*ECONNREFUSED`));
  });

  it('refuses a malformed WADO-RS answer (exit 4) and keeps nothing of it', async () => {
    // A tiny server that answers QIDO-RS like Orthanc, and WADO-RS with a broken body.
    let mode: 'not-multipart' | 'not-dicom' = 'not-multipart';
    const fake = await listen((req, res) => {
      if (req.url?.includes('/series?')) {
        res.writeHead(200, { 'Content-Type': 'application/dicom+json' });
        res.end(
          JSON.stringify([
            { '0020000E': { vr: 'UI', Value: [CT] }, '00080060': { vr: 'CS', Value: ['CT'] } },
          ]),
        );
      } else if (req.url?.endsWith('/instances')) {
        res.writeHead(200, { 'Content-Type': 'application/dicom+json' });
        res.end(JSON.stringify([{ '00080018': { vr: 'UI', Value: ['1.2.3.4'] } }]));
      } else if (mode === 'not-multipart') {
        res.writeHead(200, { 'Content-Type': 'application/dicom' });
        res.end(Buffer.alloc(300));
      } else {
        res.writeHead(200, { 'Content-Type': 'multipart/related; type="application/dicom"; boundary=XX' });
        res.end(`--XX\r\nContent-Type: application/dicom\r\n\r\n${'not dicom'.repeat(30)}\r\n--XX--\r\n`);
      }
    });
    closers.push(() => new Promise((r) => fake.server.close(() => r())));
    const address = `dicomweb+http://127.0.0.1:${fake.port}/dw/studies/${STUDY}`;
    const dir = path.join(retrievalDir(home, { base: `http://127.0.0.1:${fake.port}/dw`, study: STUDY }), CT);
    let run = await runCli(['run', 'classical_ct', '-i', address, '-o', path.join(home, 'y')]);
    expect(run.code).toBe(4);
    expect(run.err).toMatch(
      /sent a malformed multipart response for series .*: the response is application\/dicom, not multipart\/related/,
    );
    mode = 'not-dicom';
    run = await runCli(['run', 'classical_ct', '-i', address, '-o', path.join(home, 'y')]);
    expect(run.code).toBe(4);
    expect(run.err).toMatch(/malformed multipart response .*a part is not a DICOM Part 10 instance/);
    expect(filesIn(dir)).toEqual([]); // neither the broken part nor its temporary file
  });

  it('stores instances with STOW-RS', async () => {
    const study = '1.2.826.0.1.3680043.8.498.3001';
    const files = makeSeries(path.join(tempDir('pacs-stow'), 's'), { studyUid: study, size: [16, 16, 3] });
    await expect(storeInstances({ base: base() }, files)).resolves.toEqual({ stored: 3 });
    const series = await listSeries({ base: base() }, study);
    expect(series).toHaveLength(1);
    expect(series[0]!.instances).toBe(3);
  });
});

describe.runIf(hasOrthanc)('DICOMweb with an Orthanc that needs credentials', () => {
  let orthanc: Orthanc;
  beforeAll(async () => {
    orthanc = await startOrthanc({ users: { alice: 'wonder-land-7' } });
    const files = makeSeries(path.join(tempDir('pacs-auth'), 'ct'), {
      studyUid: STUDY,
      seriesUid: CT,
      size: [16, 16, 4],
    });
    await orthanc.upload(files);
  });
  afterAll(() => orthanc?.stop());

  it('401 without or with wrong credentials (exit 4, password never printed); works with the right ones', async () => {
    const address = `${orthanc.dicomweb}/studies/${STUDY}`;
    let run = await runCli(['run', 'classical_ct', '-i', address, '-o', path.join(home, 'z')]);
    expect(run.code).toBe(4);
    expect(run.err).toMatch(/refused the series of study .* \(HTTP 401\): it needs credentials/);
    expect(run.err).toMatch(/Fix: set MHUB_DICOMWEB_TOKEN/);
    process.env.MHUB_DICOMWEB_USER = 'alice';
    process.env.MHUB_DICOMWEB_PASSWORD = 'not-her-password';
    try {
      run = await runCli(['run', 'classical_ct', '-i', address, '-o', path.join(home, 'z')]);
      expect(run.code).toBe(4);
      expect(run.err).toMatch(/\(HTTP 401\): the credentials were not accepted/);
      expect(`${run.out}${run.err}`).not.toMatch(/not-her-password|alice/);
      process.env.MHUB_DICOMWEB_PASSWORD = 'wonder-land-7';
      const base = orthanc.http.concat('/dicom-web');
      const server = { base, authorization: await authorizationFor(base) };
      const got = await retrieveSeries(
        server,
        STUDY,
        CT,
        path.join(tempDir('pacs-auth-get'), 'ct'),
        () => {},
      );
      expect(got.instances).toBe(4);
      await expect(storeInstances({ base }, [])).rejects.toMatchObject({ code: 'ENVIRONMENT' });
    } finally {
      delete process.env.MHUB_DICOMWEB_USER;
      delete process.env.MHUB_DICOMWEB_PASSWORD;
    }
  });
});
