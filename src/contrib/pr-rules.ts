// What the PR bot checks. Pure functions over data (changed files, card texts, labels), so the
// same rules run in the read-only PR workflow, in the commenting workflow and in tests.
import path from 'node:path';
import type { ModelCard, Terminology } from '../registry/index.ts';
import { formatDiagnostic, readCardText, validateCardText } from '../registry/index.ts';

export const MODELS_DIR = 'registry/models/';
/** The label with which a maintainer allows one PR to change several models. */
export const MULTI_MODEL_LABEL = 'multiple-models';

export interface ChangedFile {
  filename: string;
  status: string;
  previous_filename?: string;
}

export interface ChangedCard {
  name: string;
  file: string;
  status: string;
  /** Card text at the PR head (absent when removed). */
  head?: string;
  /** Card text at the PR base (absent when added). */
  base?: string;
}

export type RuleStatus = 'pass' | 'fail' | 'warn';

export interface RuleResult {
  /** Stable rule id, named in messages and CONTRIBUTING.md. */
  rule: string;
  title: string;
  status: RuleStatus;
  details: string[];
}

export const RULES = {
  oneModel: 'one-model-per-pr',
  valid: 'valid-card',
  terminology: 'valid-terminology',
  versionBump: 'version-bump',
  digest: 'docker-digest',
  weights: 'weights-sha256',
  removed: 'card-removed',
  tests: 'card-tests',
  other: 'other-files',
} as const;

const isCard = (file: string) =>
  file.startsWith(MODELS_DIR) && file.endsWith('.md') && !file.slice(MODELS_DIR.length).includes('/');
const cardName = (file: string) => path.posix.basename(file, '.md');

/** Cards a PR changes, and the other files it touches. */
export function classifyFiles(files: readonly ChangedFile[]): { cards: ChangedFile[]; other: string[] } {
  const cards = files.filter(
    (f) => isCard(f.filename) || (f.previous_filename && isCard(f.previous_filename)),
  );
  const other = files.filter((f) => !cards.includes(f)).map((f) => f.filename);
  return { cards, other };
}

/** The models a PR touches: a renamed card counts once, under its new name. */
export function touchedModels(cards: readonly ChangedFile[]): string[] {
  return [
    ...new Set(cards.map((f) => cardName(isCard(f.filename) ? f.filename : f.previous_filename!))),
  ].sort();
}

function frontMatter(text: string | undefined, file: string): Partial<ModelCard> | undefined {
  if (text === undefined) return undefined;
  const data = readCardText(text, file).source?.data;
  return data && typeof data === 'object' ? (data as Partial<ModelCard>) : undefined;
}

/** -1, 0, 1 for dotted numeric versions; undefined when either is not of that form. */
export function compareVersions(a: string, b: string): number | undefined {
  const parse = (v: string) => (/^\d+(\.\d+)*$/.test(v) ? v.split('.').map(Number) : undefined);
  const x = parse(a);
  const y = parse(b);
  if (!x || !y) return undefined;
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

const stable = (value: unknown): string =>
  JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );

function result(
  rule: string,
  title: string,
  problems: string[],
  passText: string,
  status: RuleStatus = 'fail',
): RuleResult {
  return problems.length
    ? { rule, title, status, details: problems }
    : { rule, title, status: 'pass', details: [passText] };
}

export interface PullRequestInput {
  files: readonly ChangedFile[];
  cards: readonly ChangedCard[];
  labels: readonly string[];
  terminology: Terminology;
}

