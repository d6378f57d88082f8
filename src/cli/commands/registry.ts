// `mhub registry validate | index | import-mhub`.
import path from 'node:path';
import type { Command } from 'commander';
import { EXIT_CODES } from '../../exit-codes.ts';
import {
  buildIndex,
  defaultModelsDir,
  formatDiagnostic,
  hasErrors,
  importMhubFiles,
  loadRegistry,
  loadTerminology,
  validateCards,
  writeCards,
  writeIndex,
} from '../../registry/index.ts';
import type { CliIO } from '../io.ts';
import { registerNewCommand } from './new.ts';

export function register(registry: Command, io: CliIO, setExit: (code: number) => void): void {
  registerNewCommand(registry, io, setExit);

  registry
    .command('validate')
    .description('Check model cards: schema, terminology, licences, digests, dates (all errors in one pass).')
    .argument('[paths...]', 'card files or folders', [defaultModelsDir])
    .option('--json', 'print the result as JSON (for bots)')
    .action(async (paths: string[], opts: { json?: boolean }) => {
      const { cards, diagnostics } = await validateCards(paths);
      const failed = hasErrors(diagnostics);
      if (opts.json) {
        io.out(
          JSON.stringify(
            { ok: !failed, cards: cards.map((c) => ({ name: c.card.name, file: c.file })), diagnostics },
            null,
            2,
          ),
        );
      } else {
        for (const d of diagnostics) io.err(formatDiagnostic(d));
        const errors = diagnostics.filter((d) => d.severity === 'error').length;
        const summary = `${cards.length} card${cards.length === 1 ? '' : 's'} valid, ${errors} error${errors === 1 ? '' : 's'}`;
        (failed ? io.err : io.out)(summary);
      }
      setExit(failed ? EXIT_CODES.VALIDATION : 0);
    });

  registry
    .command('check')
    .description(
      "Apply the PR bot's rules to your branch, offline: the cards changed since --base (commits, edits, new files).",
    )
    .option('--base <ref>', 'the branch your pull request goes into (a ref this clone has)', 'main')
    .option('--repo <dir>', 'the clone to check', '.')
    .option('--label <name...>', 'labels the pull request will carry (e.g. multiple-models)')
    .option('--json', 'print the results as JSON')
    .action(async (opts: { base: string; repo: string; label?: string[]; json?: boolean }) => {
      const { checkChanges, formatResults, gitChanges } = await import('../../contrib/index.ts');
      const source = await gitChanges(opts.repo, opts.base, opts.label ?? []);
      // As the bot does: the base's vocabulary, under the terminology files the branch changes.
      const result = await source.atBase('registry/terminology', (terminologyDir) =>
        checkChanges(source, { terminologyDir }),
      );
      if (opts.json) io.out(JSON.stringify(result, null, 2));
      else {
        for (const line of formatResults(result.results)) io.out(line);
        const failed = result.results.filter((r) => r.status === 'fail').map((r) => r.rule);
        (failed.length ? io.err : io.out)(
          failed.length
            ? `${failed.length} rule(s) fail: ${failed.join(', ')}; the PR bot would fail the same`
            : `the PR bot's rules pass for ${result.models.join(', ') || 'no model card'}`,
        );
      }
      setExit(result.ok ? 0 : EXIT_CODES.VALIDATION);
    });

  registry
    .command('index')
    .description(
      'Write the registry index: models.json, models/<name>.json, terminology.json, mhub-v2-models.json.',
    )
    .requiredOption('--out <dir>', 'folder to write')
    .option('--models <dir>', 'folder of cards', defaultModelsDir)
    .option(
      '--force',
      'replace an existing folder mhub did not write (the old one goes only once the new one is complete)',
    )
    .action(async (opts: { out: string; models: string; force?: boolean }) => {
      const cards = await loadRegistry([opts.models]);
      const files = await writeIndex(buildIndex(cards, loadTerminology()), opts.out, { force: opts.force });
      io.out(`wrote ${files.length} files for ${cards.length} models to ${opts.out}`);
    });

  registry
    .command('import-mhub')
    .description('Convert MHub.ai meta.json files into model cards.')
    .argument('<source>', 'a meta.json file or a folder of them')
    .option('--out <dir>', 'where to write the cards', defaultModelsDir)
    .option('--workflows <file>', 'MHub workflows.json (default: beside the folder)')
    .option('--dry-run', 'print the cards instead of writing them')
    .option('--force', 'replace cards that already exist')
    .action(
      async (
        source: string,
        opts: { out: string; workflows?: string; dryRun?: boolean; force?: boolean },
      ) => {
        const imported = await importMhubFiles(
          source,
          loadTerminology(),
          opts.workflows ? { workflows: opts.workflows } : {},
        );
        for (const card of imported) for (const warning of card.warnings) io.err(`warning: ${warning}`);
        if (opts.dryRun) {
          for (const card of imported) io.out(card.text);
          return;
        }
        const written = await writeCards(imported, opts.out, { force: opts.force });
        io.out(
          `imported ${written.length} card${written.length === 1 ? '' : 's'} into ${path.relative(process.cwd(), opts.out) || '.'}`,
        );
      },
    );
}
