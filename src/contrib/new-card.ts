// `mhub registry new`: builds a model card from answers (flags, prompts, or an MHub meta.json),
// checks each answer with the registry's one validator as it goes, and writes a valid card.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { MhubError } from '../errors.ts';
import { writeFileAtomic } from '../fsafe/index.ts';
import type { ModelCard } from '../registry/index.ts';
import {
  type Diagnostic,
  formatCard,
  formatDiagnostic,
  importMhubFiles,
  loadTerminology,
  readCardText,
  type Terminology,
  validateCardText,
} from '../registry/index.ts';
import { type Answer, type Draft, draftToCard, FIELDS, type Field, getPath } from './card-fields.ts';
import { searchTerms, type TermMatch } from './term-search.ts';

/** What the wizard asks through; the CLI passes a @clack/prompts one, tests a scripted one. */
export interface Prompter {
  intro(title: string): void;
  info(message: string): void;
  warn(message: string): void;
  outro(message: string): void;
  text(o: { message: string; initial?: string; optional: boolean; help?: string }): Promise<string>;
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
}

export interface NewCardResult {
  name: string;
  file: string;
  text: string;
  written: boolean;
  warnings: string[];
}

const BODY_SECTIONS = [
  ['Intended Use', 'What the model is for: task, images, population, clinical setting.'],
  ['Evaluation', 'Metrics, evaluation data and results, with references.'],
  ['Training Data', 'What the model was trained on, with references.'],
  ['Limitations', 'Where the model is known to fail or was not tested.'],
] as const;

export function defaultBody(intendedUse?: string): string {
  return BODY_SECTIONS.map(
    ([title, text], i) => `## ${title}\n\n${i === 0 && intendedUse ? intendedUse : text}`,
  ).join('\n\n');
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
    });
  }
  const shown = Array.isArray(initial) ? initial.join(field.separator === ';' ? '; ' : ', ') : initial;
  const answer = await prompter.text({ message, optional, ...(shown ? { initial: shown } : {}) });
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

async function startingDraft(
  options: NewCardOptions,
  terminology: Terminology,
): Promise<{ draft: Draft; body?: string; warnings: string[] }> {
  if (!options.fromMhub) return { draft: {}, warnings: [] };
  const imported = await importMhubFiles(options.fromMhub, terminology);
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
  return { draft, body: source?.body ?? '', warnings };
}

export async function newCard(options: NewCardOptions): Promise<NewCardResult> {
  const terminology = options.terminology ?? loadTerminology();
  const answers = options.answers ?? {};
  const prompter = options.prompter;
  const { draft, body: importedBody, warnings } = await startingDraft(options, terminology);
  const exists = async (name: string) =>
    !options.force &&
    !options.dryRun &&
    Boolean(await stat(path.join(options.outDir, `${name}.md`)).catch(() => undefined));

  prompter?.intro(
    options.fromMhub ? `New model card from ${path.basename(options.fromMhub)}` : 'New model card',
  );
  for (const w of warnings) prompter?.warn(w);
  const missing: string[] = [];
  for (const field of FIELDS) {
    if (field.when && !field.when(draft)) continue;
    let given = answers[field.key];
    if (field.kind === 'select' && typeof given === 'string' && !field.choices?.includes(given)) {
      throw new MhubError(
        'USAGE',
        `${field.flag.split(' ')[0]} '${given}' is not one of ${field.choices?.join(', ')}`,
        'use one of those values',
      );
    }
    if (given !== undefined) {
      field.apply(draft, await readAnswerFile(field, splitAnswer(field, given)));
    } else if (!prompter) {
      const initial = field.initial(draft);
      const empty =
        initial === undefined || initial === '' || (Array.isArray(initial) && initial.length === 0);
      if (empty) {
        if (!field.optional) missing.push(field.flag.split(' ')[0]!);
        continue;
      }
      field.apply(draft, initial);
    }
    if (!prompter) continue;
    // Ask until the validator accepts the answer (a bad flag value is asked again too).
    for (let first = given === undefined; ; first = true) {
      if (first)
        field.apply(draft, await readAnswerFile(field, await ask(field, draft, prompter, terminology)));
      const errors = fieldErrors(draft, field, terminology).map(describe);
      const name = draft.name;
      if (field.key === 'name' && typeof name === 'string' && (await exists(name)))
        errors.push(`${path.join(options.outDir, `${name}.md`)} already exists; choose another name`);
      if (field.key === 'digest' && !getPath(draft, ['runtimes', 'docker', 'digest']))
        errors.push('a digest is required: the PR bot only accepts docker runtimes pinned by digest');
      if (errors.length === 0) break;
      for (const e of errors) prompter.warn(e);
      given = undefined;
    }
  }
  if (missing.length > 0) {
    throw new MhubError(
      'USAGE',
      `missing ${missing.join(', ')}`,
      'give them as flags, or run `mhub registry new` in a terminal to be asked',
    );
  }

  const card = draftToCard(draft);
  const intended = typeof draft['x-intendedUse'] === 'string' ? draft['x-intendedUse'] : undefined;
  const bodyText = options.bodyFile
    ? await readFile(options.bodyFile, 'utf8').catch(() => {
        throw new MhubError('NOT_FOUND', `--body ${options.bodyFile} cannot be read`, 'give a Markdown file');
      })
    : undefined;
  const body = withIntendedUse(bodyText ?? importedBody ?? defaultBody(), bodyText ? undefined : intended);
  const text = formatCard(card, importedBody !== undefined || bodyText ? body : defaultBody(intended));
  const file = path.join(options.outDir, `${card.name}.md`);
  const { diagnostics } = validateCardText(text, file, terminology);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw cardError(errors);
  if (card.runtimes.docker && !card.runtimes.docker.digest) {
    throw new MhubError(
      'USAGE',
      'missing --digest: docker runtimes must be pinned by digest',
      'run `docker buildx imagetools inspect IMAGE:TAG` and pass its sha256:... digest',
    );
  }
  if (await exists(card.name)) {
    throw new MhubError(
      'USAGE',
      `${file} already exists`,
      'choose another --name, or pass --force to replace it',
    );
  }
  let written = false;
  if (!options.dryRun) {
    await writeFileAtomic(file, text, { force: options.force });
    written = true;
  }
  prompter?.outro(
    written
      ? `Wrote ${file}. Check it with: mhub registry validate ${file}`
      : 'Card checked; nothing written.',
  );
  return { name: card.name, file, text, written, warnings };
}

/** Every validator error in one message, each naming the flag that sets that field. */
function cardError(errors: Diagnostic[]): MhubError {
  const lines = errors.map((d) => {
    const field = FIELDS.find((f) => belongsTo(d, f.paths({})));
    return `  ${field ? `${field.flag.split(' ')[0]} ` : ''}${formatDiagnostic(d)}`;
  });
  return new MhubError(
    'VALIDATION',
    `the card is not valid (${errors.length} error${errors.length === 1 ? '' : 's'}):\n${lines.join('\n')}`,
    'correct those values and run the command again',
  );
}
