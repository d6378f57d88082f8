// The runner's public API.

export { type CleanResult, cleanDeadRuns } from './clean.ts';
export * from './contract/index.ts';
export type { Converter, InputConversion, OutputConversion } from './convert.ts';
export { passThroughConverter } from './convert.ts';
export { connectDocker } from './docker/client.ts';
export { ensureImage, PULL_POLICIES, type PullPolicy } from './docker/image.ts';
export { type Check, type CheckStatus, doctor } from './doctor.ts';
export {
  anonymise,
  type DoctorReport,
  doctorReport,
  mhubVersion,
  reportMarkdown,
  systemInfo,
} from './doctor-report.ts';
export { detectGpu, type GpuInfo } from './gpu.ts';
export type { Progress, ProgressEvent } from './progress-events.ts';
export { chooseBackend, resolveModel, runModel } from './run.ts';
export type { BackendName, GpuMode, OutputFormat, RunRequest, RunResult } from './types.ts';
export { OUTPUT_FORMATS } from './types.ts';
export { downloadVerified, sha256File } from './venv/download.ts';
export { type EnsureOptions, ensureEnv, type ModelEnv, mhubHome } from './venv/env.ts';
export { type SourceArchive, sourceArchive } from './venv/source-archive.ts';
