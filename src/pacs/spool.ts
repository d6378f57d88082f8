// The on-disk layout of `mhub listen`'s spool, and its status read back from the disk alone (so
// `mhub listen status` works while a listener runs and after it stopped):
//   incoming/<study>/<series>/   received instances, waiting for the quiet period or a free slot
//   running/<study>/<series>/    a series whose run or forward is under way (moved out of incoming/
//                                by rename; a restart moves it back, so nothing is lost)
//   results/<study>/<series>/    the model's outputs
//   done/<study>/<series>.json   the outcome of a series done or skipped
//   failed/<study>/<series>/     the instances of a series whose run or forward failed, with .reason.txt
//   listen.json                  the settings of the listener that last started here
//   listen.lock                  held by the listener while it runs (its host and pid)
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ownerIsDead, parseOwner } from '../fsafe/index.ts';

export function spoolPaths(spool: string) {
  return {
    incoming: path.join(spool, 'incoming'),
    running: path.join(spool, 'running'),
    results: path.join(spool, 'results'),
    done: path.join(spool, 'done'),
    failed: path.join(spool, 'failed'),
    settings: path.join(spool, 'listen.json'),
    lock: path.join(spool, 'listen.lock'),
  };
}

/** What a listener writes to listen.json when it starts. */
export interface ListenerSettings {
  ae: string;
  host: string;
  port: number;
  model: string;
  concurrency: number;
  quietMs: number;
  pid: number;
  started: string;
}

/** The outcome record of a done or skipped series (done/<study>/<series>.json). */
export interface DoneRecord {
  status: 'done' | 'skipped';
  finished: string;
  outputs: string[];
  message?: string;
  runMs?: number;
}

export type SeriesState = 'receiving' | 'queued' | 'running' | 'done' | 'skipped' | 'failed';

export interface SpoolSeries {
  study: string;
  series: string;
  state: SeriesState;
  /** DICOM instances on disk (receiving, queued, running, failed). */
  instances?: number;
  modality?: string;
  /** When it last changed: the newest instance, the run's start, the outcome. */
  since: string;
  message?: string;
  outputs?: string[];
  /** A series found in running/ while no listener runs: queued again when one starts. */
  interrupted?: boolean;
}

export interface SpoolStatus {
  spool: string;
  /** Whether a listener holds the spool now (its lock's process is alive). */
  listening: boolean;
  listener?: ListenerSettings;
  counts: Record<SeriesState, number>;
  series: SpoolSeries[];
}

const entries = async (dir: string): Promise<string[]> =>
  (await readdir(dir).catch(() => [] as string[])).filter((n) => !n.startsWith('.')).sort();

/** Reads the spool's state from disk; a spool that does not exist reads as empty. */
export async function spoolStatus(spool: string, now = Date.now()): Promise<SpoolStatus> {
  const p = spoolPaths(spool);
  const lockText = await readFile(p.lock, 'utf8').catch(() => undefined);
  const owner = lockText === undefined ? undefined : parseOwner(lockText);
  const listening = owner !== undefined && !ownerIsDead(owner);
  const listener = (await readFile(p.settings, 'utf8').then(
    (t) => JSON.parse(t) as ListenerSettings,
    () => undefined,
  )) as ListenerSettings | undefined;

  const byKey = new Map<string, SpoolSeries>();
  const rank: Record<SeriesState, number> = {
    running: 5,
    receiving: 4,
    queued: 4,
    failed: 1,
    done: 1,
    skipped: 1,
  };
  const put = (s: SpoolSeries) => {
    const key = `${s.study}/${s.series}`;
    const old = byKey.get(key);
    // The most current place wins: running, then waiting, then the newer of done and failed.
    if (!old || rank[s.state] > rank[old.state] || (rank[s.state] === rank[old.state] && s.since > old.since))
      byKey.set(key, s);
  };
  const folders = async (
    root: string,
    visit: (study: string, series: string, dir: string) => Promise<void>,
  ) => {
    for (const study of await entries(root))
      for (const series of await entries(path.join(root, study)))
        await visit(study, series, path.join(root, study, series));
  };
  const instances = async (dir: string) => {
    const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.dcm'));
    let newest = 0;
    for (const n of names)
      newest = Math.max(newest, (await stat(path.join(dir, n)).catch(() => undefined))?.mtimeMs ?? 0);
    const modality = await readFile(path.join(dir, '.series.json'), 'utf8').then(
      (t) => (JSON.parse(t) as { modality?: string }).modality,
      () => undefined,
    );
    const dirTime = (await stat(dir).catch(() => undefined))?.mtimeMs ?? 0;
    return { count: names.length, newest: newest || dirTime, modality: modality || undefined };
  };

  await folders(p.incoming, async (study, series, dir) => {
    const i = await instances(dir);
    const quiet = listener?.quietMs ?? 0;
    const receiving = listening && now - i.newest < quiet;
    put({
      study,
      series,
      state: receiving ? 'receiving' : 'queued',
      instances: i.count,
      ...(i.modality ? { modality: i.modality } : {}),
      since: new Date(i.newest).toISOString(),
    });
  });
  await folders(p.running, async (study, series, dir) => {
    const i = await instances(dir);
    const started = (await stat(dir).catch(() => undefined))?.ctimeMs ?? i.newest;
    put({
      study,
      series,
      state: listening ? 'running' : 'queued',
      instances: i.count,
      ...(i.modality ? { modality: i.modality } : {}),
      since: new Date(started).toISOString(),
      ...(listening ? {} : { interrupted: true }),
    });
  });
  await folders(p.failed, async (study, series, dir) => {
    const i = await instances(dir);
    const reason = await readFile(path.join(dir, '.reason.txt'), 'utf8').catch(() => undefined);
    const when = (await stat(path.join(dir, '.reason.txt')).catch(() => undefined))?.mtimeMs ?? i.newest;
    put({
      study,
      series,
      state: 'failed',
      instances: i.count,
      ...(i.modality ? { modality: i.modality } : {}),
      since: new Date(when).toISOString(),
      ...(reason ? { message: reason.trim() } : {}),
    });
  });
  for (const study of await entries(p.done)) {
    for (const name of (await entries(path.join(p.done, study))).filter((n) => n.endsWith('.json'))) {
      const record = await readFile(path.join(p.done, study, name), 'utf8').then(
        (t) => JSON.parse(t) as DoneRecord,
        () => undefined,
      );
      if (!record) continue;
      put({
        study,
        series: name.slice(0, -'.json'.length),
        state: record.status,
        since: record.finished,
        outputs: record.outputs,
        ...(record.message ? { message: record.message } : {}),
      });
    }
  }
  const series = [...byKey.values()].sort((a, b) =>
    a.study === b.study ? (a.series < b.series ? -1 : 1) : a.study < b.study ? -1 : 1,
  );
  const counts: Record<SeriesState, number> = {
    receiving: 0,
    queued: 0,
    running: 0,
    done: 0,
    skipped: 0,
    failed: 0,
  };
  for (const s of series) counts[s.state]++;
  return { spool, listening, ...(listener ? { listener } : {}), counts, series };
}
