// Connecting to the Docker daemon, with one clear error when it is not there.
import type Docker from 'dockerode';
import { MhubError } from '../../errors.ts';

/** dockerode is loaded on first use: a venv run should not pay for its start-up. */
export async function dockerClient(socket?: string): Promise<Docker> {
  const { default: DockerClass } = await import('dockerode');
  if (socket) return new DockerClass({ socketPath: socket });
  return new DockerClass(); // DOCKER_HOST, or /var/run/docker.sock
}

export function describeDaemon(socket?: string): string {
  return socket ?? process.env.DOCKER_HOST ?? '/var/run/docker.sock';
}

/** Pings the daemon (with a short deadline) and returns its version, or throws ENVIRONMENT. */
export async function connectDocker(
  socket?: string,
  timeoutMs = 5000,
): Promise<{ docker: Docker; version: string }> {
  const docker = await dockerClient(socket);
  const where = describeDaemon(socket);
  try {
    await withDeadline(docker.ping(), timeoutMs, 'ping');
    const version = (await withDeadline(docker.version(), timeoutMs, 'version')) as { Version?: string };
    return { docker, version: version.Version ?? 'unknown' };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException)?.code;
    const why =
      code === 'EACCES'
        ? 'permission denied on the Docker socket'
        : code === 'ENOENT' || code === 'ECONNREFUSED'
          ? 'no Docker daemon is running there'
          : (error as Error)?.message;
    throw new MhubError(
      'ENVIRONMENT',
      `cannot reach the Docker daemon at ${where}: ${why}`,
      code === 'EACCES'
        ? 'add your user to the docker group (sudo usermod -aG docker $USER, then log in again), or use --backend venv'
        : 'start Docker (e.g. sudo systemctl start docker) or set DOCKER_HOST, or use --backend venv',
      { cause: error },
    );
  }
}

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer to ${what} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
