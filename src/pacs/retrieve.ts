// WADO-RS retrieval of one series into a folder, streamed to disk and resumable per instance:
// each instance is written to a temporary name and renamed to <SOPInstanceUID>.dcm only when
// complete, so after an interruption the folder holds whole instances only and a second run
// fetches just the missing ones (one request each) instead of the whole series again.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { MhubError } from '../errors.ts';
import { type Progress, throttle } from '../progress.ts';
import { networkError, request, type Server } from './http.ts';
import { boundaryOf, MultipartError, multipartFailure, readMultipart } from './multipart.ts';
import { sopInstanceUid } from './part10.ts';
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
): Promise<RetrieveResult> {
  // Readable by others: a model container may run as another uid (nobody, when the caller is root)
  // and sees only this folder, bind-mounted. The caller keeps it inside an owner-only folder.
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const expected = await listInstances(server, study, series);
  if (expected.length === 0) {
    throw new MhubError(
      'NOT_FOUND',
      `${displayUrl(server.base)}: series ${series} of study ${study} has no instances`,
    );
  }
  const have = new Set<string>();
  for (const name of await readdir(dir)) {
    if (name.endsWith('.tmp')) await rm(path.join(dir, name), { force: true });
    else if (name.endsWith('.dcm')) have.add(name.slice(0, -4));
  }
  const missing = expected.filter((uid) => !have.has(uid));
  const resumed = expected.length - missing.length;
  const report = throttle(progress, 200);
  const state = { done: resumed, bytes: 0 };
  const tick = () =>
    report({
      phase: 'retrieve',
      done: state.done,
      total: expected.length,
      message: `series ${series}: ${(state.bytes / 2 ** 20).toFixed(1)} MB`,
    });
  tick();
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
      await readMultipart(response.body, boundary, writer);
    } catch (error) {
      await writer.abort();
      response.body.destroy();
      throw retrievalError(
        error,
        server,
        what,
        dir,
        `${state.done} of ${expected.length} instances are complete`,
        resumeHint(),
      );
    }
  };
  if (missing.length === expected.length) {
    await fetchInto(`/studies/${study}/series/${series}`);
  } else {
    for (const uid of missing) await fetchInto(`/studies/${study}/series/${series}/instances/${uid}`);
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
  return { instances: expected.length, resumed, bytes: state.bytes };
}

/** Writes each part to a temporary file, then renames it to its SOP Instance UID. */
function instanceWriter(dir: string, state: { done: number; bytes: number }, tick: () => void) {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  let temp = '';
  return {
    async begin(headers: Map<string, string>) {
      const type = headers.get('content-type');
      if (type !== undefined && !/^application\/dicom\s*(;|$)/i.test(type)) {
        throw new MultipartError(`a part is ${type}, not application/dicom`, false);
      }
      temp = path.join(dir, `.${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
      handle = await open(temp, 'wx', 0o644);
    },
    async data(chunk: Buffer) {
      await handle!.write(chunk);
      state.bytes += chunk.length;
      tick();
    },
    async end() {
      await handle!.close();
      handle = undefined;
      const uid = await sopInstanceUid(temp);
      if (!uid) {
        await rm(temp, { force: true });
        throw new MultipartError(
          'a part is not a DICOM Part 10 instance (no DICM header with a SOP Instance UID)',
          false,
        );
      }
      await rename(temp, path.join(dir, `${uid}.dcm`));
      state.done++;
      tick();
    },
    async abort() {
      await handle?.close().catch(() => {});
      if (temp) await rm(temp, { force: true });
    },
  };
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
