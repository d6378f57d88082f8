// How many items run at once by default: no more than the cores, than the memory fits the
// card's ramGb, and one at a time for a model that requires a GPU (one GPU assumed; give
// --jobs for more).
import os from 'node:os';
import type { CardRecord } from '../registry/index.ts';

export function defaultJobs(
  record: CardRecord,
  machine = { cores: os.availableParallelism(), memoryBytes: os.totalmem() },
): number {
  const req = record.card.requirements;
  if (req.gpu === 'required') return 1;
  const byMemory = req.ramGb ? Math.floor(machine.memoryBytes / (req.ramGb * 2 ** 30)) : machine.cores;
  return Math.max(1, Math.min(machine.cores, byMemory));
}
