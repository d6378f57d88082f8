// The run contract, written once: image reference, container configuration and mounts,
// environment variable names, cache layout, Python version ranges and expected outputs.
// The Node runner calls it, the catalog prints its lines from it, and scripts/gen-contract.ts
// writes its constants into the Slicer launcher (templates/slicer/MHubLib/contract_gen.py).
// test/contract/vectors.json holds the cases both languages must agree on.
export {
  CACHE_SUBDIR,
  cacheRoot,
  envHash,
  envKey,
  envPaths,
  IMAGES_DIR,
  LOCK_SUFFIX,
  loadedImagePath,
  SOURCES_DIR,
  STAMP,
  sourcePaths,
  VENVS_DIR,
  WEIGHTS_DIR,
} from './cache-layout.ts';
export type { ContainerConfig, ContainerSpec } from './container-config.ts';
export {
  CONTAINER_ENV,
  containerConfig,
  containerUser,
  dockerCliArgs,
  PIDS_LIMIT,
  UNPRIVILEGED_USER,
} from './container-config.ts';
export type { ExpectedOutput } from './expected-outputs.ts';
export {
  expectedOutputs,
  filesInterfaceOutputs,
  mhubInterfaceOutputs,
  missingOutputs,
  outputMatches,
} from './expected-outputs.ts';
export { containerCommand, imageReference } from './image.ts';
export {
  containerName,
  ENV,
  INPUT_MOUNT,
  LABEL_PREFIX,
  LABELS,
  OUTPUT_MOUNT,
  PROJECT_LABEL_KEYS,
} from './names.ts';
export { PACKAGE_INDEX_RULES, PIP_INSTALL_FLAGS, packageIndexes, packageIndexFlags } from './pip.ts';
export { satisfies } from './python-versions.ts';
