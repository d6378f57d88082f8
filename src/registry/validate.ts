// The one validator for model cards, used by the CLI, the site, the generator and the bot.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { MhubError } from '../errors.ts';
import { readCardText } from './card-file.ts';
import { checkCard, reporter } from './checks.ts';
import { type Diagnostic, formatDiagnostic, hasErrors } from './diagnostics.ts';
import { defaultModelsDir } from './paths.ts';
import { previewFileProblem } from './preview-file.ts';
import { schemaDiagnostics, validators } from './schema.ts';
import { loadTerminology, type Terminology } from './terminology.ts';
import type { ModelCard } from './types.gen.ts';

export interface CardRecord {
  file: string;
  card: ModelCard;
  /** The Markdown body: the model card text. */
  body: string;
}

export interface ValidationResult {
  cards: CardRecord[];
  diagnostics: Diagnostic[];
}

/** Validates one card's text on its own (everything but the checks across cards). */
export function validateCardText(
  text: string,
  file: string,
  terminology: Terminology = loadTerminology(),
): { record?: CardRecord; diagnostics: Diagnostic[] } {
  const { source, diagnostics } = readCardText(text, file);
  if (!source) return { diagnostics };
  const validate = validators().card;
  if (!validate(source.data)) {
    diagnostics.push(...schemaDiagnostics(validate.errors, file, source.locate));
    return { diagnostics };
  }
  const card = source.data as ModelCard;
  const before = diagnostics.length;
  checkCard(card, source.body, file, terminology, reporter(file, source.locate, diagnostics));
  if (diagnostics.slice(before).some((d) => d.severity === 'error')) return { diagnostics };
  return { record: { file, card, body: source.body }, diagnostics };
}

/** Card files named by `paths`: files as given, folders searched for *.md (not recursive). */
export async function listCardFiles(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const p of paths) {
    const info = await stat(p).catch(() => undefined);
    if (!info)
      throw new MhubError('NOT_FOUND', `${p} does not exist`, 'give a card file or a folder of cards');
    if (info.isDirectory()) {
      const names = (await readdir(p)).filter((n) => n.endsWith('.md')).sort();
      files.push(...names.map((n) => path.join(p, n)));
    } else files.push(p);
  }
  return files;
}

/** Validates cards (files or folders), including unique names and ids across them. */
export async function validateCards(
  paths: readonly string[] = [defaultModelsDir],
  options: { terminology?: Terminology } = {},
): Promise<ValidationResult> {
  const terminology = options.terminology ?? loadTerminology();
  const files = await listCardFiles(paths);
  const texts = await Promise.all(files.map((f) => readFile(f, 'utf8')));
  const result: ValidationResult = { cards: [], diagnostics: [] };
  const byName = new Map<string, string>();
  const byId = new Map<string, string>();
  files.forEach((file, i) => {
    const { record, diagnostics } = validateCardText(texts[i]!, file, terminology);
    result.diagnostics.push(...diagnostics);
    if (!record) return;
    const clash = (owner: string | undefined, what: string, value: string, field: string) => {
      if (!owner) return false;
      result.diagnostics.push({
        severity: 'error',
        file,
        line: 0,
        column: 0,
        path: field,
        message: `${what} '${value}' is already used by ${owner}`,
        hint: `choose a different ${what}`,
      });
      return true;
    };
    // Compared without case: on Windows' and macOS' file systems Foo and foo are one folder, and a
    // UUID's hex digits may be written in either case.
    const name = record.card.name.toLowerCase();
    const id = record.card.id?.toLowerCase();
    let duplicate = clash(byName.get(name), 'name', record.card.name, 'name');
    if (id) duplicate = clash(byId.get(id), 'id', record.card.id!, 'id') || duplicate;
    if (duplicate) return;
    byName.set(name, file);
    if (id) byId.set(id, file);
    result.cards.push(record);
  });
  // The one check that reads a file the card names, located at the card's preview.path line; a
  // card failing it is left out like any invalid card.
  const kept: CardRecord[] = [];
  for (const record of result.cards) {
    const rel = record.card.preview?.path;
    const problem = rel === undefined ? undefined : await previewFileProblem(record.file, rel);
    if (!problem) {
      kept.push(record);
      continue;
    }
    const { source } = readCardText(texts[files.indexOf(record.file)]!, record.file);
    const at = source?.locate(['preview', 'path']) ?? { line: 0, column: 0 };
    result.diagnostics.push({
      severity: 'error',
      file: record.file,
      ...at,
      path: 'preview.path',
      ...problem,
    });
  }
  result.cards = kept;
  return result;
}

/** Loads a registry that must be valid (site, generator, runner): throws on the first error. */
export async function loadRegistry(paths: readonly string[] = [defaultModelsDir]): Promise<CardRecord[]> {
  const { cards, diagnostics } = await validateCards(paths);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (hasErrors(errors)) {
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more; run mhub registry validate)` : '';
    throw new MhubError('VALIDATION', `${formatDiagnostic(errors[0]!)}${more}`);
  }
  return cards;
}
