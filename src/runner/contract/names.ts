// The fixed names of the run contract: mounts, environment variables, labels, container names.
// Written once here; the Slicer launcher gets them through scripts/gen-contract.ts.

/** Where a container sees the input (read-only) and output folders: MHub.ai's paths. */
export const INPUT_MOUNT = '/app/data/input_data';
export const OUTPUT_MOUNT = '/app/data/output_data';

/** Environment variables both launchers read or set. */
export const ENV = {
  /** Cache root: environments and weights. */
  home: 'MHUB_HOME',
  /** A Python interpreter to try first when building an environment. */
  python: 'MHUB_PYTHON',
  /** Set for a venv model: where its weights are. */
  weights: 'MHUB_WEIGHTS_DIR',
  /** Index URLs used instead of PyTorch's for `+cpu` pins (a mirror); empty: pip's own configuration. */
  torchIndex: 'MHUB_TORCH_INDEX',
} as const;

export const LABEL_PREFIX = 'org.mhub-registry.';

/** Labels every container of a run carries (values: run id, card name, card version). */
export const LABELS = {
  run: `${LABEL_PREFIX}run`,
  model: `${LABEL_PREFIX}model`,
  version: `${LABEL_PREFIX}version`,
  /** host:pid of the process that started it: a container whose owner died is removed. */
  owner: `${LABEL_PREFIX}owner`,
} as const;

/**
 * Label keys that mark a container as ours, for leftover sweeps: today's scheme and the one the
 * Slicer launcher used before it shared this contract (`mhub.run`).
 */
export const PROJECT_LABEL_KEYS = [LABELS.run, 'mhub.run'] as const;

/** Container names: unique per run, so cancel can find the container before its id is known. */
export function containerName(model: string, runId: string): string {
  return `mhub-${model}-${runId}`;
}
