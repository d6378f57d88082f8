// Item ids name output folders: keep them to characters that are safe on every file system.
import { MhubError } from '../errors.ts';

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** Names the batch itself uses inside --out. */
const RESERVED = new Set([
  'ledger',
  'slurm',
  'staging',
  'inputs',
  'summary.csv',
  'summary.md',
  'batch.json',
  'batch.jsonl',
  'items.jsonl',
]);

export function checkId(id: string, where: string): string {
  if (!SAFE_ID.test(id) || RESERVED.has(id) || id.endsWith('.json') || id.endsWith('.jsonl')) {
    throw new MhubError(
      'INVALID_INPUT',
      `${where}: item id '${id}' cannot name an output folder`,
      'use letters, digits, dot, dash or underscore (up to 128), not starting with a dot, and not ledger/slurm/staging/inputs',
    );
  }
  return id;
}

/** Turns a file or folder name into an id (unsafe characters become '_'). */
export function idFromName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._-]+/, '');
  return cleaned.slice(0, 128) || 'item';
}

export function checkUnique(items: readonly { id: string; source: string }[]): void {
  const seen = new Map<string, string>();
  for (const item of items) {
    const first = seen.get(item.id);
    if (first !== undefined) {
      throw new MhubError(
        'INVALID_INPUT',
        `duplicate item id '${item.id}': ${first} and ${item.source}`,
        'give every item its own id',
      );
    }
    seen.set(item.id, item.source);
  }
}
