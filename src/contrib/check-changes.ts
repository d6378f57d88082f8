// The bot's rules applied to a set of changes, wherever the changes come from: a pull request
// read through the GitHub API (pr-bot.ts) or a local branch and working tree read through git
// (git-changes.ts, `mhub registry check`). One function, so both give the same verdicts.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isMhubError } from '../errors.ts';
import { writeFileChecked } from '../fsafe/index.ts';
import { loadTerminology, type Terminology } from '../registry/index.ts';
import {
  type ChangedCard,
  type ChangedFile,
  checkPullRequest,
  classifyFiles,
  failed,
  RULES,
  type RuleResult,
  touchedModels,
} from './pr-rules.ts';

/** Changed files, and their texts on either side (undefined where a file does not exist). */
export interface ChangeSource {
  files: readonly ChangedFile[];
  labels: readonly string[];
  read(file: string, side: 'head' | 'base'): Promise<string | undefined>;
}

export interface CheckOptions {
  /** Our terminology folder (the base's), to which the changes' terminology files apply. */
  terminologyDir: string;
  terminology?: Terminology;
}

export interface CheckResult {
  ok: boolean;
  models: string[];
  results: RuleResult[];
}

export const TERMINOLOGY_FILE = /^registry\/terminology\/[^/]+\.json$/;

/**
 * The vocabulary the changed cards must be checked against: ours, with the terminology files
 * the changes touch replaced by their head versions (read as data, never run).
 */
async function headTerminology(
  source: ChangeSource,
  base: CheckOptions,
): Promise<{ terminology?: Terminology; result?: RuleResult }> {
  const changed = source.files.filter(
    (f) => TERMINOLOGY_FILE.test(f.filename) || TERMINOLOGY_FILE.test(f.previous_filename ?? ''),
  );
  if (changed.length === 0) return base.terminology ? { terminology: base.terminology } : {};
  const dir = await mkdtemp(path.join(tmpdir(), 'mhub-pr-terminology-'));
  try {
    await cp(base.terminologyDir, dir, { recursive: true });
    for (const f of changed) {
      if (f.previous_filename)
        await rm(path.join(dir, path.posix.basename(f.previous_filename)), { force: true });
      const target = path.join(dir, path.posix.basename(f.filename));
      const text = f.status === 'removed' ? undefined : await source.read(f.filename, 'head');
      // The copy of ours is this function's own temporary folder: replaced file by file.
      await rm(target, { force: true });
      if (text !== undefined) writeFileChecked(target, text);
    }
    const names = changed.map((f) => f.filename).join(', ');
    try {
      const terminology = loadTerminology(dir);
      return {
        terminology,
        result: {
          rule: RULES.terminology,
          title: 'Terminology changes load and resolve',
          status: 'warn',
          details: [
            `cards checked against the PR's terminology (${names}); check the new SNOMED CT codes by hand`,
          ],
        },
      };
    } catch (error) {
      if (!isMhubError(error)) throw error;
      const where = (text: string) => text.split(dir).join('registry/terminology');
      return {
        result: {
          rule: RULES.terminology,
          title: 'Terminology changes load and resolve',
          status: 'fail',
          details: [`${where(error.message)}${error.hint ? `. Fix: ${error.hint}` : ''}`],
        },
      };
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Applies every rule of the bot to the changes. */
export async function checkChanges(source: ChangeSource, options: CheckOptions): Promise<CheckResult> {
  const { cards: cardFiles } = classifyFiles(source.files);
  const cards: ChangedCard[] = await Promise.all(
    cardFiles.map(async (f) => {
      const head = f.status === 'removed' ? undefined : await source.read(f.filename, 'head');
      const base =
        f.status === 'added' ? undefined : await source.read(f.previous_filename ?? f.filename, 'base');
      return {
        name: f.filename,
        file: f.filename,
        status: f.status,
        ...(head !== undefined ? { head } : {}),
        ...(base !== undefined ? { base } : {}),
      };
    }),
  );
  const vocabulary = await headTerminology(source, options);
  const results = checkPullRequest({
    files: source.files,
    cards,
    labels: source.labels,
    // Bad terminology at the head leaves the cards to be checked against ours (and fails its rule).
    terminology: vocabulary.terminology ?? options.terminology ?? loadTerminology(options.terminologyDir),
  });
  if (vocabulary.result) results.splice(2, 0, vocabulary.result);
  return { ok: !failed(results), models: touchedModels(cardFiles), results };
}

const MARK: Record<RuleResult['status'], string> = { pass: 'pass', warn: 'warn', fail: 'FAIL' };

/** The results as plain text lines, for a terminal. */
export function formatResults(results: readonly RuleResult[]): string[] {
  return results.flatMap((r) => [
    `${MARK[r.status]}  ${r.rule}: ${r.title}`,
    ...r.details.map((d) => `      ${d}`),
  ]);
}
