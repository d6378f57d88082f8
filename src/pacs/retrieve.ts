// WADO-RS retrieval of one series into a folder, streamed to disk and resumable per instance:
// each instance is written to a temporary name and renamed to <SOPInstanceUID>.dcm only when
// complete, so after an interruption the folder holds whole instances only and a second run
// fetches just the missing ones (one request each) instead of the whole series again.
import { randomBytes } from 'node:crypto';
import { close as closeCb, open as openCb } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { MhubError } from '../errors.ts';
import { writevAll } from '../fsafe/index.ts';
import { type Progress, throttle } from '../progress.ts';
import { bodyChunks, networkError, request, type Server } from './http.ts';
import { boundaryOf, MultipartError, multipartFailure, readMultipart } from './multipart.ts';
import { metaUid, sopInstanceUid } from './part10.ts';
import { listInstances } from './qido.ts';
import { displayUrl } from './url.ts';

const ACCEPT = 'multipart/related; type="application/dicom"; transfer-syntax=*';

export interface RetrieveResult {
  instances: number;
  /** Instances already on disk from an earlier, interrupted retrieval. */
  resumed: number;
  bytes: number;
}

export async function retrieveSeries(
  server: Server,
  study: string,
  series: string,
  dir: string,
  progress: Progress,
  /** The series' instance count when known (QIDO-RS NumberOfSeriesRelatedInstances), for progress. */
  total?: number,
): Promise<RetrieveResult> {
  // Readable by others: a model container may run as another uid (nobody, when the caller is root)
  // and sees only this folder, bind-mounted. The caller keeps it inside an owner-only folder.
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const have = new Set<string>();
  for (const name of await readdir(dir)) {
    if (name.endsWith('.tmp')) await rm(path.join(dir, name), { force: true });
    else if (name.endsWith('.dcm')) have.add(name.slice(0, -4));
  }
  // The instance list drives a resume and checks completeness. A fresh retrieval whose size the
  // caller knows (from the series query) skips it unless the count comes out wrong: on Orthanc it
  // costs a third of the download's time.
  let listing: Promise<string[]> | undefined;
  const list = () => {
    listing ??= listInstances(server, study, series);
    return listing;
  };
  const report = throttle(progress, 200);
  const state = { done: 0, bytes: 0, total: total as number | undefined };
  const tick = () =>
    report({
      phase: 'retrieve',
      done: state.done,
      ...(state.total === undefined ? {} : { total: state.total }),
      message: `series ${series}: ${(state.bytes / 2 ** 20).toFixed(1)} MB`,
    });
  // The last event always goes out (throttling may have dropped it), with the total.
  const finished = (n: number) =>
    progress({
      phase: 'retrieve',
      done: n,
      total: n,
      message: `series ${series}: ${(state.bytes / 2 ** 20).toFixed(1)} MB`,
    });
  const what = `series ${series}`;
  const resumeHint = () =>
    `run the same command again: the ${state.done} complete instances in ${dir} are kept and only the rest is fetched`;
  const fetchInto = async (route: string) => {
    const response = await request(server, route, {
      accept: ACCEPT,
      what: `retrieving ${what}`,
      notFound: `series ${series} of study ${study} is not on the server`,
    });
    const writer = instanceWriter(dir, state, tick);
    try {
      const boundary = boundaryOf(response.headers['content-type'] ?? null);
      await readMultipart(bodyChunks(response.body), boundary, writer);
      await writer.flush();
    } catch (error) {
      await writer.abort();
      response.body.destroy();
      throw retrievalError(
        error,
        server,
        what,
        dir,
        `${state.done}${state.total === undefined ? '' : ` of ${state.total}`} instances are complete`,
        resumeHint(),
      );
    }
  };
  let expected: string[];
  let resumed = 0;
  if (have.size === 0) {
    tick();
    await fetchInto(`/studies/${study}/series/${series}`);
    if (total !== undefined && total > 0 && state.done === total) {
      finished(total);
      return { instances: total, resumed: 0, bytes: state.bytes };
    }
    expected = await list();
  } else {
    expected = await list();
    const missing = expected.filter((uid) => !have.has(uid));
    resumed = expected.length - missing.length;
    state.done = resumed;
    state.total = expected.length;
    tick();
    for (const uid of missing) await fetchInto(`/studies/${study}/series/${series}/instances/${uid}`);
  }
  if (expected.length === 0) {
    throw new MhubError(
      'NOT_FOUND',
      `${displayUrl(server.base)}: series ${series} of study ${study} has no instances`,
    );
  }
  const present = new Set((await readdir(dir)).filter((n) => n.endsWith('.dcm')).map((n) => n.slice(0, -4)));
  const absent = expected.filter((uid) => !present.has(uid));
  if (absent.length > 0) {
    throw new MhubError(
      'ENVIRONMENT',
      `${displayUrl(server.base)} sent ${expected.length - absent.length} of the ${expected.length} instances of ${what}`,
      `run the same command again to fetch the rest (${absent.length} missing, e.g. ${absent[0]})`,
    );
  }
  finished(expected.length);
  return { instances: expected.length, resumed, bytes: state.bytes };
}

// Parts up to this size are kept in memory and written with one call: per-chunk awaited writes
// cost more than the download itself. Bigger parts (multi-frame instances) stream to disk.
// Memory in use is at most (WRITES_IN_FLIGHT + 1) such parts.
const BUFFERED_PART_BYTES = 32 * 2 ** 20;

