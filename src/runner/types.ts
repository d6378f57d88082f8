// The run contract's types: what a caller asks for, what a backend gets, what comes back.
import type { GpuDevice } from '../platform/index.ts';
import type { CardRecord } from '../registry/index.ts';
import type { PullPolicy } from './docker/image.ts';
import type { Progress } from './progress-events.ts';

export type BackendName = 'docker' | 'venv';
export type GpuMode = 'auto' | 'on' | 'off';
/** native = whatever the model writes, unconverted. */
export type OutputFormat = 'native' | 'nifti' | 'nrrd' | 'seg.nrrd' | 'dicomseg';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['native', 'nifti', 'nrrd', 'seg.nrrd', 'dicomseg'];

export interface RunRequest {
  /** A registry name (looked up in `registry`) or an already loaded card. */
  model: string | CardRecord;
  /** One path for a one-input model, or input id -> path. */
  input: string | Record<string, string>;
  /** Folder that receives the results; created when missing. */
  output: string;
  /** Replace files already in the output folder (moved aside until every new one is in place). */
  force?: boolean;
  backend?: BackendName | 'auto';
  gpu?: GpuMode;
  workflow?: string;
  outputFormats?: readonly OutputFormat[];
  timeoutMs?: number;
  /** Docker memory limit in bytes (containers only). */
  memoryBytes?: number;
  /** Resample tilted/sheared input grids onto orthogonal ones while converting inputs. */
  tiltCorrect?: boolean;
  signal?: AbortSignal;
  progress?: Progress;
  /** Lines the model prints that are not progress events. */
  log?: (line: string) => void;
  /** Card files or folders to look the model up in (default: the repository's registry). */
  registry?: readonly string[];
  /** Extra container labels (tests use them to find leftovers). */
  labels?: Record<string, string>;
  /** Cache root for venvs and weights; default $MHUB_HOME or the XDG cache. */
  home?: string;
  /** Docker connection (default: DOCKER_HOST or the local socket). */
  dockerSocket?: string;
  /** When to pull the image: when missing (default), always (re-check the registry), never. */
  pull?: PullPolicy;
}

export interface RunResult {
  model: string;
  backend: BackendName;
  /** Absolute paths of the files written into the output folder. */
  outputs: string[];
  durationMs: number;
  /** What the conversions had to repair or skip (undecodable text, skipped files...), once each. */
  warnings: string[];
}

/** What a backend needs to run one prepared case. */
export interface BackendContext {
  record: CardRecord;
  /** Folder holding the inputs the way the runtime's interface wants them. */
  inputDir: string;
  /** Empty folder the model writes into. */
  outputDir: string;
  workflow: string | undefined;
  gpu: boolean;
  /** Which GPU (src/platform): cuda, mps (venv on Apple Silicon) or none; absent: cuda when gpu. */
  device?: GpuDevice;
  timeoutMs: number | undefined;
  memoryBytes: number | undefined;
  signal: AbortSignal;
  progress: Progress;
  log: (line: string) => void;
  labels: Record<string, string>;
  runId: string;
  home: string;
  dockerSocket: string | undefined;
  pull?: PullPolicy;
  /** Says something the user should know, once, among the run's warnings (e.g. emulation). */
  warn?: (text: string) => void;
}

export interface Backend {
  readonly name: BackendName;
  /** Builds or fetches what the run needs (image pull, environment install). */
  prepare(ctx: BackendContext): Promise<void>;
  /** Runs the model; resolves when it exited 0, throws MhubError otherwise. */
  run(ctx: BackendContext): Promise<void>;
}