export function checkPullRequest(input: PullRequestInput): RuleResult[] {
  const { cards: cardFiles, other } = classifyFiles(input.files);
  const models = touchedModels(cardFiles);
  const results: RuleResult[] = [];

  const allowed = input.labels.includes(MULTI_MODEL_LABEL);
  results.push(
    models.length > 1 && !allowed
      ? {
          rule: RULES.oneModel,
          title: 'One model per pull request',
          status: 'fail',
          details: [
            `this pull request changes ${models.length} model cards (${models.join(', ')}); rule ${RULES.oneModel} allows one`,
            `split it into one pull request per model, or a maintainer adds the label \`${MULTI_MODEL_LABEL}\``,
          ],
        }
      : {
          rule: RULES.oneModel,
          title: 'One model per pull request',
          status: models.length === 0 ? 'warn' : 'pass',
          details: [
            models.length === 0
              ? 'no model card changed'
              : models.length > 1
                ? `${models.length} models, allowed by the label \`${MULTI_MODEL_LABEL}\``
                : `changes ${models[0]}`,
          ],
        },
  );

  const present = input.cards.filter((c) => c.head !== undefined);
  const invalid: string[] = [];
  for (const c of present) {
    const errors = validateCardText(c.head!, c.file, input.terminology).diagnostics.filter(
      (d) => d.severity === 'error',
    );
    invalid.push(...errors.map((d) => formatDiagnostic(d, '/')));
  }
  results.push(
    result(
      RULES.valid,
      'Card is valid (schema, terminology, licences)',
      invalid,
      `${present.length} card(s) valid`,
    ),
  );

  const bumps: string[] = [];
  const digests: string[] = [];
  const hashes: string[] = [];
  for (const c of present) {
    const head = frontMatter(c.head, c.file);
    if (!head) continue;
    const base = frontMatter(c.base, c.file);
    if (base?.runtimes && stable(base.runtimes) !== stable(head.runtimes)) {
      const order = compareVersions(String(head.version ?? ''), String(base.version ?? ''));
      if (order === undefined ? head.version === base.version : order <= 0)
        bumps.push(
          `${c.file}: runtimes changed but version stayed ${String(head.version)}; raise version above ${String(base.version)}`,
        );
    }
    const docker = head.runtimes?.docker;
    if (docker && !docker.digest)
      digests.push(
        `${c.file}: runtimes.docker has no digest; add digest: sha256:... (docker buildx imagetools inspect ${docker.image}:${docker.tag ?? 'latest'})`,
      );
    const venv = head.runtimes?.venv;
    venv?.weights?.forEach((w, i) => {
      if (!w?.sha256) hashes.push(`${c.file}: runtimes.venv.weights[${i}] (${w?.path}) has no sha256`);
    });
    if (venv?.source?.url && !venv.source.sha256)
      hashes.push(`${c.file}: runtimes.venv.source has a url but no sha256`);
  }
  // A new or changed model says how to check that it runs and gives its published result.
  const untested: string[] = [];
  for (const c of present) {
    const head = frontMatter(c.head, c.file);
    if (!head || (c.base !== undefined && c.base === c.head)) continue;
    if (!Array.isArray(head.tests) || head.tests.length === 0)
      untested.push(
        `${c.file}: no tests section; add tests: with a sample input (a file in the repository, a url with sha256, or an IDC series), the reference output and compare: (dice: {min: ...} for segmentations)`,
      );
  }
  results.push(
    result(
      RULES.tests,
      'Card has a reproducibility test',
      untested,
      'every new or changed card has a tests section',
    ),
  );
  results.push(
    result(
      RULES.versionBump,
      'Version raised when a runtime changes',
      bumps,
      'no runtime changed without a version bump',
    ),
  );
  results.push(
    result(RULES.digest, 'Docker images pinned by digest', digests, 'every docker runtime has a digest'),
  );
  results.push(
    result(
      RULES.weights,
      'Downloaded files carry a sha256',
      hashes,
      'every weight file and source archive has a sha256',
    ),
  );

  const removed = input.cards
    .filter((c) => c.head === undefined)
    .map((c) => `${c.file} is removed: a maintainer decides`);
  if (removed.length)
    results.push({ rule: RULES.removed, title: 'Card removed', status: 'warn', details: removed });
  if (other.length) {
    const shown = other.slice(0, 10);
    results.push({
      rule: RULES.other,
      title: 'Files outside registry/models/',
      status: 'warn',
      details: [
        `${other.length} other file(s) changed, reviewed by a maintainer: ${shown.join(', ')}${other.length > shown.length ? ', ...' : ''}`,
      ],
    });
  }
  return results;
}

export const failed = (results: readonly RuleResult[]) => results.some((r) => r.status === 'fail');
