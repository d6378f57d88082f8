// fsafe: how every capability writes to the user's disk. Its own capability (not src/io) so the
// registry, generator, site and runner can import it without importing the image I/O stack; it
// depends on nothing but src/errors.ts.
export {
  checkOutput,
  MARKER,
  moveAtomic,
  type PublishOptions,
  removeIfEmpty,
  writeAtomic,
  writeFileAtomic,
} from './atomic.ts';
export { isDiskFull, writeError } from './disk-errors.ts';
export { refuseOverlap } from './guard.ts';
export { acquireLock, type LockOptions } from './lock.ts';
export { type Owner, ownerIsDead, ownerLabel, parseOwner, thisOwner } from './owner.ts';
export { hasSymlinks, realFiles, type TreeFile } from './tree.ts';
export { fsyncTree, writeAll, writeFileChecked, writevAll } from './write.ts';
