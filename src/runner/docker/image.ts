// Making sure the image is present: by digest when the card pins one, else by tag; pulled
// with layer/byte progress as the pull policy says (--pull missing | always | never). An image
// is used only when it carries the card's digest: Docker checks what it pulls by digest, and a
// local image found by tag alone (--pull never) is refused when its digest differs.

import { readFile } from 'node:fs/promises';
import type Docker from 'dockerode';
import { MhubError } from '../../errors.ts';
import type { DockerRuntime } from '../../registry/index.ts';
import { imageReference, loadedImagePath } from '../contract/index.ts';
import type { Progress } from '../progress-events.ts';

async function present(docker: Docker, ref: string): Promise<boolean> {
  try {
    await docker.getImage(ref).inspect();
    return true;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return false;
    throw error;
  }
}

interface PullEvent {
  id?: string;
  status?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
}

export type PullPolicy = 'missing' | 'always' | 'never';
export const PULL_POLICIES: readonly PullPolicy[] = ['missing', 'always', 'never'];

/** With --pull never and the pinned digest absent: is the tag here with another digest? */
async function neverPulled(docker: Docker, runtime: DockerRuntime, ref: string): Promise<MhubError> {
  const tagged = `${runtime.image}:${runtime.tag ?? 'latest'}`;
  if (runtime.digest && (await present(docker, tagged))) {
    const info = await docker.getImage(tagged).inspect();
    const digests = (info.RepoDigests ?? []).map((d) => d.slice(d.indexOf('@') + 1));
    return new MhubError(
      'INVALID_INPUT',
      `image ${tagged} on this machine is not the one the card pins: its digest is ${digests.join(', ') || 'unknown (built or loaded locally)'}, the card's ${runtime.digest}`,
      'run with --pull missing to fetch the pinned image, or fix runtimes.docker.digest in the card',
    );
  }
  return new MhubError(
    'NOT_FOUND',
    `image ${ref} is not on this machine and --pull never was given`,
    'run with --pull missing, or load the image first (docker load / docker pull)',
  );
}

/** The id of the image `mhub load` recorded for `ref` (see loadedImagePath), if it is still here. */
async function loadedImage(docker: Docker, home: string, runtime: DockerRuntime, ref: string) {
  if (!runtime.digest) return undefined;
  try {
    const record = JSON.parse(await readFile(loadedImagePath(home, runtime.digest), 'utf8')) as {
      ref?: string;
      id?: string;
    };
    if (record.ref !== ref || !record.id) return undefined;
    const info = await docker.getImage(record.id).inspect();
    return info.Id === record.id ? record.id : undefined;
  } catch {
    return undefined; // no record, or the image was removed since
  }
}

/**
 * Returns what to create the container from: `image@digest` (or `image:tag`), or the id of the
 * image a bundle loaded for it (`home` given: $MHUB_HOME).
 */
export async function ensureImage(
  docker: Docker,
  runtime: DockerRuntime,
  progress: Progress,
  policy: PullPolicy = 'missing',
  home?: string,
): Promise<string> {
  const ref = imageReference(runtime);
  if (policy !== 'always' && (await present(docker, ref))) return ref;
  const loaded = policy !== 'always' && home ? await loadedImage(docker, home, runtime, ref) : undefined;
  if (loaded) return loaded;
  if (policy === 'never') throw await neverPulled(docker, runtime, ref);
  progress({ phase: 'pull', done: 0, message: ref });
  const layers = new Map<string, { current: number; total: number }>();
  try {
    const stream = await docker.pull(ref);
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(
        stream,
        (error: Error | null, events: PullEvent[]) => {
          const failed = events?.find((e) => e.error)?.error;
          if (error || failed) reject(error ?? new Error(failed));
          else resolve();
        },
        (event: PullEvent) => {
          if (!event.id || !event.progressDetail?.total) return;
          layers.set(event.id, {
            current: event.progressDetail.current ?? 0,
            total: event.progressDetail.total,
          });
          let done = 0;
          let total = 0;
          for (const l of layers.values()) {
            done += l.current;
            total += l.total;
          }
          const mb = (n: number) => (n / 1e6).toFixed(1);
          progress({
            phase: 'pull',
            done,
            total,
            message: `${ref} (${layers.size} layer${layers.size === 1 ? '' : 's'}, ${mb(done)} of ${mb(total)} MB)`,
          });
        },
      );
    });
  } catch (error) {
    const text = String((error as { json?: { message?: string } }).json?.message ?? (error as Error).message);
    const first = text.split('\n')[0];
    if (/verification failed|digest did not match|unexpected digest|digest mismatch/i.test(text)) {
      throw new MhubError(
        'INVALID_INPUT',
        `refused image ${ref}: its registry sent content whose digest is not the one the card pins (${first})`,
        'the registry or a mirror serves altered content; pull from another registry, or check runtimes.docker.digest',
        { cause: error },
      );
    }
    if (/unauthorized|denied|authentication required|no basic auth credentials/i.test(text)) {
      throw new MhubError(
        'ENVIRONMENT',
        `the registry refused to send image ${ref} (${first})`,
        `log in first: docker login ${runtime.image.split('/')[0]}`,
        { cause: error },
      );
    }
    const unreachable =
      /dial tcp|lookup|no such host|timeout|connection refused|network is unreachable/i.test(text);
    throw new MhubError(
      unreachable ? 'ENVIRONMENT' : 'NOT_FOUND',
      unreachable
        ? `cannot pull image ${ref}: no container registry is reachable (${text.split('\n')[0]})`
        : `image ${ref} was not found locally or in its registry (${text.split('\n')[0]})`,
      unreachable
        ? 'connect to the network, or load the image first (docker load / docker build), or use --backend venv'
        : `check runtimes.docker.image and tag in the card, or build it locally (docker build -t ${ref} ...)`,
      { cause: error },
    );
  }
  if (!(await present(docker, ref)))
    throw new MhubError('NOT_FOUND', `image ${ref} is missing after the pull`);
  return ref;
}
