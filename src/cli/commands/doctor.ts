// `mhub doctor [model]`: prints each check with its fix; exit 4 when something blocks a run.
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { EXIT_CODES } from '../../exit-codes.ts';
import type { CliIO } from '../io.ts';
import { REGISTRY_OPTION_HELP, registryFor } from '../registry-source.ts';

export function register(command: Command, io: CliIO, setExit: (code: number) => void): void {
  command
    .argument('[model]', 'registry name')
    .option('--registry <source...>', REGISTRY_OPTION_HELP)
    .option('--json', 'print the checks as JSON')
    .option(
      '--report [file]',
      'also test-run the reference models under each backend and write a shareable report (.json, else Markdown)',
    )
    .action(
      async (
        model: string | undefined,
        opts: { registry?: string[]; json?: boolean; report?: string | true },
      ) => {
        if (opts.report !== undefined) {
          const file = path.resolve(opts.report === true ? 'mhub-doctor-report.md' : opts.report);
          const { doctorReport, reportMarkdown } = await import('../../runner/index.ts');
          const report = await doctorReport({ onRun: (m, b) => io.err(`test run: ${m} under ${b}...`) });
          const text = file.endsWith('.json')
            ? `${JSON.stringify(report, null, 2)}\n`
            : reportMarkdown(report);
          await writeFile(`${file}.tmp`, text);
          await rename(`${file}.tmp`, file);
          for (const t of report.testRuns) {
            io.out(
              `${t.ok ? 'ok    ' : 'FAILED'} ${t.model} under ${t.backend} in ${(t.durationMs / 1000).toFixed(1)} s`,
            );
          }
          io.out(`wrote ${file}: home folder shown as ~, user name removed; attach it to an issue`);
          setExit(report.testRuns.every((t) => !t.ok) ? EXIT_CODES.ENVIRONMENT : 0);
          return;
        }
        const { doctor, resolveModel } = await import('../../runner/index.ts');
        const record = model
          ? await resolveModel(model, await registryFor(model, opts.registry, io))
          : undefined;
        const checks = await doctor(record);
        if (opts.json) io.out(JSON.stringify(checks, null, 2));
        else {
          for (const c of checks) {
            io.out(
              `${c.status === 'ok' ? 'ok     ' : c.status === 'warn' ? 'warn   ' : 'NOT OK '} ${c.name}: ${c.detail}`,
            );
            if (c.fix && c.status !== 'ok') io.out(`        fix: ${c.fix}`);
          }
        }
        setExit(checks.some((c) => c.status === 'fail') ? EXIT_CODES.ENVIRONMENT : 0);
      },
    );
}
