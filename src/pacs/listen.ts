// `mhub listen`: a DICOM node that segments what it receives. Instances go to a queue on disk
// (<spool>/incoming/<study>/<series>/, layout in spool.ts), a series counts as complete after a
// quiet period, complete series that fit the model's input run up to --concurrency at a time (in
// the order they completed), and the results go to --forward (C-STORE or STOW-RS). A restart picks
// up every series still in incoming/ or running/: nothing received is lost.

import { mkdir, readdir, readFile, rename, rm, rmdir } from 'node:fs/promises';
import { createServer, type Server as HttpServer } from 'node:http';
import path from 'node:path';
import { MhubError } from '../errors.ts';
import { acquireLock, writeFileAtomic } from '../fsafe/index.ts';
import { type RunRequest, resolveModel, runModel } from '../runner/index.ts';
import { authorizationFor } from './auth.ts';
import { type DimseTarget, parseDimseUrl, type ReceivedInstance, startReceiver, storeScu } from './dimse.ts';
import { type DoneRecord, type ListenerSettings, spoolPaths, spoolStatus } from './spool.ts';
import { dicomFiles, storeInstances } from './stow.ts';
import { isDicomwebUrl, parseDicomwebUrl } from './url.ts';

export interface ListenOptions {
  ae: string;
  port: number;
  /** Address to bind; 127.0.0.1 unless told otherwise. */
  host?: string;
  model: string;
  /** dimse://AE@host:port or dicomweb+http(s)://server/root */
  forward?: string;
  /** Queue and results folder. */
  spool: string;
  /** A series is complete after this long without a new instance. */
  quietMs?: number;
  /** At most this many series run (model and forward) at once; default 1. */
  concurrency?: number;
  /** Serve GET /status (the spool's status as JSON) on 127.0.0.1:<statusPort>; 0 picks a port. */
  statusPort?: number;
  registry?: readonly string[];
  backend?: RunRequest['backend'];
  log?: (line: string) => void;
}

export interface SeriesOutcome {
  study: string;
  series: string;
  status: 'done' | 'skipped' | 'failed';
  outputs: string[];
  message?: string;
  /** How long runModel took (image checks, conversions, the model). */
  runMs?: number;
}

