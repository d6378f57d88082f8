// DICOM networking (DIMSE) through dcmjs-dimse: a C-STORE receiver bound to one address, and a
// C-STORE sender. Loaded only by `mhub listen`.
import { randomBytes } from 'node:crypto';
import { mkdir, rename } from 'node:fs/promises';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import dimse from 'dcmjs-dimse';
import { MhubError } from '../errors.ts';
import type { Progress } from '../progress.ts';
import type { SeriesInfo } from './qido.ts';

const { Client, Scp, constants, requests, responses, log } = dimse;
const {
  Status,
  PresentationContextResult,
  RejectResult,
  RejectSource,
  RejectReason,
  TransferSyntax,
  SopClass,
  StorageClass,
} = constants;

// The library logs every association at info level to the console; mhub reports on its own.
log.setLevel('silent');

export interface DimseTarget {
  ae: string;
  host: string;
  port: number;
}

/** dimse://AE@host:port */
export function parseDimseUrl(text: string, what: string): DimseTarget {
  const m = /^dimse:\/\/([^@/]{1,16})@([^:/]+):([0-9]{1,5})\/?$/i.exec(text);
  if (!m || Number(m[3]) > 65535) {
    throw new MhubError(
      'USAGE',
      `${what} ${text} is not a dimse://AE@host:port address`,
      'e.g. dimse://ORTHANC@127.0.0.1:4242',
    );
  }
  return { ae: m[1]!, host: m[2]!, port: Number(m[3]) };
}

/** dimse://AE@host:port/StudyUID[/SeriesUID], the input form. */
export function parseDimseInput(text: string): DimseTarget & { study: string; series?: string } {
  const m = /^(dimse:\/\/[^/]+)\/([0-9]+(?:\.[0-9]+)*)(?:\/([0-9]+(?:\.[0-9]+)*))?\/?$/i.exec(text);
  if (!m) {
    throw new MhubError(
      'USAGE',
      `--input ${text} is not dimse://AE@host:port/<StudyInstanceUID>[/<SeriesInstanceUID>]`,
    );
  }
  return { ...parseDimseUrl(m[1]!, '--input'), study: m[2]!, ...(m[3] ? { series: m[3] } : {}) };
}

export interface ReceivedInstance {
  study: string;
  series: string;
  sop: string;
  modality: string;
  calling: string;
}

export interface ReceiverOptions {
  ae: string;
  host: string;
  port: number;
  /** Where an instance goes: a folder for its series (created by the caller). */
  folderFor(instance: ReceivedInstance): Promise<string>;
  /** After the instance is safely on disk (only then does the sender hear "success"). */
  received(instance: ReceivedInstance): void;
  log(line: string): void;
}

// The parts of dcmjs-dimse's objects used here (its index.d.ts types them loosely).
interface PresentationContext {
  getAbstractSyntaxUid(): string;
  getTransferSyntaxUids(): string[];
  setResult(result: number, syntax?: string): void;
}
interface Association {
  getCalledAeTitle(): string;
  getCallingAeTitle(): string;
  getPresentationContexts(): { id: number }[];
  getPresentationContext(id: number): PresentationContext;
}
interface DimseResponse {
  setStatus(status: number): void;
  getStatus(): number;
}
interface StoredDataset {
  getElement(name: string): unknown;
  toFile(path: string, callback: (error?: Error) => void): void;
}

/** Writes a received dataset as <dir>/<sop>.dcm, under a temporary name until it is whole. */
async function saveDataset(dataset: StoredDataset, dir: string, sop: string): Promise<void> {
  const temp = `${dir}/.${randomBytes(6).toString('hex')}.tmp`;
  await new Promise<void>((resolve, reject) =>
    dataset.toFile(temp, (e?: Error) => (e ? reject(e) : resolve())),
  );
  await rename(temp, `${dir}/${sop}.dcm`);
}

// dcmjs-dimse's StorageClass lists 59 classes (no Segmentation, no RT): accept the whole Storage
// branch of PS3.4 (1.2.840.10008.5.1.4.1.1.*) as well, or a PACS could not send SEGs or structured reports.
const STORAGE = new Set<string>(Object.values(StorageClass));
const isStorage = (sop: string) => STORAGE.has(sop) || sop.startsWith('1.2.840.10008.5.1.4.1.1.');
const SYNTAXES = [TransferSyntax.ExplicitVRLittleEndian, TransferSyntax.ImplicitVRLittleEndian];

