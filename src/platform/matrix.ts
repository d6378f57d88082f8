// The supported-platforms table: what each operating system runs, with which GPU, tested where,
// its known limits and the fixes the doctor prints. `mhub doctor` and the runner take their fix
// texts from here, and the catalog's "Supported platforms" page is rendered from it.

export type PlatformId = 'linux' | 'wsl2' | 'windows' | 'macos-arm64' | 'macos-x64';
export type Backend = 'docker' | 'venv';
export type GpuDevice = 'cuda' | 'mps' | 'none';
/** full: model runs in this repository's CI; tables: platform logic and the portable suites on
 * GitHub's runners (no model run); untested: nobody runs it automatically. */
export type Tested = 'full' | 'tables' | 'untested';

export interface PlatformRow {
  platform: PlatformId;
  backend: Backend;
  /** The GPU a model gets there, when the machine has one. */
  gpu: GpuDevice;
  tested: Tested;
  note: string;
}

export interface PlatformInfo {
  id: PlatformId;
  name: string;
  /** Docker engines found there, in the order they are looked for. */
  engines: string[];
  /** Fix when no Docker is installed (the CLI adds "or use --backend venv"). */
  installDocker: string;
  /** Fix when Docker is installed but its engine is not running. */
  startDocker: string;
  /** Fix when a run asks for a GPU and none is there for the backend. */
  gpuFix: string;
  /** Where the portable suites run (GitHub Actions runner), if anywhere. */
  runner?: string;
  limits: string[];
  /** What `mhub doctor` checks there, beyond the common checks. */
  checks: string[];
}

// Where Docker is looked for on a Mac, Apple Silicon and Intel alike (src/platform/docker-endpoint.ts).
const MAC_ENGINES = [
  'DOCKER_HOST',
  'current Docker context',
  '/var/run/docker.sock',
  'Docker Desktop (~/.docker/run/docker.sock)',
  'Colima (~/.colima/default/docker.sock)',
  'Rancher Desktop (~/.rd/docker.sock)',
  'OrbStack (~/.orbstack/run/docker.sock)',
];

export const PLATFORMS: readonly PlatformInfo[] = [
  {
    id: 'linux',
    name: 'Linux',
    engines: [
      'DOCKER_HOST',
      'current Docker context',
      '/var/run/docker.sock',
      'rootless Docker ($XDG_RUNTIME_DIR/docker.sock)',
      'Docker Desktop for Linux (~/.docker/desktop/docker.sock)',
    ],
    gpuFix:
      'install the NVIDIA driver (and the NVIDIA Container Toolkit for Docker), or run with --gpu off if the model allows it',
    installDocker: 'install Docker Engine (https://docs.docker.com/engine/install/)',
    startDocker: 'start Docker: sudo systemctl start docker (rootless: systemctl --user start docker)',
    runner: 'ubuntu-latest',
    limits: [
      'the caller uid:gid owns what a container writes; a root caller runs it as nobody (65534:65534)',
    ],
    checks: ['Docker endpoint and socket permission', 'NVIDIA driver and NVIDIA Container Toolkit'],
  },
  {
    id: 'wsl2',
    name: 'Windows, inside WSL2',
    engines: [
      'DOCKER_HOST',
      'current Docker context',
      '/var/run/docker.sock (Docker Desktop WSL integration)',
    ],
    gpuFix:
      'install the NVIDIA driver on Windows (not inside WSL), or run with --gpu off if the model allows it',
    installDocker:
      'install Docker Desktop on Windows with the WSL 2 backend (https://docs.docker.com/desktop/features/wsl/) and enable the integration for this distro',
    startDocker:
      'start Docker Desktop on Windows and enable Settings > Resources > WSL integration for this distro',
    limits: [
      "Windows paths given as C:\\... are read as /mnt/c/...; files under /mnt/c are slower than the distro's own",
    ],
    checks: ['WSL2 detected', 'Docker Desktop WSL integration', 'NVIDIA GPU through the Windows driver'],
  },
  {
    id: 'windows',
    name: 'Windows',
    engines: [
      'DOCKER_HOST',
      'current Docker context',
      'named pipe //./pipe/docker_engine (Docker Desktop, Rancher Desktop)',
    ],
    gpuFix:
      'install a recent NVIDIA driver (Docker Desktop passes the GPU through WSL 2), or run with --gpu off if the model allows it',
    installDocker:
      'install Docker Desktop with the WSL 2 backend (https://docs.docker.com/desktop/setup/install/windows-install/)',
    startDocker: 'start Docker Desktop from the Start menu and wait until it shows "Engine running"',
    runner: 'windows-latest',
    limits: [
      'drive paths are mounted as /run/desktop/mnt/host/<drive>/... (Docker Desktop, WSL 2 backend)',
      'network (UNC) and \\\\wsl$ paths cannot be mounted: copy the data to a local drive',
      'paths longer than 260 characters need Windows long paths enabled',
    ],
    checks: ['Docker Desktop running', 'Windows long paths for the environment cache'],
  },
  {
    id: 'macos-arm64',
    name: 'macOS on Apple Silicon',
    engines: MAC_ENGINES,
    gpuFix: 'use --backend venv (the Apple GPU through MPS), or run with --gpu off if the model allows it',
    installDocker:
      'install Docker Desktop (https://docs.docker.com/desktop/setup/install/mac-install/) or Colima (brew install colima docker)',
    startDocker: 'start Docker: open -a Docker (Colima: colima start; OrbStack: open -a OrbStack)',
    runner: 'macos-latest',
    limits: [
      'containers get no GPU (Docker runs them in a Linux VM)',
      'an image built for amd64 only runs under emulation, several times slower',
      'venv models use the Apple GPU through PyTorch MPS when the model supports it',
    ],
    checks: ['Docker endpoint (Docker Desktop, Colima, Rancher Desktop, OrbStack)', 'amd64-only images'],
  },
  {
    id: 'macos-x64',
    name: 'macOS on Intel',
    engines: MAC_ENGINES,
    gpuFix: 'a Mac on Intel has no GPU models can use: run with --gpu off if the model allows it',
    installDocker:
      'install Docker Desktop (https://docs.docker.com/desktop/setup/install/mac-install/) or Colima (brew install colima docker)',
    startDocker: 'start Docker: open -a Docker (Colima: colima start; OrbStack: open -a OrbStack)',
    limits: ['no GPU for models: containers get none and there is no CUDA on macOS'],
    checks: ['Docker endpoint (Docker Desktop, Colima, Rancher Desktop, OrbStack)'],
  },
];

