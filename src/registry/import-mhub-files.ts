// Imports MHub meta.json files from disk: one file, or a folder of <name>.json files with the
// optional workflows.json (per-model workflows) and _sources.json (upstream commit) beside them.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { MhubError } from '../errors.ts';
import { checkOutput, writeFileAtomic } from '../fsafe/index.ts';
import { formatCard } from './card-writer.ts';
import { importMhubMeta, type MhubMeta, type MhubWorkflows } from './import-mhub.ts';
import type { Terminology } from './terminology.ts';

export interface ImportedFile {
  name: string;
  file: string;
  text: string;
  warnings: string[];
}

async function readJson<T>(file: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new MhubError('NOT_FOUND', `${file} cannot be read`, 'check the path');
  }
  try {
    return JSON.parse(text.replace(/^\uFEFF/, '')) as T;
  } catch (error) {
    throw new MhubError(
      'INVALID_INPUT',
      `${file} is not valid JSON: ${(error as Error).message}`,
      'fix the JSON syntax',
    );
  }
}

async function optionalJson<T>(file: string): Promise<T | undefined> {
  return (await stat(file).catch(() => undefined)) ? readJson<T>(file) : undefined;
}

/** Finds meta files: a file as given, or *.json in a folder (not workflows.json or _*.json). */
async function metaFiles(input: string): Promise<{ files: string[]; folder: string }> {
  const info = await stat(input).catch(() => undefined);
  if (!info)
    throw new MhubError('NOT_FOUND', `${input} does not exist`, 'give a meta.json file or a folder of them');
  if (!info.isDirectory()) return { files: [input], folder: path.dirname(input) };
  const names = (await readdir(input))
    .filter((n) => n.endsWith('.json') && n !== 'workflows.json' && !n.startsWith('_'))
    .sort();
  if (names.length === 0)
    throw new MhubError(
      'NOT_FOUND',
      `${input} holds no meta.json files`,
      'give a folder of MHub meta.json files',
    );
  return { files: names.map((n) => path.join(input, n)), folder: input };
}

export async function importMhubFiles(
  input: string,
  terminology: Terminology,
  options: { workflows?: string; keepUnknownClasses?: boolean } = {},
): Promise<ImportedFile[]> {
  const { files, folder } = await metaFiles(input);
  const workflowsFile = options.workflows ?? path.join(folder, '..', 'workflows.json');
  const workflows =
    (await optionalJson<Record<string, MhubWorkflows>>(workflowsFile)) ??
    (await optionalJson<Record<string, MhubWorkflows>>(path.join(folder, 'workflows.json'))) ??
    {};
  const sources =
    (await optionalJson<Record<string, { source?: string; path?: string }>>(
      path.join(folder, '_sources.json'),
    )) ?? {};
  const results: ImportedFile[] = [];
  for (const file of files) {
    const meta = await readJson<MhubMeta>(file);
    const name = meta?.name;
    const source = typeof name === 'string' ? sources[name] : undefined;
    const { card, body, warnings } = importMhubMeta(meta, {
      terminology,
      file,
      ...(options.keepUnknownClasses ? { keepUnknownClasses: true } : {}),
      ...(typeof name === 'string' && workflows[name] ? { workflows: workflows[name] } : {}),
      ...(source
        ? {
            upstream: {
              ...(source.source ? { ref: source.source } : {}),
              ...(source.path ? { path: source.path } : {}),
            },
          }
        : {}),
    });
    results.push({ name: card.name, file, text: formatCard(card, body), warnings });
  }
  return results;
}

/** Writes imported cards into `outDir` (src/fsafe); an existing card is refused unless `force`. */
export async function writeCards(
  cards: readonly ImportedFile[],
  outDir: string,
  options: { force?: boolean } = {},
): Promise<string[]> {
  const targets = cards.map((card) => path.join(outDir, `${card.name}.md`));
  for (const target of targets) checkOutput(target, options); // all refused before any is written
  for (const [i, card] of cards.entries()) await writeFileAtomic(targets[i]!, card.text, options);
  return targets;
}
