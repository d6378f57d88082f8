// The atomic writer lives in src/fsafe (one helper for every capability); re-exported here so
// src/io's writers and callers keep one import path.
export { writeAtomic } from '../fsafe/index.ts';
