// Where a command finds a model's card: `--registry`, else MHUB_REGISTRY, else the snapshot of
// registry/models that ships with mhub (a clone's own folder when run from a clone). A source is
// a card file, a folder of cards, a clone of this repository, or the URL of a published registry
// index (the catalog's JSON API: <url>/models/<name>.json, written by `mhub registry index`).
// A card fetched from a URL is cached under `cacheDir` as a card file, so it is validated like
// any other; a copy younger than `maxAgeMs` is used without a request, and an older one when the
// URL cannot be reached. Every URL answer says where the card came from and how old it is.

import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { MhubError } from '../errors.ts';
import { writeFileAtomic } from '../fsafe/index.ts';
import { cardOfIndexed, type IndexedModel } from './build-index.ts';
import { formatCard } from './card-writer.ts';
import { defaultModelsDir } from './paths.ts';

export interface RegistryLookup {
  /** `--registry` values, if given. */
  given?: readonly string[];
  /** MHUB_REGISTRY. */
  env?: string;
  /** The model to find (needed for URL sources: only its card is fetched). */
  model: string;
  /** Where fetched cards are kept, e.g. <MHUB_HOME>/registry. */
  cacheDir: string;
  /** Use a cached card younger than this without a request (default one hour). */
  maxAgeMs?: number;
  now?: () => number;
  timeoutMs?: number;
}

export interface ResolvedRegistry {
  /** Card files or folders, for loadRegistry / resolveModel. */
  paths: string[];
  /** One line per URL source: where the card came from and how old the copy is. */
  notes: string[];
}

const isUrl = (s: string) => /^https?:\/\//i.test(s);

export function describeAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} days`;
}

/** A folder that is a clone (holds registry/models) means its registry/models. */
function localSource(source: string): string {
  const resolved = path.resolve(source);
  const inClone = path.join(resolved, 'registry', 'models');
  return existsSync(inClone) && statSync(inClone).isDirectory() ? inClone : resolved;
}

export async function resolveRegistry(lookup: RegistryLookup): Promise<ResolvedRegistry> {
  const sources = lookup.given?.length ? lookup.given : lookup.env ? [lookup.env] : [defaultModelsDir];
  const paths: string[] = [];
  const notes: string[] = [];
  for (const source of sources) {
    if (!isUrl(source)) {
      paths.push(localSource(source));
      continue;
    }
    const fetched = await fetchCard(source, lookup);
    paths.push(fetched.file);
    notes.push(fetched.note);
  }
  return { paths, notes };
}

interface CacheMeta {
  url: string;
  fetchedAt: number;
}

async function fetchCard(base: string, lookup: RegistryLookup): Promise<{ file: string; note: string }> {
  const { model } = lookup;
  if (!/^[a-z0-9_]+$/.test(model)) {
    throw new MhubError('USAGE', `'${model}' is not a model name`, 'use a registry name such as lungmask');
  }
  const url = new URL(`models/${model}.json`, base.endsWith('/') ? base : `${base}/`).href;
  const dir = path.join(lookup.cacheDir, createHash('sha256').update(base).digest('hex').slice(0, 16));
  const file = path.join(dir, `${model}.md`);
  const metaFile = path.join(dir, `${model}.fetched.json`);
  const now = (lookup.now ?? Date.now)();
  const cached = await readFile(metaFile, 'utf8')
    .then((t) => JSON.parse(t) as CacheMeta)
    .catch(() => undefined);
  const cachedAge = cached && existsSync(file) ? now - cached.fetchedAt : undefined;
  if (cachedAge !== undefined && cachedAge < (lookup.maxAgeMs ?? 3600_000)) {
    return { file, note: `registry: ${model} from ${base} (cached copy, ${describeAge(cachedAge)} old)` };
  }
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(lookup.timeoutMs ?? 15_000) });
  } catch (error) {
    const cause = ((error as Error).cause as Error | undefined)?.message ?? (error as Error).message;
    if (cachedAge !== undefined) {
      return {
        file,
        note: `registry: ${base} cannot be reached (${cause}); using the copy of ${model} fetched ${describeAge(cachedAge)} ago`,
      };
    }
    throw new MhubError(
      'ENVIRONMENT',
      `cannot reach the registry at ${base} (${cause})`,
      'check the address and the network, or give --registry a folder of cards',
    );
  }
  if (response.status === 404) {
    throw new MhubError(
      'NOT_FOUND',
      `no model named ${model} in the registry at ${base} (${url}: 404)`,
      'check the name in the catalog, and that the URL is the index folder holding models.json',
    );
  }
  if (!response.ok) {
    throw new MhubError('ENVIRONMENT', `the registry at ${base} answered ${response.status} for ${url}`);
  }
  let entry: IndexedModel;
  try {
    entry = (await response.json()) as IndexedModel;
  } catch {
    throw new MhubError('INVALID_INPUT', `${url} is not JSON`, 'point --registry at a registry index folder');
  }
  if (!entry || typeof entry !== 'object' || entry.name !== model) {
    throw new MhubError(
      'INVALID_INPUT',
      `${url} does not hold the card of ${model} (field name is ${JSON.stringify(entry?.name)})`,
      'point --registry at a registry index folder (models/<name>.json)',
    );
  }
  const { body, segmentDetails: _derived, ...indexed } = entry;
  const card = cardOfIndexed(indexed);
  await mkdir(dir, { recursive: true });
  // The card is validated when it is loaded from the cache, like a card in a folder.
  // The cache is mhub's own: an older copy is replaced (force), through the one checked writer.
  await writeFileAtomic(file, formatCard(card, typeof body === 'string' ? body : ''), { force: true });
  await writeFileAtomic(metaFile, `${JSON.stringify({ url: base, fetchedAt: now } satisfies CacheMeta)}\n`, {
    force: true,
  });
  return { file, note: `registry: ${model} from ${base} (fetched now)` };
}