const fsOpen = promisify(openCb);
const fsClose = promisify(closeCb);

// At most this many finished parts are being written while the next ones arrive: the network and
// the disk overlap, as they do for curl writing one file.
const WRITES_IN_FLIGHT = 32;

/** Writes each part to a temporary file, then renames it to its SOP Instance UID. */
function instanceWriter(dir: string, state: { done: number; bytes: number }, tick: () => void) {
  // The open temporary file of a part too big to keep in memory.
  let fd: number | undefined;
  let temp = '';
  let chunks: Buffer[] = [];
  let size = 0;
  const temps = new Set<string>();
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  // Temporary names: one random tag per response, then a counter (no random bytes per instance).
  const tag = `.${process.pid}-${randomBytes(6).toString('hex')}`;
  let made = 0;
  const tempName = () => path.join(dir, `${tag}-${made++}.tmp`);
  // Names the complete instance after its SOP Instance UID (read from its first bytes).
  const keep = async (name: string, head: Buffer | undefined) => {
    const uid = head ? metaUid(head) : await sopInstanceUid(name);
    if (!uid) {
      throw new MultipartError(
        'a part is not a DICOM Part 10 instance (no DICM header with a SOP Instance UID)',
        false,
      );
    }
    await rename(name, path.join(dir, `${uid}.dcm`));
    temps.delete(name);
    state.done++;
    tick();
  };
  const settle = async () => {
    await Promise.allSettled(inFlight);
    if (failure) throw failure;
  };
  return {
    begin(headers: Map<string, string>) {
      if (failure) throw failure;
      const type = headers.get('content-type');
      if (type !== undefined && !/^application\/dicom\s*(;|$)/i.test(type)) {
        throw new MultipartError(`a part is ${type}, not application/dicom`, false);
      }
      chunks = [];
      size = 0;
    },
    // Not async while the part fits in memory: no promise per chunk for the parser to await.
    data(chunk: Buffer): Promise<void> | undefined {
      size += chunk.length;
      state.bytes += chunk.length;
      tick();
      if (fd === undefined) {
        chunks.push(chunk);
        if (size <= BUFFERED_PART_BYTES) return undefined;
      }
      return (async () => {
        if (fd === undefined) {
          temp = tempName();
          temps.add(temp);
          fd = await fsOpen(temp, 'wx', 0o644);
          const held = chunks;
          chunks = [];
          await writevAll(fd, held, temp);
        } else await writevAll(fd, [chunk], temp);
      })();
    },
    async end() {
      if (fd !== undefined) {
        const open = fd;
        fd = undefined;
        await fsClose(open);
        await keep(temp, undefined);
        return;
      }
      const parts = chunks;
      chunks = [];
      const job = (async () => {
        const name = tempName();
        temps.add(name);
        // Callback-style fs: a FileHandle per instance costs more CPU than the write itself.
        const file = await fsOpen(name, 'wx', 0o644);
        try {
          await writevAll(file, parts, name);
        } finally {
          await fsClose(file);
        }
        await keep(name, headOf(parts));
      })().catch((error: unknown) => {
        failure ??= error;
      });
      inFlight.add(job);
      void job.then(() => inFlight.delete(job));
      if (inFlight.size >= WRITES_IN_FLIGHT) await Promise.race(inFlight);
      if (failure) throw failure;
    },
    /** Waits for the writes in flight; throws the first that failed. */
    flush: settle,
    /** After a failure: waits for the writes, removes every temporary file. */
    async abort() {
      if (fd !== undefined) await fsClose(fd).catch(() => {});
      fd = undefined;
      await Promise.allSettled(inFlight);
      for (const name of temps) await rm(name, { force: true });
      temps.clear();
    },
  };
}

/**
 * The start of a part, where the file meta information is: its first chunk as it is when that
 * holds the whole header (nearly always), else the first 64 KiB joined.
 */
function headOf(parts: Buffer[]): Buffer {
  const first = parts[0] ?? Buffer.alloc(0);
  if (parts.length < 2 || first.length >= 64 * 1024 || metaUid(first)) return first;
  let n = 0;
  let size = 0;
  while (n < parts.length && size < 64 * 1024) size += parts[n++]!.length;
  return Buffer.concat(parts.slice(0, n)).subarray(0, 64 * 1024);
}

function retrievalError(
  error: unknown,
  server: Server,
  what: string,
  dir: string,
  done: string,
  resumeHint: string,
): MhubError {
  if (error instanceof MultipartError)
    return multipartFailure(displayUrl(server.base), what, error, resumeHint);
  if (error instanceof MhubError) return error;
  const errno = error as NodeJS.ErrnoException;
  if (errno?.code && typeof errno.syscall === 'string') {
    return new MhubError(
      'ENVIRONMENT',
      `cannot write ${dir}: ${errno.message}`,
      'free disk space or check permissions',
    );
  }
  if (server.signal?.aborted) return networkError(server, error, `retrieving ${what}`);
  const cause =
    (error as { cause?: { code?: string } })?.cause?.code ?? (error as Error)?.message ?? String(error);
  return new MhubError(
    'ENVIRONMENT',
    `the connection to ${displayUrl(server.base)} broke while retrieving ${what} (${cause}); ${done}`,
    resumeHint,
    { cause: error },
  );
}
