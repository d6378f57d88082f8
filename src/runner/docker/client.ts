// Connecting to the Docker daemon, with one clear error when it is not there. Which endpoint
// (socket, named pipe, DOCKER_HOST, Docker context) and the fix per OS: src/platform.
import type Docker from 'dockerode';
import { MhubError } from '../../errors.ts';
import {
  type DockerEndpoint,
  dockerEndpoint,
  dockerTrouble,
  type Probe,
  systemProbe,
} from '../../platform/index.ts';

/** dockerode is loaded on first use: a venv run should not pay for its start-up. */
export async function dockerClient(socket?: string, probe: Probe = systemProbe()): Promise<Docker> {
  const { default: DockerClass } = await import('dockerode');
  const endpoint = dockerEndpoint(probe, socket);
  // No modem options: dockerode reads DOCKER_HOST (tcp, ssh) with its TLS variables itself.
  return endpoint.modem ? new DockerClass(endpoint.modem) : new DockerClass();
}

/** Pings the daemon (with a short deadline) and returns its version, or throws ENVIRONMENT. */
export async function connectDocker(
  socket?: string,
  timeoutMs = 5000,
  probe: Probe = systemProbe(),
): Promise<{ docker: Docker; version: string; endpoint: DockerEndpoint }> {
  const docker = await dockerClient(socket, probe);
  const endpoint = dockerEndpoint(probe, socket);
  try {
    await withDeadline(docker.ping(), timeoutMs, 'ping');
    const version = (await withDeadline(docker.version(), timeoutMs, 'version')) as { Version?: string };
    return { docker, version: version.Version ?? 'unknown', endpoint };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException)?.code;
    const known = code === 'EACCES' || code === 'EPERM' || code === 'ENOENT' || code === 'ECONNREFUSED';
    const trouble = dockerTrouble(probe, endpoint, code);
    throw new MhubError(
      'ENVIRONMENT',
      `cannot reach the Docker daemon at ${endpoint.address}: ${known ? trouble.why : (error as Error)?.message}`,
      trouble.fix,
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
