// Where the Docker engine answers on this OS: --docker-socket, DOCKER_HOST, the current Docker
// context (~/.docker/config.json currentContext -> contexts/meta/<sha256(name)>/meta.json), then
// each OS's usual sockets. And, when none answers, whether Docker is missing or only stopped,
// with that OS's fix (matrix.ts).
import { type PlatformId, platformInfo } from './matrix.ts';
import { findOnPath, isWsl, type Probe, pathsOf, sha256 } from './probe.ts';

export interface DockerEndpoint {
  /** unix socket path, Windows named pipe, or a tcp/ssh address. */
  address: string;
  kind: 'unix' | 'npipe' | 'tcp' | 'ssh';
  /** Where it came from: "--docker-socket", "DOCKER_HOST", "context colima", "Colima", ... */
  source: string;
  /** Whether the socket or pipe is there (tcp/ssh: not known until asked). */
  present: boolean;
  /** What to give dockerode; undefined: let dockerode read DOCKER_HOST and its TLS variables. */
  modem?: { socketPath: string } | { host: string; port: number; protocol: 'http' | 'https' };
}

export function platformId(probe: Pick<Probe, 'os' | 'arch' | 'env' | 'kernel'>): PlatformId {
  if (probe.os === 'win32') return 'windows';
  if (probe.os === 'darwin') return probe.arch === 'arm64' ? 'macos-arm64' : 'macos-x64';
  return isWsl(probe) ? 'wsl2' : 'linux';
}

/** The OS's usual sockets, most common first. */
export function knownSockets(probe: Probe): { address: string; source: string }[] {
  const p = pathsOf(probe);
  const h = (...parts: string[]) => p.join(probe.home, ...parts);
  if (probe.os === 'win32')
    return [{ address: '//./pipe/docker_engine', source: 'Docker Desktop named pipe' }];
  const system = { address: '/var/run/docker.sock', source: 'system socket' };
  if (probe.os === 'darwin') {
    return [
      system,
      { address: h('.docker', 'run', 'docker.sock'), source: 'Docker Desktop' },
      { address: h('.colima', 'default', 'docker.sock'), source: 'Colima' },
      { address: h('.colima', 'docker.sock'), source: 'Colima (older)' },
      { address: h('.rd', 'docker.sock'), source: 'Rancher Desktop' },
      { address: h('.orbstack', 'run', 'docker.sock'), source: 'OrbStack' },
    ];
  }
  const rootless = probe.env.XDG_RUNTIME_DIR
    ? [{ address: p.join(probe.env.XDG_RUNTIME_DIR, 'docker.sock'), source: 'rootless Docker' }]
    : [];
  return [
    system,
    ...rootless,
    { address: h('.docker', 'desktop', 'docker.sock'), source: 'Docker Desktop for Linux' },
  ];
}

/** An endpoint from a DOCKER_HOST-style address (unix://, npipe://, tcp://, ssh://). */
export function parseDockerHost(host: string, source: string, probe: Probe): DockerEndpoint | undefined {
  const m = /^([a-z]+):\/\/(.*)$/.exec(host.trim());
  if (!m) return undefined;
  const [, scheme, rest = ''] = m;
  if (scheme === 'unix') return socketEndpoint(rest, 'unix', source, probe);
  if (scheme === 'npipe') return socketEndpoint(rest.replace(/\\/g, '/'), 'npipe', source, probe);
  if (scheme === 'tcp' || scheme === 'http' || scheme === 'https') {
    const hp = /^\[?([^\]/]+?)\]?(?::(\d+))?\/?$/.exec(rest);
    if (!hp) return undefined;
    const tls = scheme === 'https' || Boolean(probe.env.DOCKER_TLS_VERIFY);
    return {
      address: host,
      kind: 'tcp',
      source,
      present: true,
      modem: { host: hp[1]!, port: Number(hp[2] ?? (tls ? 2376 : 2375)), protocol: tls ? 'https' : 'http' },
    };
  }
  if (scheme === 'ssh') return { address: host, kind: 'ssh', source, present: true };
  return undefined;
}