/** Starts the C-STORE receiver; resolves once it listens. */
export async function startReceiver(
  options: ReceiverOptions,
): Promise<{ port: number; close(): Promise<void> }> {
  class Receiver extends Scp {
    declare association: Association | undefined;
    override associationRequested(association: Association) {
      this.association = association;
      if (association.getCalledAeTitle() !== options.ae) {
        options.log(
          `refused an association from ${association.getCallingAeTitle()}: called AE ${association.getCalledAeTitle()} is not ${options.ae}`,
        );
        this.sendAssociationReject(
          RejectResult.Permanent,
          RejectSource.ServiceUser,
          RejectReason.CalledAeNotRecognized,
        );
        return;
      }
      for (const c of association.getPresentationContexts()) {
        const context = association.getPresentationContext(c.id);
        const sop = context.getAbstractSyntaxUid();
        const offered: string[] = context.getTransferSyntaxUids();
        const syntax = SYNTAXES.find((s) => offered.includes(s));
        if (sop !== SopClass.Verification && !isStorage(sop)) {
          context.setResult(PresentationContextResult.RejectAbstractSyntaxNotSupported);
        } else if (!syntax) context.setResult(PresentationContextResult.RejectTransferSyntaxesNotSupported);
        else context.setResult(PresentationContextResult.Accept, syntax);
      }
      this.sendAssociationAccept();
    }
    override associationReleaseRequested() {
      this.sendAssociationReleaseResponse();
    }
    override cEchoRequest(
      request: InstanceType<typeof requests.CEchoRequest>,
      callback: (response: InstanceType<typeof responses.CEchoResponse>) => void,
    ) {
      const response = responses.CEchoResponse.fromRequest(request);
      response.setStatus(Status.Success);
      callback(response);
    }
    override cStoreRequest(
      request: InstanceType<typeof requests.CStoreRequest>,
      callback: (response: InstanceType<typeof responses.CStoreResponse>) => void,
    ) {
      const response = responses.CStoreResponse.fromRequest(request);
      const dataset = request.getDataset() as unknown as StoredDataset | undefined;
      const tag = (name: string) => String(dataset?.getElement(name) ?? '');
      const instance: ReceivedInstance = {
        study: tag('StudyInstanceUID'),
        series: tag('SeriesInstanceUID'),
        sop: tag('SOPInstanceUID'),
        modality: tag('Modality'),
        calling: this.association?.getCallingAeTitle() ?? '',
      };
      const uid = /^[0-9]+(\.[0-9]+)*$/;
      if (![instance.study, instance.series, instance.sop].every((u) => uid.test(u))) {
        options.log(
          `refused an instance without valid study/series/SOP instance UIDs from ${instance.calling}`,
        );
        response.setStatus(Status.ProcessingFailure);
        callback(response);
        return;
      }
      void (async () => saveDataset(dataset!, await options.folderFor(instance), instance.sop))().then(
        () => {
          response.setStatus(Status.Success);
          callback(response);
          options.received(instance);
        },
        (error: Error) => {
          options.log(`could not store instance ${instance.sop}: ${error.message}`);
          response.setStatus(Status.ProcessingFailure);
          callback(response);
        },
      );
    }
  }
  // dcmjs-dimse's Server listens on every interface; this mirrors what its listen() does per
  // connection (build/dcmjs-dimse.min.js, Server.listen: new scp.class(socket, opts), connected = true)
  // on a server bound to the address asked for (localhost unless told otherwise).
  const sockets = new Set<Socket>();
  const server: NetServer = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    const scp = new Receiver(socket, {}) as Receiver & { connected: boolean };
    scp.connected = true;
    scp.on('networkError', () => socket.end());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new MhubError(
          'ENVIRONMENT',
          `cannot listen on ${options.host}:${options.port} (${error.code ?? error.message})`,
          error.code === 'EADDRINUSE'
            ? 'another program uses that port: choose another with --port'
            : undefined,
        ),
      ),
    );
    server.listen(options.port, options.host, resolve);
  });
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** C-STOREs `files` to `target` in one association; throws unless every one was stored. */
export async function storeScu(
  target: DimseTarget,
  callingAe: string,
  files: readonly string[],
): Promise<void> {
  const client = new Client();
  const failed: string[] = [];
  for (const file of files) {
    const request = new requests.CStoreRequest(file);
    request.on('response', (response: DimseResponse) => {
      if (response.getStatus() !== Status.Success)
        failed.push(`${file} (status 0x${Number(response.getStatus()).toString(16)})`);
    });
    client.addRequest(request);
  }
  const where = `${target.ae}@${target.host}:${target.port}`;
  await new Promise<void>((resolve, reject) => {
    client.on('associationRejected', (result: { reason?: number }) =>
      reject(
        new MhubError(
          'ENVIRONMENT',
          `${where} rejected the association (reason ${result?.reason ?? '?'})`,
          `check that it knows the AE title ${callingAe}`,
        ),
      ),
    );
    client.on('networkError', (error: Error) =>
      reject(
        new MhubError(
          'ENVIRONMENT',
          `cannot send to ${where} (${error.message})`,
          'check the address and that the peer is running',
        ),
      ),
    );
    client.on('closed', () => resolve());
    client.send(target.host, target.port, callingAe, target.ae);
  });
  if (failed.length > 0) {
    throw new MhubError(
      'ENVIRONMENT',
      `${where} did not store ${failed.length} of ${files.length} results: ${failed.slice(0, 3).join(', ')}`,
    );
  }
}

