// `mhub test <model> | --all`: run the card's tests (sample in, reference out) under each
// backend; exit 0 only when every comparison passed.
import path from 'node:path';
import type { Command } from 'commander';
import { MhubError } from '../../errors.ts';
import { EXIT_CODES } from '../../exit-codes.ts';
import { writeFileAtomic } from '../../fsafe/index.ts';
import type { CliIO } from '../io.ts';
import { REGISTRY_OPTION_HELP, registryFor } from '../registry-source.ts';

export function register(command: Command, io: CliIO, setExit: (code: number) => void): void {
  command
    .argument('[model]', 'registry name')
    .option('--all', 'test every card whose tests can run here, and say which cannot and why')
    .option('--backend <name>', 'docker, venv or all (default: all the card has)', 'all')
    .option(
      '--report <file>',
      'write the report (.json, else Markdown); with --all, a folder of <model>.json',
    )
    .option('--force', 'replace an existing report')
    .option('--json', 'print the report as JSON')
    .option('--registry <source...>', REGISTRY_OPTION_HELP)
    .action(
      async (
        model: string | undefined,
        opts: {
          all?: boolean;
          backend: string;
          report?: string;
          force?: boolean;
          json?: boolean;
          registry?: string[];
        },
      ) => {
        if (!model === !opts.all) {
          throw new MhubError(
            'USAGE',
            'give a model name or --all',
            'e.g. mhub test classical_ct, or mhub test --all',
          );
        }
        if (!['docker', 'venv', 'all'].includes(opts.backend)) {
          throw new MhubError('USAGE', `--backend ${opts.backend} is not known`, 'use docker, venv or all');
        }
        const verify = await import('../../verify/index.ts');
        const backends = opts.backend === 'all' ? undefined : [opts.backend as 'docker' | 'venv'];
        const log = (line: string) => io.err(line);
        if (opts.all) {
          const result = await verify.testAll({
            ...(backends ? { backends } : {}),
            ...(opts.registry ? { registry: opts.registry } : {}),
            log,
          });
          if (opts.report) {
            for (const report of result.reports) {
              const file = path.resolve(opts.report, `${report.model}.json`);
              await writeFileAtomic(file, `${JSON.stringify(report, null, 2)}\n`, { force: opts.force });
            }
          }
          if (opts.json) io.out(JSON.stringify(result, null, 2));
          else for (const line of verify.allSummaryLines(result)) io.out(line);
          setExit(result.ok ? EXIT_CODES.OK : EXIT_CODES.RUN_FAILED);
          return;
        }
        const registry = await registryFor(model!, opts.registry, io);
        const report = await verify.testModel(model!, { ...(backends ? { backends } : {}), registry, log });
        if (opts.report) {
          const file = path.resolve(opts.report);
          const text = file.endsWith('.json')
            ? `${JSON.stringify(report, null, 2)}\n`
            : verify.reportMarkdown(report);
          await writeFileAtomic(file, text, { force: opts.force });
          io.err(`wrote ${file}`);
        }
        if (opts.json) io.out(JSON.stringify(report, null, 2));
        else for (const line of verify.summaryLines(report)) io.out(line);
        const ran = report.runs.some((r) => r.status !== 'not-run');
        setExit(report.ok ? EXIT_CODES.OK : ran ? EXIT_CODES.RUN_FAILED : EXIT_CODES.ENVIRONMENT);
      },
    );
}
