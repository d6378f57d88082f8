// `mhub listen`: a DICOM node that segments what it receives. Instances go to a queue on disk
// (<spool>/incoming/<study>/<series>/), a series counts as complete after a quiet period, complete
// series that fit the model's input run one at a time, and the results go to --forward (C-STORE or
// STOW-RS). A restart picks up every series still in incoming/: nothing received is lost.
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MhubError } from '../errors.ts';
import { type RunRequest, resolveModel, runModel } from '../runner/index.ts';
import { authorizationFor } from './auth.ts';
import { type DimseTarget, parseDimseUrl, type ReceivedInstance, startReceiver, storeScu } from './dimse.ts';
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
  const incoming = path.join(options.spool, 'incoming');
  const results = path.join(options.spool, 'results');
  const failed = path.join(options.spool, 'failed');
  await mkdir(incoming, { recursive: true, mode: 0o700 });

  const timers = new Map<string, NodeJS.Timeout>();
  const queue: string[] = [];
  let working: Promise<void> | undefined;
  let closing = false;
  const idleWaiters: (() => void)[] = [];

  const enqueue = (key: string) => {
    if (!queue.includes(key)) queue.push(key);
    working ??= drain().finally(() => {
      working = undefined;
      if (timers.size === 0 && queue.length === 0) for (const w of idleWaiters.splice(0)) w();
    });
  };
  const drain = async () => {
    while (queue.length > 0 && !closing) await handle(queue.shift()!);
  };
  const handle = async (key: string) => {
    const [study, series] = key.split('/') as [string, string];
    const dir = path.join(incoming, study, series);
    const meta = JSON.parse(await readFile(path.join(dir, '.series.json'), 'utf8').catch(() => '{}')) as {
      modality?: string;
    };
    const outcome: SeriesOutcome = { study, series, status: 'done', outputs: [] };
    try {
      if (!(input.modality as readonly string[]).includes(String(meta.modality ?? '').toUpperCase())) {
        outcome.status = 'skipped';
        outcome.message = `${meta.modality ?? 'unknown'} series; ${card.name} reads ${input.modality.join('/')}`;
        await rm(dir, { recursive: true, force: true });
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
        await rm(dir, { recursive: true, force: true });
      }
    } catch (error) {
      outcome.status = 'failed';
      outcome.message = error instanceof Error ? error.message : String(error);
      // Kept, never dropped: moved aside with the reason, so a restart does not loop on it.
      const aside = path.join(failed, study, series);
      await mkdir(path.dirname(aside), { recursive: true, mode: 0o700 });
      await rm(aside, { recursive: true, force: true });
      await rename(dir, aside).catch(() => {});
      await writeFile(path.join(aside, '.reason.txt'), `${outcome.message}\n`).catch(() => {});
    }
    const study0 = path.join(incoming, study);
    if ((await readdir(study0).catch(() => ['x'])).length === 0)
      await rm(study0, { recursive: true, force: true });
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
  const receiver = await startReceiver({
    ae: options.ae,
    host: options.host ?? '127.0.0.1',
    port: options.port,
    async folderFor(instance: ReceivedInstance) {
      const dir = path.join(incoming, instance.study, instance.series);
      await mkdir(dir, { recursive: true, mode: 0o755 });
      const meta = path.join(dir, '.series.json');
      await writeFile(meta, JSON.stringify({ modality: instance.modality }), { flag: 'wx' }).catch(() => {});
      return dir;
    },
    received(instance) {
      arm(`${instance.study}/${instance.series}`);
    },
    log,
  });
  // Series received before a restart: complete as far as anyone knows; queue them again.
  for (const study of await readdir(incoming)) {
    for (const series of await readdir(path.join(incoming, study)).catch(() => [])) {
      // An instance cut off by the stop was never acknowledged: the sender still has it.
      const dir = path.join(incoming, study, series);
      for (const name of await readdir(dir))
        if (name.endsWith('.tmp')) await rm(path.join(dir, name), { force: true });
      arm(`${study}/${series}`);
    }
  }
  log(`listening as ${options.ae} on ${options.host ?? '127.0.0.1'}:${receiver.port} for ${card.name}`);
  return {
    port: receiver.port,
    idle: () =>
      timers.size === 0 && queue.length === 0 && !working
        ? Promise.resolve()
        : new Promise((r) => idleWaiters.push(r)),
    async close() {
      closing = true;
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      await receiver.close();
      await working;
    },
  };
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
