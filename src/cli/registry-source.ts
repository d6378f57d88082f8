// The registry a model command reads: --registry, else MHUB_REGISTRY, else the bundled cards.
// URL sources print where the card came from and its age (on stderr, so --json stays clean).
import path from 'node:path';
import { resolveRegistry } from '../registry/index.ts';
import { mhubHome } from '../runner/index.ts';
import type { CliIO } from './io.ts';

export async function registryFor(model: string, given: string[] | undefined, io: CliIO): Promise<string[]> {
  const { paths, notes } = await resolveRegistry({
    model,
    ...(given ? { given } : {}),
    ...(process.env.MHUB_REGISTRY ? { env: process.env.MHUB_REGISTRY } : {}),
    cacheDir: path.join(mhubHome(), 'registry'),
  });
  for (const note of notes) io.err(note);
  return paths;
}

export const REGISTRY_OPTION_HELP =
  'card files or folders, a clone of the registry, or the URL of a published registry index (default: $MHUB_REGISTRY, else the cards shipped with mhub)';