export interface Listener {
  port: number;
  /** The status endpoint's port, when one was asked for. */
  statusPort?: number;
  /** Resolves when every queued series has been handled. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const AE = /^[\x20-\x5b\x5d-\x7e]{1,16}$/;

export async function startListener(
  options: ListenOptions,
  onSeries?: (outcome: SeriesOutcome) => void,
): Promise<Listener> {
  if (!AE.test(options.ae) || options.ae.trim() !== options.ae) {
    throw new MhubError(
      'USAGE',
      `--ae ${options.ae} is not an AE title`,
      'use 1 to 16 characters, no backslash, no leading or trailing spaces',
    );
  }
  const log = options.log ?? (() => {});
  const quietMs = options.quietMs ?? 5000;
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new MhubError('USAGE', `--concurrency ${concurrency} is not a whole number >= 1`);
  }
  const record = await resolveModel(options.model, options.registry);
  const card = record.card;
  if (card.inputs.length !== 1) {
    throw new MhubError(
      'USAGE',
      `${card.name} takes ${card.inputs.length} inputs; mhub listen runs one-input models`,
      'use mhub run with ID=PATH inputs',
    );
  }
  const input = card.inputs[0]!;
  const forward = await forwarder(options.forward, options.ae);
  const spool = spoolPaths(options.spool);
  const { incoming, results, failed } = spool;
  await mkdir(incoming, { recursive: true, mode: 0o700 });
  await mkdir(spool.running, { recursive: true, mode: 0o700 });
  // One listener per spool: two would run the same series twice.
  const unlock = await acquireLock(spool.lock, {
    waitMs: 0,
    busy: (owner) =>
      new MhubError(
        'ENVIRONMENT',
        `another mhub listen${owner ? ` (${owner.host}, pid ${owner.pid})` : ''} uses the spool ${options.spool}`,
        'stop it, or give this one another --spool',
      ),
  });

  const timers = new Map<string, NodeJS.Timeout>();
  const queue: string[] = [];
  const running = new Map<string, Promise<void>>();
  let closing = false;
  const idleWaiters: (() => void)[] = [];
  const isIdle = () => timers.size === 0 && queue.length === 0 && running.size === 0;

  // Starts queued series while slots are free, first completed first; a series already running
  // (more of it arrived meanwhile) waits for its own run to end.
  const pump = () => {
    while (!closing && running.size < concurrency) {
      const at = queue.findIndex((k) => !running.has(k));
      if (at < 0) break;
      const key = queue.splice(at, 1)[0]!;
      const job = handle(key)
        .catch((error: unknown) => log(`series ${key}: ${error instanceof Error ? error.message : error}`))
        .finally(() => {
          running.delete(key);
          pump();
          if (isIdle()) for (const w of idleWaiters.splice(0)) w();
        });
      running.set(key, job);
    }
  };
  const enqueue = (key: string) => {
    if (!queue.includes(key)) queue.push(key);
    pump();
  };
  const handle = async (key: string) => {
    const [study, series] = key.split('/') as [string, string];
    const waiting = path.join(incoming, study, series);
    // Out of incoming/ by rename: instances arriving during the run start a new incoming folder
    // (run next), and a stop or crash now leaves the series in running/, queued again on restart.
    const dir = path.join(spool.running, study, series);
    await mkdir(path.dirname(dir), { recursive: true, mode: 0o700 });
    try {
      await rename(waiting, dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // handled already
      throw error;
    }
    await removeEmpty(path.join(incoming, study));
    const meta = JSON.parse(await readFile(path.join(dir, '.series.json'), 'utf8').catch(() => '{}')) as {
      modality?: string;
    };
    const outcome: SeriesOutcome = { study, series, status: 'done', outputs: [] };
    try {
      if (!(input.modality as readonly string[]).includes(String(meta.modality ?? '').toUpperCase())) {
        outcome.status = 'skipped';
        outcome.message = `${meta.modality ?? 'unknown'} series; ${card.name} reads ${input.modality.join('/')}`;
      } else {
        const out = path.join(results, study, series);
        await rm(out, { recursive: true, force: true }); // results of an earlier, interrupted attempt
        const result = await runModel({
          model: record,
          input: dir,
          output: out,
          backend: options.backend,
          outputFormats: ['native', 'dicomseg'],
          log,
        });
        outcome.outputs = result.outputs;
        outcome.runMs = result.durationMs;
        const files = await dicomFiles(result.outputs);
        if (forward && files.length > 0) await forward(files);
      }
      const done: DoneRecord = {
        status: outcome.status as DoneRecord['status'],
        finished: new Date().toISOString(),
        outputs: outcome.outputs,
        ...(outcome.message ? { message: outcome.message } : {}),
        ...(outcome.runMs === undefined ? {} : { runMs: outcome.runMs }),
      };
      await writeFileAtomic(path.join(spool.done, study, `${series}.json`), `${JSON.stringify(done)}\n`, {
        force: true,
      });
      await rm(dir, { recursive: true, force: true });
    } catch (error) {
      outcome.status = 'failed';
      outcome.message = error instanceof Error ? error.message : String(error);
      // Kept, never dropped: moved aside with the reason, so a restart does not loop on it.
      const aside = path.join(failed, study, series);
      await mkdir(path.dirname(aside), { recursive: true, mode: 0o700 });
      await rm(aside, { recursive: true, force: true });
      await rename(dir, aside).catch(() => {});
      await writeFileAtomic(path.join(aside, '.reason.txt'), `${outcome.message}\n`, { force: true }).catch(
        () => {},
      );
    }
    await removeEmpty(path.join(spool.running, study));
    log(`series ${series}: ${outcome.status}${outcome.message ? ` (${outcome.message})` : ''}`);
    onSeries?.(outcome);
  };

  const arm = (key: string) => {
    clearTimeout(timers.get(key));
    timers.set(
      key,
      setTimeout(() => {
        timers.delete(key);
        enqueue(key);
      }, quietMs),
    );
  };
  let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;
  let status: HttpServer | undefined;
  try {
    receiver = await startReceiver({
      ae: options.ae,
      host: options.host ?? '127.0.0.1',
      port: options.port,
      async folderFor(instance: ReceivedInstance) {
        const dir = path.join(incoming, instance.study, instance.series);
        await mkdir(dir, { recursive: true, mode: 0o755 });
        const meta = path.join(dir, '.series.json');
        // Written once per series (the first instance); later ones find it and leave it.
        await writeFileAtomic(meta, JSON.stringify({ modality: instance.modality })).catch(() => {});
        return dir;
      },
      received(instance) {
        arm(`${instance.study}/${instance.series}`);
      },
      log,
    });
    if (options.statusPort !== undefined) status = await serveStatus(options.spool, options.statusPort);
  } catch (error) {
    await receiver?.close();
    await unlock();
    throw error;
  }
  const dimse = receiver;
  const settings: ListenerSettings = {
    ae: options.ae,
    host: options.host ?? '127.0.0.1',
    port: dimse.port,
    model: card.name,
    concurrency,
    quietMs,
    pid: process.pid,
    started: new Date().toISOString(),
  };
  await writeFileAtomic(spool.settings, `${JSON.stringify(settings)}\n`, { force: true });
  // Series received before a restart (waiting, or cut off in their run): complete as far as anyone
  // knows; queued again.
  for (const study of await readdir(spool.running)) {
    for (const series of await readdir(path.join(spool.running, study)).catch(() => [])) {
      await requeue(path.join(spool.running, study, series), path.join(incoming, study, series));
    }
    await removeEmpty(path.join(spool.running, study));
  }
  for (const study of await readdir(incoming)) {
    for (const series of await readdir(path.join(incoming, study)).catch(() => [])) {
      // An instance cut off by the stop was never acknowledged: the sender still has it.
      const dir = path.join(incoming, study, series);
      for (const name of await readdir(dir))
        if (name.endsWith('.tmp')) await rm(path.join(dir, name), { force: true });
      arm(`${study}/${series}`);
    }
  }
  const statusPort = status ? (status.address() as { port: number }).port : undefined;
  log(
    `listening as ${options.ae} on ${settings.host}:${dimse.port} for ${card.name}, ${concurrency} at once${statusPort === undefined ? '' : `; status on http://127.0.0.1:${statusPort}/status`}`,
  );
  return {
    port: dimse.port,
    ...(statusPort === undefined ? {} : { statusPort }),
    idle: () => (isIdle() ? Promise.resolve() : new Promise((r) => idleWaiters.push(r))),
    async close() {
      closing = true;
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      await dimse.close();
      await Promise.allSettled(running.values());
      if (status) await new Promise((r) => status!.close(r));
      await unlock();
    },
  };
}

/** Removes a folder if it is empty (a study with no series left). */
async function removeEmpty(dir: string): Promise<void> {
  await rmdir(dir).catch(() => {});
}

/** Moves a series interrupted in its run back to incoming/, merging with instances received since. */
async function requeue(from: string, to: string): Promise<void> {
  await mkdir(path.dirname(to), { recursive: true, mode: 0o700 });
  try {
    await rename(from, to);
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST' && code !== 'ENOTEMPTY') throw error;
  }
  for (const name of await readdir(from)) {
    if (name.endsWith('.tmp')) continue;
    // Same name in both: the same SOP instance (or the same series' modality) received again.
    await rename(path.join(from, name), path.join(to, name));
  }
  await rm(from, { recursive: true, force: true });
}

/** GET /status: the spool's status (spool.ts) as JSON, on 127.0.0.1 only. */
async function serveStatus(spool: string, port: number): Promise<HttpServer> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/status') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('GET /status\n');
      return;
    }
    spoolStatus(spool).then(
      (s) => res.writeHead(200, { 'content-type': 'application/json' }).end(`${JSON.stringify(s)}\n`),
      (error: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${error.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new MhubError(
          'ENVIRONMENT',
          `cannot serve the status on 127.0.0.1:${port} (${error.code ?? error.message})`,
          'choose another --status-port',
        ),
      ),
    );
    server.listen(port, '127.0.0.1', resolve);
  });
  return server;
}

async function forwarder(
  address: string | undefined,
  ae: string,
): Promise<((files: string[]) => Promise<void>) | undefined> {
  if (!address) return undefined;
  if (isDicomwebUrl(address)) {
    const target = parseDicomwebUrl(address, '--forward', false);
    const server = { base: target.base, authorization: await authorizationFor(target.base) };
    return async (files) => {
      await storeInstances(server, files);
    };
  }
  const target: DimseTarget = parseDimseUrl(address, '--forward');
  return (files) => storeScu(target, ae, files);
}
