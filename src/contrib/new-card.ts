// `mhub registry new`: builds a model card from answers (flags, prompts, or an MHub meta.json),
// checks each answer with the registry's one validator as it goes, and writes a valid card.
import { readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { isMhubError, MhubError } from '../errors.ts';
import { removeIfEmpty, writeFileAtomic } from '../fsafe/index.ts';
import type { ModelCard } from '../registry/index.ts';
import {
  type Diagnostic,
  defaultBody,
  defaultModelsDir,
  formatCard,
  formatDiagnostic,
  importMhubFiles,
  loadTerminology,
  readCardText,
  type Terminology,
  validateCardText,
} from '../registry/index.ts';
import {
  type Answer,
  type Draft,
  draftToCard,
  FIELDS,
  type Field,
  getPath,
  prune,
  setPath,
} from './card-fields.ts';
import { searchTerms, type TermMatch } from './term-search.ts';

/** What the wizard asks through; the CLI passes a @clack/prompts one, tests a scripted one. */
export interface Prompter {
  intro(title: string): void;
  info(message: string): void;
  warn(message: string): void;
  outro(message: string): void;
  /** `initial` is a default that typing replaces; `edit` a value shown for correction in place. */
  text(o: { message: string; initial?: string; edit?: string; optional: boolean }): Promise<string>;
  select(o: {
    message: string;
    choices: readonly string[];
    initial?: string;
    optional: boolean;
  }): Promise<string>;
  segments(o: {
    message: string;
    initial: string[];
    search: (query: string) => TermMatch[];
    /** Called with the segments chosen so far after each choice (and undo), to save them. */
    progress?: (chosen: string[]) => Promise<void>;
  }): Promise<string[]>;
}

export interface NewCardOptions {
  /** Flag values by field key (see FIELDS); lists may be given as one separated string. */
  answers?: Partial<Record<string, Answer>>;
  /** Start from an MHub meta.json (imported with the registry's importer). */
  fromMhub?: string;
  /** Markdown file holding the card text. */
  bodyFile?: string;
  outDir: string;
  /** Ask for what the flags leave open; without it, missing required answers are an error. */
  prompter?: Prompter;
  terminology?: Terminology;
  force?: boolean;
  dryRun?: boolean;
  /** Continue the unfinished card saved under outDir (see draftFiles). */
  resume?: boolean;
}

export interface NewCardResult {
  name: string;
  file: string;
  text: string;
  written: boolean;
  warnings: string[];
  /** The validator's errors (only a dry run returns an invalid card instead of failing). */
  errors: string[];
}

/** Puts the intended-use text into the body's first section (or adds that section). */
function withIntendedUse(body: string, text: string | undefined): string {
  if (!text) return body;
  const re = /(^|\n)## Intended Use\n+[\s\S]*?(?=\n## |$)/;
  if (re.test(body)) return body.replace(re, (_m, lead: string) => `${lead}## Intended Use\n\n${text}\n`);
  return `## Intended Use\n\n${text}\n\n${body}`;
}

/** Joins pip-compile's continuation lines and drops comments: one requirement per line. */
export function parseRequirements(text: string): string[] {
  return text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) =>
      line
        .replace(/(^|\s)#.*$/, '')
        .replace(/\s+/g, ' ')
        .trim(),
    )
    .filter(Boolean);
}

