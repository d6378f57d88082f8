// PACS integration for `mhub run`: inputs from a DICOMweb server (QIDO-RS to choose the series,
// WADO-RS to retrieve them into a private folder), the normal run, then STOW-RS of the DICOM
// results. See src/pacs/README.md.
import { createHash } from 'node:crypto';
import { chmod, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { MhubError } from '../errors.ts';
import { noProgress } from '../progress.ts';
import {
  mhubHome,
  type OutputFormat,
  type RunRequest,
  type RunResult,
  resolveModel,
  runModel,
} from '../runner/index.ts';
import { authorizationFor } from './auth.ts';
import type { Server } from './http.ts';
import { listSeries, queryStudies, type StudyInfo } from './qido.ts';
import { retrieveSeries } from './retrieve.ts';
import { selectSeries } from './select.ts';
import { dicomFiles, storeInstances } from './stow.ts';
import {
  type DicomwebTarget,
  displayUrl,
  isDicomwebUrl,
  isDimseUrl,
  parseDicomwebUrl,
  parseStudyQuery,
} from './url.ts';

export { AUTH_ENV, authorizationFor, configPath } from './auth.ts';
export type { Server } from './http.ts';
export { boundaryOf, MultipartError, readMultipart } from './multipart.ts';
export { listInstances, listSeries, queryStudies, type SeriesInfo, type StudyInfo } from './qido.ts';
export { retrieveSeries } from './retrieve.ts';
export { dicomFiles, storeInstances } from './stow.ts';
export { displayUrl, isDicomwebUrl, isDimseUrl, parseDicomwebUrl, parseStudyQuery } from './url.ts';

export interface PacsRunRequest extends RunRequest {
  /** dicomweb+http(s)://server/root: STOW-RS the DICOM results there after the run. */
  push?: string;
}

export interface Retrieved {
  input: string;
  study: string;
  series: string;
  modality: string;
  instances: number;
  resumed: number;
  bytes: number;
}

export interface PacsRunResult extends RunResult {
  retrieved: Retrieved[];
  /** The results stored on the push server (absolute local paths). */
  pushed: string[];
}

/** Whether a run request needs this capability (a dicomweb input or a push). */
export function usesPacs(input: RunRequest['input'], push?: string): boolean {
  const values = typeof input === 'string' ? [input] : Object.values(input);
  return push !== undefined || values.some((v) => isDicomwebUrl(v) || isDimseUrl(v));
}

/** Where a study's retrieved series are kept until the run ends (owner-only; resumable). */
export function retrievalDir(home: string, target: DicomwebTarget & { study: string }): string {
  const key = createHash('sha256').update(`${target.base}\n${target.study}`).digest('hex').slice(0, 24);
  return path.join(home, 'dicomweb', key);
}

/** `<home>/dicomweb`, owner-only: what is inside is patient data. */
async function privateRoot(home: string): Promise<void> {
  const root = path.join(home, 'dicomweb');
  await mkdir(root, { recursive: true, mode: 0o700 });
  await chmod(root, 0o700);
}

/** Where the series of one study come from: a DICOMweb server or a DIMSE peer. */
interface StudySource {
  target: { base: string; study: string; series?: string };
  where: string;
  list(): Promise<import('./qido.ts').SeriesInfo[]>;
  retrieve(
    series: import('./qido.ts').SeriesInfo,
    dir: string,
    progress: RunRequest['progress'] & {},
  ): Promise<{ instances: number; resumed: number; bytes: number }>;
}

async function dicomwebSource(value: string, signal: AbortSignal | undefined): Promise<StudySource> {
  const target = parseDicomwebUrl(value, '--input', true) as DicomwebTarget & { study: string };
  const server: Server = { base: target.base, authorization: await authorizationFor(target.base), signal };
  return {
    target,
    where: displayUrl(target.base),
    list: () => listSeries(server, target.study),
    retrieve: (info, dir, progress) =>
      retrieveSeries(server, target.study, info.uid, dir, progress, info.instances),
  };
}

/** The AE title mhub calls DIMSE peers with (they must know it to allow C-FIND and C-GET). */
export const dimseCallingAe = (env: NodeJS.ProcessEnv = process.env): string => env.MHUB_DIMSE_AE || 'MHUB';

async function dimseSource(value: string, _signal: AbortSignal | undefined): Promise<StudySource> {
  const dimse = await import('./dimse.ts');
  const peer = dimse.parseDimseInput(value);
  const ae = dimseCallingAe();
  const base = `dimse://${peer.ae}@${peer.host}:${peer.port}`;
  return {
    target: { base, study: peer.study, ...(peer.series ? { series: peer.series } : {}) },
    where: base,
    list: () => dimse.findSeriesDimse(peer, ae, peer.study),
    retrieve: (info, dir, progress) => dimse.getSeriesDimse(peer, ae, peer.study, info.uid, dir, progress),
  };
}

export interface StudySearch {
  /** The server without credentials or query, for messages. */
  where: string;
  /** The query as given (never holds credentials: parseStudyQuery refuses them). */
  query: string;
  studies: (StudyInfo & { address: string })[];
}

/**
 * `dicomweb+http(s)://server/root?<QIDO query>` -> every matching study, each with the
 * `dicomweb+…/studies/<UID>` address `runWithPacs` takes (retrieval happens there, per study).
 */
export async function findStudies(address: string, signal?: AbortSignal): Promise<StudySearch> {
  const { base, query } = parseStudyQuery(address, '--inputs');
  const server: Server = { base, authorization: await authorizationFor(base), signal };
  const studies = await queryStudies(server, query);
  return {
    where: displayUrl(base),
    query: query.toString(),
    studies: studies.map((s) => ({ ...s, address: `dicomweb+${base}/studies/${s.uid}` })),
  };
}

export async function runWithPacs(request: PacsRunRequest): Promise<PacsRunResult> {
  const progress = request.progress ?? noProgress;
  const signal = request.signal;
  // Check the push address and its credentials before anything slow happens.
  const pushTarget = request.push ? parseDicomwebUrl(request.push, '--push', false) : undefined;
  const pushServer: Server | undefined = pushTarget
    ? { base: pushTarget.base, authorization: await authorizationFor(pushTarget.base), signal }
    : undefined;
  const record = await resolveModel(request.model, request.registry);
  const card = record.card;
  const home = request.home ?? mhubHome();
  // A push sends DICOM: ask for DICOM SEG next to whatever else was asked for.
  const outputFormats: readonly OutputFormat[] | undefined = pushServer
    ? [...new Set<OutputFormat>([...(request.outputFormats ?? ['native']), 'dicomseg'])]
    : request.outputFormats;

  const given: [string | undefined, string][] =
    typeof request.input === 'string' ? [[undefined, request.input]] : Object.entries(request.input);
  const local: Record<string, string> = {};
  const retrieved: Retrieved[] = [];
  const folders = new Set<string>();
  for (const [id, value] of given) {
    const inputs = id === undefined ? card.inputs : card.inputs.filter((i) => i.id === id);
    if (!isDicomwebUrl(value) && !isDimseUrl(value)) {
      if (id === undefined) return finish(await runModel({ ...request, model: record, outputFormats }));
      local[id] = value;
      continue;
    }
    const source = isDimseUrl(value) ? await dimseSource(value, signal) : await dicomwebSource(value, signal);
    const target = source.target;
    const series = await source.list();
    if (series.length === 0) {
      throw new MhubError(
        'NOT_FOUND',
        `${source.where}: study ${target.study} is not on the server`,
        'check the StudyInstanceUID',
      );
    }
    const chosen = selectSeries(card.name, inputs, series, target.study, target.series);
    const studyDir = retrievalDir(home, target);
    await privateRoot(home);
    for (const [inputId, info] of chosen) {
      const dir = path.join(studyDir, info.uid);
      progress({ phase: 'retrieve', done: 0, message: `${inputId}: ${info.modality} series ${info.uid}` });
      const got = await source.retrieve(info, dir, progress);
      folders.add(studyDir);
      retrieved.push({
        input: inputId,
        study: target.study,
        series: info.uid,
        modality: info.modality,
        ...got,
      });
      local[inputId] = dir;
    }
  }

  // The retrieved copies are patient data: removed once the run ends, kept only to resume a retrieval.
  let result: RunResult;
  try {
    result = await runModel({ ...request, model: record, input: local, outputFormats });
  } finally {
    for (const dir of folders) await rm(dir, { recursive: true, force: true });
  }
  return finish(result);

  async function finish(result: RunResult): Promise<PacsRunResult> {
    if (!pushServer) return { ...result, retrieved, pushed: [] };
    const files = await dicomFiles(result.outputs);
    const where = path.resolve(request.output);
    if (files.length === 0) {
      throw new MhubError(
        'RUN_FAILED',
        `${result.model} wrote no DICOM results to push; the results are in ${where}`,
        'the model outputs cannot be written as DICOM SEG (see --output-format)',
      );
    }
    progress({ phase: 'push', done: 0, total: files.length, message: displayUrl(pushServer.base) });
    try {
      await storeInstances(pushServer, files);
    } catch (error) {
      if (error instanceof MhubError) {
        throw new MhubError(
          error.code,
          `push failed: ${error.message}; the results are kept in ${where}`,
          error.hint,
        );
      }
      throw error;
    }
    progress({
      phase: 'push',
      done: files.length,
      total: files.length,
      message: displayUrl(pushServer.base),
    });
    return { ...result, retrieved, pushed: files };
  }
}

export type { Listener, ListenOptions, SeriesOutcome } from './listen.ts';
export {
  type ListenerSettings,
  type SeriesState,
  type SpoolSeries,
  type SpoolStatus,
  spoolStatus,
} from './spool.ts';

/** `mhub listen`'s DICOM node (see listen.ts); dcmjs-dimse is loaded only when one starts. */
export async function startListener(
  options: import('./listen.ts').ListenOptions,
  onSeries?: (outcome: import('./listen.ts').SeriesOutcome) => void,
): Promise<import('./listen.ts').Listener> {
  return (await import('./listen.ts')).startListener(options, onSeries);
}
