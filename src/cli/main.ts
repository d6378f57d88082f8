// `mhub`: declares commands and maps errors to exit codes; the work lives in src/*.
import { Command, CommanderError } from 'commander';
import { isMhubError } from '../errors.ts';
import { registerConvertCommand } from './commands/convert.ts';
import { registerDoctorCommand } from './commands/doctor.ts';
import { registerGenerateCommands } from './commands/generate.ts';
import { LISTEN_DESCRIPTION, register as registerListen } from './commands/listen.ts';
import { registerRegistryCommands } from './commands/registry.ts';
import { registerRunCommand } from './commands/run.ts';
import { registerSiteCommands } from './commands/site.ts';
import { EXIT_CODES } from './exit-codes.ts';
import { type CliIO, processIO } from './io.ts';

export function buildProgram(io: CliIO, setExit: (code: number) => void): Command {
  const program = new Command('mhub')
    .description('Run published medical-imaging AI models; manage the model registry.')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .showHelpAfterError('(run mhub --help for usage)');
  registerRegistryCommands(program, io, setExit);
  registerRunCommand(program, io, setExit);
  registerListen(program.command('listen').description(LISTEN_DESCRIPTION), io, setExit);
  registerDoctorCommand(program, io, setExit);
  registerConvertCommand(program, io);
  registerGenerateCommands(program, io);
  registerSiteCommands(program, io);
  return program;
}

export async function main(argv: string[], io: CliIO = processIO): Promise<number> {
  let exit = 0;
  const program = buildProgram(io, (code) => {
    exit = Math.max(exit, code);
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exit;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : EXIT_CODES.USAGE;
    }
    if (isMhubError(error)) {
      io.err(`mhub: ${error.message}${error.hint ? `\n  Fix: ${error.hint}` : ''}`);
      return EXIT_CODES[error.code];
    }
    io.err(`mhub: unexpected error: ${(error as Error)?.message ?? String(error)}`);
    if (process.env.MHUB_DEBUG) io.err(String((error as Error)?.stack));
    return EXIT_CODES.INTERNAL;
  }
}
