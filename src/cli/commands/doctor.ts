// `mhub doctor [model]`: prints each check with its fix; exit 4 when something blocks a run.
import type { Command } from 'commander';
import { EXIT_CODES } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';

export function registerDoctorCommand(program: Command, io: CliIO, setExit: (code: number) => void): void {
  program
    .command('doctor')
    .description('Check Docker, GPU, Python and disk; with a model, whether this machine can run it.')
    .argument('[model]', 'registry name')
    .option('--registry <path...>', 'card files or folders to find the model in')
    .option('--json', 'print the checks as JSON')
    .action(async (model: string | undefined, opts: { registry?: string[]; json?: boolean }) => {
      const [{ doctor }, { resolveModel }] = await Promise.all([
        import('../../runner/doctor.ts'),
        import('../../runner/run.ts'),
      ]);
      const record = model ? await resolveModel(model, opts.registry) : undefined;
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
    });
}
