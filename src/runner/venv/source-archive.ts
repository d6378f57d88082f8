// A model's code from an archive (runtimes.venv.source.url + sha256): downloaded once into
// $MHUB_HOME/sources/<sha256>.archive and unpacked by the environment's Python (unpack.py.ts:
// nothing may land outside) into $MHUB_HOME/sources/<sha256>/, which src/fsafe publishes whole,
// so the folder existing means it is complete. The archive's root is the model's source folder
// (what PYTHONPATH gets). Keyed by sha256: cards and versions with one archive share it.
import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { MhubError } from '../../errors.ts';
import { writeAtomic } from '../../fsafe/index.ts';
import type { CardRecord, VenvRuntime } from '../../registry/index.ts';
import { sourcePaths } from '../contract/index.ts';
import type { Progress } from '../progress-events.ts';
import { downloadVerified, sha256File } from './download.ts';
import { UNPACK_PY } from './unpack.py.ts';

export interface SourceArchive {
  url: string;
  sha256: string;
  /** The downloaded archive, checked. */
  archive: string;
  /** The unpacked code. */
  dir: string;
}

/** The card's source archive and where it is cached; undefined when the card names a folder. */
export function sourceArchive(
  record: CardRecord,
  runtime: VenvRuntime,
  home: string,
): SourceArchive | undefined {
  const source = runtime.source;
  if (!source?.url) return undefined;
  if (source.path) {
    throw new MhubError(
      'INVALID_INPUT',
      `${record.file}: runtimes.venv.source has both path and url`,
      'give either path (a folder in the repository) or url with sha256 (an archive), not both',
    );
  }
  if (!source.sha256) {
    throw new MhubError(
      'INVALID_INPUT',
      `${record.file}: runtimes.venv.source.url has no sha256`,
      "add runtimes.venv.source.sha256: the archive's SHA-256 (sha256sum <archive>)",
    );
  }
  return { url: source.url, sha256: source.sha256, ...sourcePaths(home, source.sha256) };
}

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

/** Downloads (unless cached and intact) and unpacks the archive into `source.dir`. */
export async function ensureSource(
  record: CardRecord,
  source: SourceArchive,
  python: { command: string; args?: string[] },
  { progress, signal }: { progress: Progress; signal?: AbortSignal },
): Promise<void> {
  if (await exists(source.dir)) return;
  if ((await sha256File(source.archive).catch(() => undefined)) !== source.sha256) {
    await downloadVerified(source.url, source.archive, source.sha256, {
      progress,
      signal,
      where: `${record.file}: runtimes.venv.source.url`,
      shaField: 'runtimes.venv.source.sha256',
    });
  }
  progress({ phase: 'install', done: 0, message: 'unpacking the source archive' });
  try {
    await writeAtomic(source.dir, (temp) => unpack(record, source, python, temp, signal));
  } catch (error) {
    // Unpacked meanwhile by another run (another model or version with the same archive).
    if (!(await exists(source.dir))) throw error;
  }
}

function unpack(
  record: CardRecord,
  source: SourceArchive,
  python: { command: string; args?: string[] },
  target: string,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      python.command,
      [...(python.args ?? []), '-I', '-c', UNPACK_PY, source.archive, target],
      { maxBuffer: 16 * 2 ** 20, signal },
      (error, stdout, stderr) => {
        if (!error) return resolve();
        const where = `${record.file}: the archive at runtimes.venv.source.url (${source.url})`;
        if (error.code === 3) {
          const refusal = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as {
            entry?: string;
            why?: string;
            format?: string;
          };
          return reject(
            refusal.format
              ? new MhubError(
                  'INVALID_INPUT',
                  `${where} ${refusal.format}`,
                  'publish the code as .tar.gz or .zip',
                )
              : new MhubError(
                  'INVALID_INPUT',
                  `${where} holds '${refusal.entry}', which ${refusal.why}; nothing was unpacked`,
                  'rebuild the archive with relative paths, and links that stay inside it',
                ),
          );
        }
        if (signal?.aborted)
          return reject(new MhubError('CANCELLED', 'the run was cancelled while unpacking'));
        const last = `${stderr}`.trim().split('\n').slice(-1)[0] ?? '';
        reject(new MhubError('ENVIRONMENT', `${where} could not be unpacked: ${last}`));
      },
    );
  });
}
