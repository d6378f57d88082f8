// The lock moved to src/fsafe (output folders use it too); re-exported for the venv builder.
export { acquireLock } from '../../fsafe/index.ts';
