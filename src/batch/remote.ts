// Items whose input is an address (a study on a DICOMweb server or a DIMSE peer): mhub retrieves
// them when the item runs (src/pacs), so only engines that run mhub itself can take them.
import { MhubError } from '../errors.ts';
import { usesPacs } from '../pacs/index.ts';
import type { BatchItem } from './types.ts';

/** Refuses a plan holding remote items for an engine that binds local paths (`what`: the option). */
export function requireLocalInputs(items: readonly BatchItem[], what: string): void {
  const remote = items.find((item) => usesPacs(item.inputs));
  if (remote) {
    throw new MhubError(
      'USAGE',
      `${what} needs local inputs, but item ${remote.id} (${remote.source}) is a study on a PACS that mhub retrieves when the item runs`,
      'use --engine local or --engine slurm (without --container), or retrieve the studies first',
    );
  }
}