/** Valid placeholders under the draft, so one field can be checked before the others exist. */
export function candidateCard(draft: Draft): ModelCard {
  type Obj = Record<string, unknown>;
  const c = draftToCard(draft) as unknown as Obj;
  const fill = (defaults: Obj, value: unknown): Obj => ({ ...defaults, ...(value as Obj | undefined) });
  c.name ??= 'draft_card';
  c.title ??= 'Draft';
  c.version ??= '1.0.0';
  c.status ??= 'submitted';
  c.description ??= 'Draft';
  const inputs = (c.inputs ?? []) as Obj[];
  c.inputs = [
    fill({ id: 'input', label: 'Input', modality: ['CT'], format: 'dicom' }, inputs[0]),
    ...inputs.slice(1),
  ];
  const outputs = (c.outputs ?? []) as Obj[];
  const type = String(outputs[0]?.type ?? 'segmentation');
  const filler: Record<string, Obj> = {
    segmentation: { segments: ['LIVER'] },
    prediction: { valueType: 'number' },
    classification: { classes: ['a', 'b'] },
  };
  c.outputs = [{ ...fill({ id: 'output', ...filler[type] }, outputs[0]), type }, ...outputs.slice(1)];
  c.license = fill({ code: 'NOASSERTION', weights: 'NOASSERTION' }, c.license);
  c.requirements = fill({ gpu: 'unknown' }, c.requirements);
  const runtimes = (c.runtimes ?? {}) as Obj;
  const kind = (draft['x-runtime'] as string | undefined) ?? (runtimes.venv ? 'venv' : 'docker');
  const runtimeFiller: Record<string, Obj> = {
    docker: { image: 'example/model', interface: 'mhub' },
    venv: { python: '>=3.10', requirements: [], entrypoint: 'model', interface: 'files' },
  };
  c.runtimes = { ...runtimes, [kind]: fill(runtimeFiller[kind] ?? {}, runtimes[kind]) };
  return c as unknown as ModelCard;
}

function belongsTo(d: Diagnostic, paths: string[]): boolean {
  return paths.some((p) => d.path === p || d.path.startsWith(`${p}.`) || d.path.startsWith(`${p}[`));
}

/** The validator's errors for one field, judged on the draft with placeholders elsewhere. */
export function fieldErrors(draft: Draft, field: Field, terminology: Terminology): Diagnostic[] {
  const card = candidateCard(draft);
  // JSON is YAML: the validator reads it as front matter, at a quarter of formatCard's cost
  // (this runs on every answer); only field paths matter here, not line numbers.
  const text = `---\n${JSON.stringify(card, null, 1)}\n---\nDraft.\n`;
  const { diagnostics } = validateCardText(text, `${card.name}.md`, terminology);
  const paths = field.paths(draft);
  return diagnostics.filter((d) => d.severity === 'error' && belongsTo(d, paths));
}

const describe = (d: Diagnostic) => `${d.message}${d.hint ? `. Fix: ${d.hint}` : ''}`;

function splitAnswer(field: Field, value: Answer): Answer {
  if (typeof value !== 'string' || (field.kind !== 'list' && field.kind !== 'segments')) return value;
  return value
    .split(field.separator ?? ',')
    .map((s) => s.trim())
    .filter(Boolean);
}

async function ask(
  field: Field,
  draft: Draft,
  prompter: Prompter,
  terminology: Terminology,
  correcting: boolean,
  save: () => Promise<void>,
): Promise<Answer> {
  const initial = field.initial(draft);
  const optional = field.optional === true;
  const message = field.help ? `${field.message} (${field.help})` : field.message;
  if (field.kind === 'select') {
    return prompter.select({
      message,
      choices: field.choices ?? [],
      optional,
      ...(typeof initial === 'string' ? { initial } : {}),
    });
  }
  if (field.kind === 'segments') {
    return prompter.segments({
      message,
      initial: Array.isArray(initial) ? initial : [],
      search: (q) => searchTerms(terminology, q, 8),
      // Segments chosen so far are saved (not yet as an answer): a resumed session offers them.
      progress: async (chosen) => {
        field.apply(draft, chosen);
        await save();
      },
    });
  }
  const shown = Array.isArray(initial) ? initial.join(field.separator === ';' ? '; ' : ', ') : initial;
  const answer = await prompter.text({
    message,
    optional,
    ...(shown ? (correcting ? { edit: shown } : { initial: shown }) : {}),
  });
  return splitAnswer(field, answer);
}

