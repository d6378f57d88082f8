// One container, start to removal: safety defaults, labels, demuxed logs, timeout/cancel,
// exit status and OOM. The container is always removed, whatever happens.
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { MhubError } from '../../errors.ts';
import {
  bindSource,
  containerUserFor,
  MountPathError,
  type Probe,
  systemProbe,
} from '../../platform/index.ts';
import { type ContainerSpec, containerConfig, containerUser } from '../contract/index.ts';
import { modelOutput, type Progress } from '../progress-events.ts';

/** The uid:gid this process's containers run as: the contract's rule, on Linux engines only. */
export function callerContainerUser(probe: Probe = systemProbe()): string | undefined {
  return containerUserFor(probe, containerUser);
}

/** A host folder as the engine mounts it (src/platform: Windows drives, refused UNC paths...). */
function mountable(folder: string, probe: Probe): string {
  try {
    return bindSource(folder, probe);
  } catch (error) {
    if (error instanceof MountPathError) throw new MhubError('INVALID_INPUT', error.message, error.fix);
    throw error;
  }
}

/** The contract's container (contract/container-config.ts), attached for its output. */
export function createOptions(
  spec: ContainerSpec,
  probe: Probe = systemProbe(),
): Docker.ContainerCreateOptions {
  return {
    ...containerConfig({
      ...spec,
      inputDir: mountable(spec.inputDir, probe),
      outputDir: mountable(spec.outputDir, probe),
      user: spec.user ?? callerContainerUser(probe),
    }),
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
  };
}

export interface ContainerRunOptions {
  signal: AbortSignal;
  progress: Progress;
  log: (line: string) => void;
}

export async function runContainer(
  docker: Docker,
  spec: ContainerSpec & { name: string },
  options: ContainerRunOptions,
): Promise<void> {
  const { signal, progress, log } = options;
  if (signal.aborted) throw abortError(signal, spec.name);
  let container: Docker.Container;
  try {
    container = await docker.createContainer(createOptions(spec));
  } catch (error) {
    throw createError(error, spec);
  }
  const output = modelOutput(progress, log);
  const onAbort = () => {
    container.kill().catch(() => {});
  };
  try {
    // Cancelled while create was in flight: never start it (the finally removes it).
    if (signal.aborted) throw abortError(signal, spec.name);
    const stream = await container.attach({ stream: true, stdout: true, stderr: true });
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    stdout.on('data', (c) => output.stdout.push(c));
    stderr.on('data', (c) => output.stderr.push(c));
    const ended = new Promise<void>((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', () => resolve());
    });
    docker.modem.demuxStream(stream, stdout, stderr);

    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await container.start();
    } catch (error) {
      throw startError(error, spec);
    }
    if (signal.aborted) onAbort();
    const result = (await container.wait()) as { StatusCode: number };
    // The log stream can trail the exit a little: give it a moment to drain.
    await Promise.race([ended, new Promise((r) => setTimeout(r, 500))]);
    output.end();
    if (signal.aborted) throw abortError(signal, spec.name);
    const state = ((await container.inspect()) as { State: { OOMKilled?: boolean } }).State;
    if (state.OOMKilled) {
      const limit = spec.memoryBytes ? ` (limit ${Math.round(spec.memoryBytes / 2 ** 20)} MiB)` : '';
      throw new MhubError(
        'RUN_FAILED',
        `${spec.image} was killed: out of memory${limit}`,
        'give the container more memory (--memory) or run on a machine with more RAM',
      );
    }
    if (result.StatusCode !== 0) {
      throw new MhubError(
        'RUN_FAILED',
        `${spec.image} exited with code ${result.StatusCode}${output.lastLines()}`,
        'read the model output above; check the input matches what the card declares',
      );
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    await container.remove({ force: true, v: true }).catch(() => {});
  }
}

export function abortError(signal: AbortSignal, name: string): MhubError {
  const reason = signal.reason as { timeoutMs?: number } | undefined;
  if (reason && typeof reason.timeoutMs === 'number') {
    return new MhubError(
      'TIMEOUT',
      `the run timed out after ${Math.round(reason.timeoutMs / 1000)} s and was stopped (${name})`,
      'raise --timeout, or use a GPU if the model supports one',
    );
  }
  return new MhubError('CANCELLED', `the run was cancelled (${name})`);
}

function createError(error: unknown, spec: Pick<ContainerSpec, 'image'>): MhubError {
  const text = (error as Error)?.message ?? String(error);
  return new MhubError('RUN_FAILED', `cannot create a container from ${spec.image}: ${text}`, undefined, {
    cause: error,
  });
}

function startError(error: unknown, spec: Pick<ContainerSpec, 'image' | 'gpu'>): MhubError {
  const text = (error as Error)?.message ?? String(error);
  if (spec.gpu && /device driver|nvidia|gpu/i.test(text)) {
    return new MhubError(
      'ENVIRONMENT',
      `Docker cannot give ${spec.image} a GPU: ${text.split('\n')[0]}`,
      'install the NVIDIA Container Toolkit (nvidia-ctk runtime configure --runtime=docker) or run with --gpu off',
      { cause: error },
    );
  }
  return new MhubError('RUN_FAILED', `cannot start ${spec.image}: ${text}`, undefined, { cause: error });
}