function socketEndpoint(
  address: string,
  kind: 'unix' | 'npipe',
  source: string,
  probe: Probe,
): DockerEndpoint {
  const native = kind === 'npipe' ? address.replace(/\//g, '\\') : address;
  return { address, kind, source, present: probe.exists(native), modem: { socketPath: address } };
}

/** The current context's name and endpoint (DOCKER_CONTEXT, else config.json currentContext). */
export function contextEndpoint(probe: Probe): DockerEndpoint | undefined {
  const p = pathsOf(probe);
  const configDir = probe.env.DOCKER_CONFIG || p.join(probe.home, '.docker');
  let name = probe.env.DOCKER_CONTEXT;
  if (!name) {
    const text = probe.readText(p.join(configDir, 'config.json'));
    try {
      name = text ? (JSON.parse(text) as { currentContext?: string }).currentContext : undefined;
    } catch {
      name = undefined;
    }
  }
  if (!name || name === 'default') return undefined;
  const meta = probe.readText(p.join(configDir, 'contexts', 'meta', sha256(name), 'meta.json'));
  if (!meta) return undefined;
  try {
    const host = (JSON.parse(meta) as { Endpoints?: { docker?: { Host?: string } } }).Endpoints?.docker?.Host;
    return host ? parseDockerHost(host, `context ${name}`, probe) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The endpoint to use: an explicit socket, DOCKER_HOST, the current context, the first usual
 * socket that exists; else the OS's default one (present: false).
 */
export function dockerEndpoint(probe: Probe, explicit?: string): DockerEndpoint {
  if (explicit) {
    return (
      parseDockerHost(explicit, '--docker-socket', probe) ??
      socketEndpoint(
        explicit,
        /^(\/\/|\\\\)\.[/\\]pipe[/\\]/.test(explicit) ? 'npipe' : 'unix',
        '--docker-socket',
        probe,
      )
    );
  }
  if (probe.env.DOCKER_HOST) {
    const e = parseDockerHost(probe.env.DOCKER_HOST, 'DOCKER_HOST', probe);
    // tcp/ssh: dockerode reads DOCKER_HOST with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH itself.
    if (e) return e.kind === 'tcp' || e.kind === 'ssh' ? { ...e, modem: undefined } : e;
  }
  const context = contextEndpoint(probe);
  if (context) return context;
  const known = knownSockets(probe).map((s) =>
    socketEndpoint(s.address, probe.os === 'win32' ? 'npipe' : 'unix', s.source, probe),
  );
  return known.find((k) => k.present) ?? known[0]!;
}

/** Files whose presence says a Docker engine is installed (Docker Desktop, Colima, ...). */
function installMarkers(probe: Probe): string[] {
  const p = pathsOf(probe);
  if (probe.os === 'win32') {
    const roots = [probe.env.ProgramFiles, probe.env.ProgramW6432].filter(Boolean) as string[];
    const local = probe.env.LOCALAPPDATA;
    return [
      ...(roots.length ? roots : ['C:\\Program Files']).map((r) =>
        p.join(r, 'Docker', 'Docker', 'Docker Desktop.exe'),
      ),
      ...(local ? [p.join(local, 'Programs', 'Rancher Desktop', 'Rancher Desktop.exe')] : []),
    ];
  }
  if (probe.os === 'darwin') {
    return [
      '/Applications/Docker.app',
      p.join(probe.home, 'Applications', 'Docker.app'),
      '/Applications/OrbStack.app',
      '/Applications/Rancher Desktop.app',
      '/opt/homebrew/bin/colima',
      '/usr/local/bin/colima',
    ];
  }
  return ['/usr/bin/dockerd', '/usr/local/bin/dockerd', '/snap/bin/docker'];
}

export function dockerInstalled(probe: Probe): boolean {
  return Boolean(findOnPath('docker', probe)) || installMarkers(probe).some((m) => probe.exists(m));
}

export interface DockerTrouble {
  /** Why the engine did not answer, one sentence. */
  why: string;
  fix: string;
  installed: boolean;
}

/**
 * Why Docker did not answer at the endpoint, and this OS's fix. `errorCode` is the connection's
 * error code (EACCES, ENOENT, ECONNREFUSED...), when there was one.
 */
export function dockerTrouble(probe: Probe, endpoint: DockerEndpoint, errorCode?: string): DockerTrouble {
  const info = platformInfo(platformId(probe));
  const installed = dockerInstalled(probe);
  if (errorCode === 'EACCES' || errorCode === 'EPERM') {
    return {
      why: `permission denied on ${endpoint.address}`,
      fix:
        probe.os === 'linux'
          ? 'add your user to the docker group (sudo usermod -aG docker $USER, then log in again), or use --backend venv'
          : `check that ${endpoint.address} belongs to you (restart the Docker app), or use --backend venv`,
      installed,
    };
  }
  if (endpoint.kind === 'tcp' || endpoint.kind === 'ssh') {
    return {
      why: `no Docker engine answers at ${endpoint.address} (${endpoint.source})`,
      fix: `start the engine there, or unset ${endpoint.source === 'DOCKER_HOST' ? 'DOCKER_HOST' : 'the context (docker context use default)'}, or use --backend venv`,
      installed: true,
    };
  }
  if (!installed && endpoint.source !== '--docker-socket') {
    return { why: 'Docker is not installed', fix: `${info.installDocker}, or use --backend venv`, installed };
  }
  return {
    why: `Docker is installed but its engine is not running (nothing answers at ${endpoint.address}, ${endpoint.source})`,
    fix: `${info.startDocker}, or use --backend venv`,
    installed,
  };
}