/** OS x backend: the GPU a model gets and what is tested where. */
export const PLATFORM_MATRIX: readonly PlatformRow[] = [
  {
    platform: 'linux',
    backend: 'docker',
    gpu: 'cuda',
    tested: 'full',
    note: 'NVIDIA Container Toolkit for the GPU',
  },
  {
    platform: 'linux',
    backend: 'venv',
    gpu: 'cuda',
    tested: 'full',
    note: 'needs a Python the card accepts',
  },
  {
    platform: 'wsl2',
    backend: 'docker',
    gpu: 'cuda',
    tested: 'untested',
    note: 'Docker Desktop WSL integration; GPU through the Windows NVIDIA driver',
  },
  { platform: 'wsl2', backend: 'venv', gpu: 'cuda', tested: 'untested', note: 'same as Linux' },
  {
    platform: 'windows',
    backend: 'docker',
    gpu: 'cuda',
    tested: 'tables',
    note: 'Docker Desktop, WSL 2 backend; GPU with a recent NVIDIA driver',
  },
  {
    platform: 'windows',
    backend: 'venv',
    gpu: 'cuda',
    tested: 'tables',
    note: 'Scripts\\python.exe; the py launcher is tried last',
  },
  {
    platform: 'macos-arm64',
    backend: 'docker',
    gpu: 'none',
    tested: 'tables',
    note: 'amd64-only images run under emulation',
  },
  {
    platform: 'macos-arm64',
    backend: 'venv',
    gpu: 'mps',
    tested: 'tables',
    note: 'MPS when the model supports it',
  },
  { platform: 'macos-x64', backend: 'docker', gpu: 'none', tested: 'untested', note: 'CPU only' },
  { platform: 'macos-x64', backend: 'venv', gpu: 'none', tested: 'untested', note: 'CPU only' },
];

export const TESTED_TEXT: Record<Tested, string> = {
  full: "model runs in this repository's CI",
  tables: "platform tables and portable suites on GitHub's runners; no model run",
  untested: 'platform tables only (run here); no machine runs it',
};

export function platformInfo(id: PlatformId): PlatformInfo {
  const info = PLATFORMS.find((p) => p.id === id);
  if (!info) throw new Error(`no platform ${id}`);
  return info;
}