async function readAnswerFile(field: Field, value: Answer): Promise<Answer> {
  if (field.key !== 'requirements' || typeof value !== 'string' || value.trim() === '') return value;
  const file = value.trim();
  const text = await readFile(file, 'utf8').catch(() => {
    throw new MhubError(
      'NOT_FOUND',
      `--requirements: ${file} cannot be read`,
      'give the path of a requirements.txt',
    );
  });
  return parseRequirements(text);
}

/** What a session has answered so far, saved after every answer (see draftFiles). */
interface SavedDraft {
  format: typeof DRAFT_FORMAT;
  /** Keys of the fields answered (asked and accepted, or given as flags). */
  answered: string[];
  draft: Draft;
  /** The card text imported with --from-mhub. */
  body?: string;
  warnings: string[];
}

const DRAFT_FORMAT = 'mhub-new-card-draft/1';

/**
 * Where an unfinished card is kept, next to its target: the answers (resumed with --resume) and,
 * when the card does not validate, its text (the file the errors' line numbers refer to). A
 * sub-folder, so `registry validate <dir>` and the PR bot never take it for a card.
 */
export function draftFiles(outDir: string, name?: string) {
  const dir = path.join(outDir, '.mhub-draft');
  return { dir, state: path.join(dir, 'new-card.json'), card: path.join(dir, `${name ?? 'new-card'}.md`) };
}

async function readSavedDraft(file: string): Promise<SavedDraft> {
  const text = await readFile(file, 'utf8').catch(() => {
    throw new MhubError(
      'NOT_FOUND',
      `--resume: there is no unfinished card at ${file}`,
      'run `mhub registry new` without --resume to start one (with the same --out)',
    );
  });
  let saved: SavedDraft | undefined;
  try {
    saved = JSON.parse(text) as SavedDraft;
  } catch {
    // reported below
  }
  if (saved?.format !== DRAFT_FORMAT || typeof saved.draft !== 'object' || !Array.isArray(saved.answered))
    throw new MhubError(
      'INVALID_INPUT',
      `${file} is not a draft of \`mhub registry new\``,
      'remove it and run `mhub registry new` without --resume',
    );
  return { ...saved, warnings: saved.warnings ?? [] };
}

async function startingDraft(
  options: NewCardOptions,
  terminology: Terminology,
): Promise<{ draft: Draft; body?: string; warnings: string[]; answered: string[] }> {
  const files = draftFiles(options.outDir);
  if (options.resume) {
    const saved = await readSavedDraft(files.state);
    return {
      draft: saved.draft,
      ...(saved.body !== undefined ? { body: saved.body } : {}),
      warnings: saved.warnings,
      answered: saved.answered,
    };
  }
  if (!options.dryRun && (await stat(files.state).catch(() => undefined))) {
    throw new MhubError(
      'USAGE',
      `${files.state} holds the answers of an unfinished card`,
      `continue it with \`mhub registry new --resume${resumeFlags(options.outDir)}\`, or remove that file to start over`,
    );
  }
  if (!options.fromMhub) return { draft: {}, warnings: [], answered: [] };
  // Class ids the terminology lacks are kept and mapped (asked, or refused by the validator).
  const imported = await importMhubFiles(options.fromMhub, terminology, { keepUnknownClasses: true });
  if (imported.length !== 1) {
    throw new MhubError(
      'USAGE',
      `--from-mhub ${options.fromMhub} holds ${imported.length} meta.json files`,
      'give one meta.json file',
    );
  }
  const { text, name, warnings } = imported[0]!;
  const { source } = readCardText(text, `${name}.md`);
  const draft = structuredClone(source?.data ?? {}) as Draft;
  // A contribution starts as submitted; the maintainers publish it.
  draft.status = 'submitted';
  return { draft, body: source?.body ?? '', warnings, answered: [] };
}

/** The flags that find a draft again: --out when it is not the default. */
const resumeFlags = (outDir: string) => (outDir === defaultModelsDir ? '' : ` --out ${outDir}`);

/** `publications[0].title` -> ['publications', 0, 'title']. */
export function parsePath(p: string): (string | number)[] {
  return [...p.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]!));
}