/** Runs `requests` in one association as `callingAe`; `onStore` receives C-GET sub-operations. */
function associate(
  target: DimseTarget,
  callingAe: string,
  requestList: unknown[],
  onStore?: (dataset: StoredDataset) => Promise<void>,
): Promise<void> {
  const client = new Client();
  for (const r of requestList) client.addRequest(r as InstanceType<typeof requests.CFindRequest>);
  const where = `${target.ae}@${target.host}:${target.port}`;
  return new Promise<void>((resolve, reject) => {
    let failure: MhubError | undefined;
    if (onStore) {
      client.on(
        'cStoreRequest',
        (request: InstanceType<typeof requests.CStoreRequest>, callback: (r: unknown) => void) => {
          const response = responses.CStoreResponse.fromRequest(request);
          onStore(request.getDataset() as unknown as StoredDataset).then(
            () => {
              response.setStatus(Status.Success);
              callback(response);
            },
            (error: Error) => {
              failure ??= new MhubError('ENVIRONMENT', `cannot write a retrieved instance: ${error.message}`);
              response.setStatus(Status.ProcessingFailure);
              callback(response);
            },
          );
        },
      );
    }
    client.on('associationRejected', (result: { reason?: number }) =>
      reject(
        new MhubError(
          'ENVIRONMENT',
          `${where} rejected the association from ${callingAe} (reason ${result?.reason ?? '?'})`,
          `declare ${callingAe} as a modality on that PACS (or set MHUB_DIMSE_AE to the AE title it knows)`,
        ),
      ),
    );
    client.on('networkError', (error: Error) =>
      reject(
        new MhubError(
          'ENVIRONMENT',
          `cannot reach ${where} (${error.message})`,
          'check the address and that the peer is running',
        ),
      ),
    );
    client.on('closed', () => (failure ? reject(failure) : resolve()));
    client.send(target.host, target.port, callingAe, target.ae);
  });
}

/** C-FIND at series level: the study's series with modality, body part and size. */
export async function findSeriesDimse(
  target: DimseTarget,
  callingAe: string,
  study: string,
): Promise<SeriesInfo[]> {
  const request = requests.CFindRequest.createSeriesFindRequest({
    StudyInstanceUID: study,
    SeriesInstanceUID: '',
    Modality: '',
    BodyPartExamined: '',
    SeriesDescription: '',
    NumberOfSeriesRelatedInstances: '',
  });
  const found: SeriesInfo[] = [];
  let status: number | undefined;
  request.on('response', (response: InstanceType<typeof responses.CFindResponse>) => {
    status = response.getStatus();
    if (status !== Status.Pending) return;
    const ds = response.getDataset();
    const get = (name: string) => {
      const v = ds?.getElement(name);
      return v === undefined || v === null || v === '' ? undefined : String(v);
    };
    const uid = get('SeriesInstanceUID');
    if (!uid) return;
    const count = get('NumberOfSeriesRelatedInstances');
    found.push({
      uid,
      modality: get('Modality') ?? '',
      bodyPart: get('BodyPartExamined'),
      description: get('SeriesDescription'),
      instances: count === undefined ? undefined : Number(count),
    });
  });
  await associate(target, callingAe, [request]);
  if (status !== undefined && status !== Status.Success && status !== Status.Pending) {
    throw new MhubError(
      'ENVIRONMENT',
      `${target.ae}@${target.host}:${target.port} answered the series query with status 0x${status.toString(16)}`,
    );
  }
  return found;
}

/** C-GET of one series into `dir` (<SOPInstanceUID>.dcm each); returns how many arrived. */
export async function getSeriesDimse(
  target: DimseTarget,
  callingAe: string,
  study: string,
  series: string,
  dir: string,
  progress: Progress,
): Promise<{ instances: number; resumed: number; bytes: number }> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const request = requests.CGetRequest.createSeriesGetRequest(study, series);
  let done = 0;
  let failed = 0;
  request.on('response', (response: InstanceType<typeof responses.CGetResponse>) => {
    failed = Number(response.getFailures?.() ?? 0);
  });
  await associate(target, callingAe, [request], async (dataset) => {
    const sop = String(dataset.getElement('SOPInstanceUID') ?? '');
    if (!/^[0-9]+(\.[0-9]+)*$/.test(sop)) throw new Error('an instance without a valid SOP Instance UID');
    await saveDataset(dataset, dir, sop);
    progress({ phase: 'retrieve', done: ++done, message: `series ${series}` });
  });
  if (done === 0 || failed > 0) {
    throw new MhubError(
      'ENVIRONMENT',
      `${target.ae}@${target.host}:${target.port} sent ${done} instances of series ${series}${failed ? ` and failed ${failed}` : ''}`,
      `check that the PACS lets ${callingAe} retrieve (C-GET), and its log`,
    );
  }
  return { instances: done, resumed: 0, bytes: 0 };
}
