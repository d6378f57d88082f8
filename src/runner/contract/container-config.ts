// The container a run gets, as the Docker Engine API's create body: the one description of the
// safety defaults. The Node runner sends it through dockerode; `dockerCliArgs` spells the same
// body as `docker create`/`docker run` flags for the catalog's line and, through the generated
// MHubLib/contract_gen.py, for the Slicer launcher.
import { INPUT_MOUNT, OUTPUT_MOUNT } from './names.ts';

/**
 * Who the container runs as when the caller is root: nobody:nogroup. A model never needs root,
 * and a root process in the container would own what it writes on the host.
 */
export const UNPRIVILEGED_USER = '65534:65534';
/** Processes and threads a container may hold: room for data loaders, not for a fork bomb. */
export const PIDS_LIMIT = 4096;
/** HOME points at a writable folder for any uid (the caller's uid has no home in the image). */
export const CONTAINER_ENV = ['HOME=/tmp'];

const GPU_REQUEST = { Driver: 'nvidia', Count: -1, Capabilities: [['gpu']] };

export interface ContainerSpec {
  image: string;
  /** Unique per run (containerName), so a cancel can find it before create has returned. */
  name?: string;
  cmd?: string[];
  inputDir: string;
  outputDir: string;
  labels?: Record<string, string>;
  /** uid:gid, from containerUser; none on Windows (Docker Desktop maps users itself). */
  user?: string;
  gpu?: boolean;
  memoryBytes?: number;
  env?: string[];
}

export interface ContainerConfig {
  name?: string;
  Image: string;
  Cmd?: string[];
  Labels?: Record<string, string>;
  User?: string;
  Env: string[];
  HostConfig: {
    Binds: string[];
    NetworkMode: string;
    CapDrop: string[];
    SecurityOpt: string[];
    PidsLimit: number;
    Memory?: number;
    MemorySwap?: number;
    DeviceRequests?: (typeof GPU_REQUEST)[];
  };
}

/** The caller's uid:gid, or the unprivileged user when the caller is root. */
export function containerUser(uid: number | undefined, gid: number | undefined): string | undefined {
  if (uid === undefined) return undefined;
  return uid === 0 ? UNPRIVILEGED_USER : `${uid}:${gid ?? uid}`;
}

/** No network, read-only input, no new privileges, no capabilities, a pids limit, not root. */
export function containerConfig(spec: ContainerSpec): ContainerConfig {
  const labels = spec.labels ?? {};
  return {
    ...(spec.name ? { name: spec.name } : {}),
    Image: spec.image,
    ...(spec.cmd ? { Cmd: spec.cmd } : {}),
    ...(Object.keys(labels).length > 0 ? { Labels: labels } : {}),
    ...(spec.user ? { User: spec.user } : {}),
    Env: [...CONTAINER_ENV, ...(spec.env ?? [])],
    HostConfig: {
      Binds: [`${spec.inputDir}:${INPUT_MOUNT}:ro`, `${spec.outputDir}:${OUTPUT_MOUNT}:rw`],
      NetworkMode: 'none',
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      PidsLimit: PIDS_LIMIT,
      ...(spec.memoryBytes ? { Memory: spec.memoryBytes, MemorySwap: spec.memoryBytes } : {}),
      ...(spec.gpu ? { DeviceRequests: [GPU_REQUEST] } : {}),
    },
  };
}

const repeat = (flag: string, values: readonly string[] | undefined) =>
  (values ?? []).flatMap((v) => [flag, v]);

/**
 * The same body as docker CLI flags, ending with the image and its command. A field without a
 * translation is an error, so the two spellings cannot drift apart.
 */
export function dockerCliArgs(config: ContainerConfig): string[] {
  const { name, Image, Cmd, Labels, User, Env, HostConfig, ...rest } = config;
  const {
    Binds,
    NetworkMode,
    CapDrop,
    SecurityOpt,
    PidsLimit,
    Memory,
    MemorySwap,
    DeviceRequests,
    ...hostRest
  } = HostConfig;
  const unknown = [...Object.keys(rest), ...Object.keys(hostRest)];
  if (unknown.length > 0) throw new Error(`dockerCliArgs: no CLI spelling for ${unknown.join(', ')}`);
  return [
    ...(name ? ['--name', name] : []),
    ...Object.entries(Labels ?? {}).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
    ...(User ? ['--user', User] : []),
    ...repeat('--env', Env),
    '--network',
    NetworkMode,
    ...repeat('--cap-drop', CapDrop),
    ...repeat('--security-opt', SecurityOpt),
    '--pids-limit',
    String(PidsLimit),
    ...(Memory ? ['--memory', `${Memory}b`] : []),
    ...(MemorySwap ? ['--memory-swap', `${MemorySwap}b`] : []),
    ...(DeviceRequests?.length ? ['--gpus', 'all'] : []),
    ...repeat('--volume', Binds),
    Image,
    ...(Cmd ?? []),
  ];
}