const flagOf = (field: Field) => field.flag.split(' ')[0]!;

export async function newCard(options: NewCardOptions): Promise<NewCardResult> {
  const terminology = options.terminology ?? loadTerminology();
  const answers = options.answers ?? {};
  const prompter = options.prompter;
  const start = await startingDraft(options, terminology);
  const { draft, body: importedBody, warnings } = start;
  const answered = new Set(start.answered);
  const files = draftFiles(options.outDir);
  const save = async () => {
    const saved: SavedDraft = {
      format: DRAFT_FORMAT,
      answered: [...answered],
      draft,
      ...(importedBody !== undefined ? { body: importedBody } : {}),
      warnings,
    };
    await writeFileAtomic(files.state, `${JSON.stringify(saved, null, 2)}\n`, { force: true });
  };
  const exists = async (name: string) =>
    !options.force &&
    !options.dryRun &&
    Boolean(await stat(path.join(options.outDir, `${name}.md`)).catch(() => undefined));

  try {
    return await build();
  } catch (error) {
    // Whatever stopped the session (Ctrl-C, a crash), the answers given so far are on disk.
    if (prompter && answered.size > 0) {
      await save().catch(() => {});
      if (isMhubError(error) && error.hint?.includes('--resume')) throw error;
      const kept = `your answers are kept in ${files.state}; continue with \`mhub registry new --resume${resumeFlags(options.outDir)}\``;
      if (isMhubError(error)) throw new MhubError(error.code, error.message, kept, { cause: error });
      throw new MhubError('INTERNAL', `${(error as Error)?.message ?? String(error)}`, kept, {
        cause: error,
      });
    }
    throw error;
  }

  async function build(): Promise<NewCardResult> {
    prompter?.intro(
      options.resume
        ? `Resuming the card in ${files.state} (${answered.size} answers)`
        : options.fromMhub
          ? `New model card from ${path.basename(options.fromMhub)}`
          : 'New model card',
    );
    for (const w of warnings) prompter?.warn(w);
    if (options.bodyFile) {
      draft['x-bodyText'] = await readFile(options.bodyFile, 'utf8').catch(() => {
        throw new MhubError('NOT_FOUND', `--body ${options.bodyFile} cannot be read`, 'give a Markdown file');
      });
    }
    if (prompter) await mapUnknownSegments(prompter);
    const missing: string[] = [];
    for (const field of FIELDS) {
      if (field.when && !field.when(draft)) continue;
      const given = answers[field.key];
      if (field.kind === 'select' && typeof given === 'string' && !field.choices?.includes(given)) {
        throw new MhubError(
          'USAGE',
          `${flagOf(field)} '${given}' is not one of ${field.choices?.join(', ')}`,
          'use one of those values',
        );
      }
      if (given !== undefined) {
        field.apply(draft, await readAnswerFile(field, splitAnswer(field, given)));
        answered.add(field.key);
      } else if (answered.has(field.key)) {
        // Answered in the session being resumed: kept as it is (checked again below).
      } else if (!prompter) {
        const initial = field.initial(draft);
        const empty =
          initial === undefined || initial === '' || (Array.isArray(initial) && initial.length === 0);
        if (empty) {
          if (!field.optional) missing.push(flagOf(field));
          else answered.add(field.key);
          continue;
        }
        field.apply(draft, initial);
        answered.add(field.key);
      }
      if (!prompter) continue;
      // Ask until the validator accepts the answer (a bad flag or resumed value is asked again too).
      for (let first = given === undefined && !answered.has(field.key), correcting = false; ; ) {
        if (first) {
          const answer = await ask(field, draft, prompter, terminology, correcting, save);
          field.apply(draft, await readAnswerFile(field, answer));
        }
        const errors = await answerErrors(field);
        if (errors.length === 0) break;
        for (const e of errors) prompter.warn(e);
        first = true;
        correcting = true;
      }
      answered.add(field.key);
      await save();
    }
    if (missing.length > 0 && !options.dryRun) {
      throw new MhubError(
        'USAGE',
        `missing ${missing.join(', ')}`,
        'give them as flags, or run `mhub registry new` in a terminal to be asked',
      );
    }

    // A dry run prints the card even with answers missing, naming them.
    const gaps = missing.length > 0 ? [`missing ${missing.join(', ')}`] : [];
    for (;;) {
      const { card, text } = cardText();
      // Checked under the draft's name: the file the errors' line numbers then refer to.
      const cardFile = draftFiles(options.outDir, card.name).card;
      const errors = validateCardText(text, cardFile, terminology).diagnostics.filter(
        (d) => d.severity === 'error',
      );
      if (errors.length > 0 && prompter) {
        // Values the questions did not cover (e.g. imported ones) are offered for correction.
        await correct(errors, prompter);
        await save();
        continue;
      }
      if (await exists(card.name)) {
        throw new MhubError(
          'USAGE',
          `${path.join(options.outDir, `${card.name}.md`)} already exists`,
          'choose another --name, or pass --force to replace it',
        );
      }
      const file = path.join(options.outDir, `${card.name}.md`);
      if (errors.length > 0) {
        if (options.dryRun) {
          // The card is printed with its errors; their line numbers refer to the printed text.
          const shown = errors.map((d) => formatDiagnostic({ ...d, file: `${card.name}.md (dry run)` }));
          return { name: card.name, file, text, written: false, warnings, errors: [...gaps, ...shown] };
        }
        await save();
        await writeFileAtomic(cardFile, text, { force: true });
        throw cardError(
          errors.map((d) => ({ ...d, file: cardFile })),
          files.state,
          options.outDir,
        );
      }
      if (gaps.length > 0) return { name: card.name, file, text, written: false, warnings, errors: gaps };
      if (card.runtimes.docker && !card.runtimes.docker.digest) {
        const error = new MhubError(
          'USAGE',
          'missing --digest: docker runtimes must be pinned by digest',
          'run `docker buildx imagetools inspect IMAGE:TAG` and pass its sha256:... digest',
        );
        if (!options.dryRun) throw error;
        return { name: card.name, file, text, written: false, warnings, errors: [error.message] };
      }
      let written = false;
      if (!options.dryRun) {
        await writeFileAtomic(file, text, { force: options.force });
        written = true;
        await discardDraft(card.name);
      }
      prompter?.outro(
        written
          ? `Wrote ${file}. Check it with: mhub registry validate ${file}`
          : `Card checked; nothing written. Your answers are kept: write it with \`mhub registry new --resume${resumeFlags(options.outDir)}\``,
      );
      return { name: card.name, file, text, written, warnings, errors: [] };
    }
  }

  /** The validator's errors for one answer, and the wizard's own rules for it. */
  async function answerErrors(field: Field): Promise<string[]> {
    const errors = fieldErrors(draft, field, terminology).map(describe);
    const name = draft.name;
    if (field.key === 'name' && typeof name === 'string' && (await exists(name)))
      errors.push(`${path.join(options.outDir, `${name}.md`)} already exists; choose another name`);
    if (field.key === 'digest' && !getPath(draft, ['runtimes', 'docker', 'digest']))
      errors.push('a digest is required: the PR bot only accepts docker runtimes pinned by digest');
    return errors;
  }

  function cardText(): { card: ModelCard; text: string } {
    const card = draftToCard(draft);
    const intended = typeof draft['x-intendedUse'] === 'string' ? draft['x-intendedUse'] : undefined;
    return { card, text: formatCard(card, cardBody(intended)) };
  }

  function cardBody(intended: string | undefined): string {
    const bodyText = draft['x-bodyText'];
    if (typeof bodyText === 'string') return bodyText;
    return importedBody !== undefined ? withIntendedUse(importedBody, intended) : defaultBody(intended);
  }

  /** Asks again for each value the card's validator refuses, showing the value to edit. */
  async function correct(errors: Diagnostic[], p: Prompter): Promise<void> {
    for (const d of errors) {
      const field = FIELDS.find((f) => (!f.when || f.when(draft)) && belongsTo(d, f.paths(draft)));
      p.warn(`${d.path || 'the card'}: ${describe(d)}`);
      if (field) {
        field.apply(draft, await readAnswerFile(field, await ask(field, draft, p, terminology, true, save)));
        continue;
      }
      const where = parsePath(d.path);
      const value = getPath(draft, where);
      if (where.length === 0 || (value !== undefined && typeof value === 'object')) {
        throw new MhubError(
          'VALIDATION',
          `${d.path || 'the card'}: ${describe(d)}`,
          `correct it in ${files.state} and run \`mhub registry new --resume${resumeFlags(options.outDir)}\``,
        );
      }
      const answer = await p.text({
        message: `${d.path} (empty to remove it)`,
        optional: true,
        ...(value !== undefined ? { edit: String(value) } : {}),
      });
      setPath(draft, where, answer.trim());
      if (answer.trim() === '') prune(draft);
    }
  }

  /**
   * Imported class ids the terminology lacks: each is mapped to an existing entry (found by
   * name, synonym, SNOMED CT code or a search), or the wizard stops, saying how to add one.
   */
  async function mapUnknownSegments(p: Prompter): Promise<void> {
    const outputs = (Array.isArray(draft.outputs) ? draft.outputs : []) as { segments?: unknown }[];
    for (const output of outputs) {
      if (!Array.isArray(output.segments)) continue;
      for (const [k, id] of output.segments.entries()) {
        if (typeof id !== 'string' || terminology.resolve(id)) continue;
        output.segments[k] = await mapSegment(p, id);
        await save();
      }
    }
  }

  async function mapSegment(p: Prompter, id: string): Promise<string> {
    const NEW = 'none of these: it needs a new terminology entry';
    const SEARCH = 'search for another entry';
    let query = id;
    for (;;) {
      const exact = terminology.lookup(query);
      const found = [...exact, ...searchTerms(terminology, query, 6).map((m) => m.id)];
      const choices = [...new Set(found)].slice(0, 6).map((m) => `${m}  ${terminology.resolve(m)!.name}`);
      const answer = await p.select({
        message: `Class '${id}' is not in the terminology. Which entry is it?`,
        choices: [...choices, SEARCH, NEW],
        optional: false,
        ...(exact[0] ? { initial: choices[0] } : {}),
      });
      if (answer === SEARCH) {
        query = await p.text({
          message: `Search the terminology for '${id}' (name, id or SNOMED CT code)`,
          optional: false,
        });
        continue;
      }
      if (answer === NEW) {
        await save();
        throw new MhubError(
          'VALIDATION',
          `'${id}' needs a new terminology entry`,
          `add it to registry/terminology/registry-extensions.json as CONTRIBUTING.md shows ("A segment not in the vocabulary"), then continue with \`mhub registry new --resume${resumeFlags(options.outDir)}\``,
        );
      }
      return answer.split(/\s+/)[0]!;
    }
  }

  async function discardDraft(name: string): Promise<void> {
    await rm(files.state, { force: true });
    await rm(draftFiles(options.outDir, name).card, { force: true });
    removeIfEmpty(files.dir);
  }
}

/** Every validator error in one message, each naming the flag that sets that field. */
function cardError(errors: Diagnostic[], state: string, outDir: string): MhubError {
  const lines = errors.map((d) => {
    const field = FIELDS.find((f) => belongsTo(d, f.paths({})));
    return `  ${field ? `${flagOf(field)} ` : ''}${formatDiagnostic(d)}`;
  });
  return new MhubError(
    'VALIDATION',
    `the card is not valid (${errors.length} error${errors.length === 1 ? '' : 's'}); it is kept as a draft:\n${lines.join('\n')}`,
    `correct those values with flags, or answer them in a terminal: \`mhub registry new --resume${resumeFlags(outDir)}\` (answers in ${state})`,
  );
}
