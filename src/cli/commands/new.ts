// `mhub registry new`: the card wizard. Every question is also a flag (FIELDS), so the same
// command runs interactively in a terminal and non-interactively in scripts and tests.
import { type Command, Option } from 'commander';
import { FIELDS } from '../../contrib/index.ts';
import { EXIT_CODES } from '../../exit-codes.ts';
import { defaultModelsDir, loadTerminology } from '../../registry/index.ts';
import type { CliIO } from '../io.ts';

interface NewOptions {
  fromMhub?: string;
  body?: string;
  out: string;
  yes?: boolean;
  force?: boolean;
  dryRun?: boolean;
  resume?: boolean;
  findSegment?: string;
  [field: string]: string | boolean | undefined;
}

export function registerNewCommand(registry: Command, io: CliIO, setExit: (code: number) => void): void {
  const command = registry
    .command('new')
    .description('Create a model card: asks for each field (or takes flags), validating as it goes.')
    .option('--from-mhub <meta.json>', 'start from an MHub.ai meta.json (imported, then asked/overridden)')
    .option('--body <file>', 'Markdown file with the card text')
    .option('--out <dir>', 'folder to write the card into', defaultModelsDir)
    .option('-y, --yes', 'never prompt: take flags and defaults, fail on what is missing')
    .option('--force', 'replace an existing card of that name')
    .option('--dry-run', 'print the card instead of writing it (also an invalid one, with its errors)')
    .option('--resume', 'continue the unfinished card saved under --out (answers are saved after each one)')
    .option('--find-segment <text>', 'print terminology ids matching a name, id or SNOMED CT code, and exit');
  for (const field of FIELDS) {
    const option = new Option(field.flag, field.message);
    command.addOption(field.kind === 'select' && field.choices ? option.choices(field.choices) : option);
  }
  command.action(async (opts: NewOptions) => {
    if (opts.findSegment !== undefined) {
      const { searchTerms } = await import('../../contrib/index.ts');
      for (const m of searchTerms(loadTerminology(), opts.findSegment, 10))
        io.out(`${m.id}\t${m.name}\t${m.codes}`);
      return;
    }
    const answers: Record<string, string> = {};
    for (const field of FIELDS) {
      const value = opts[field.key];
      if (typeof value === 'string') answers[field.key] = value;
    }
    const interactive = !opts.yes && Boolean(process.stdin.isTTY) && io.isTTY;
    const { newCard, clackPrompter } = await import('../../contrib/index.ts');
    const result = await newCard({
      answers,
      outDir: opts.out,
      ...(opts.fromMhub ? { fromMhub: opts.fromMhub } : {}),
      ...(opts.body ? { bodyFile: opts.body } : {}),
      ...(interactive ? { prompter: await clackPrompter() } : {}),
      ...(opts.force ? { force: true } : {}),
      ...(opts.dryRun ? { dryRun: true } : {}),
      ...(opts.resume ? { resume: true } : {}),
    });
    if (!interactive) for (const w of result.warnings) io.err(`warning: ${w}`);
    if (opts.dryRun) io.out(result.text.trimEnd());
    else if (!interactive) io.out(`wrote ${result.file}`);
    if (result.errors.length > 0) {
      io.err(
        `the card is not valid (${result.errors.length} error${result.errors.length === 1 ? '' : 's'}):`,
      );
      for (const e of result.errors) io.err(`  ${e}`);
      setExit(EXIT_CODES.VALIDATION);
    }
  });
}
