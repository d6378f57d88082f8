// Platform rules, pure and injectable: each takes the OS, environment and file-existence
// functions as a Probe (systemProbe() for this machine), so the tables in test/platform cover
// Windows and macOS on Linux. One place per concern: Docker endpoint, bind mounts and container
// user, Python environments, process-tree kill, GPU choice, emulation, the doctor's findings,
// and the supported-platforms table the doctor and the catalog share.
export {
  contextEndpoint,
  type DockerEndpoint,
  type DockerTrouble,
  dockerEndpoint,
  dockerInstalled,
  dockerTrouble,
  knownSockets,
  parseDockerHost,
  platformId,
} from './docker-endpoint.ts';
export { dockerArch, emulationWarning } from './emulation.ts';
export { type Finding, platformFindings } from './findings.ts';
export { type GpuChoice, gpuChoice, gpuEnvironment, mayHaveNvidia } from './gpu.ts';
export {
  type Backend,
  type GpuDevice,
  PLATFORM_MATRIX,
  PLATFORMS,
  type PlatformId,
  type PlatformInfo,
  type PlatformRow,
  platformInfo,
  TESTED_TEXT,
  type Tested,
} from './matrix.ts';
export { bindSource, type ContainerUserRule, containerUserFor, hostPath, MountPathError } from './mounts.ts';
export {
  executableNames,
  findOnPath,
  type HostOs,
  hostOs,
  isWsl,
  type Probe,
  pathsOf,
  systemProbe,
} from './probe.ts';
export { type KillPlan, killPlan, spawnOptions } from './process.ts';
export {
  longPathRisk,
  type PythonCommand,
  pythonCommands,
  VENV_DEPTH_ALLOWANCE,
  venvPython,
  WINDOWS_MAX_PATH,
} from './python.ts';
