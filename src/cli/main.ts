// `mhub`: declares commands and maps errors to exit codes; the work lives in src/*.
// Start-up is most of a short command's time, so only the command being run is loaded: the
// others are listed for help from COMMANDS (name, arguments, description) without importing them.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { isMhubError, MhubError } from '../errors.ts';
import { EXIT_CODES } from '../exit-codes.ts';
import { type CliIO, processIO } from './io.ts';

type SetExit = (code: number) => void;
/** A command module fills in the command `main` created (options, action, subcommands). */
export type Register = (command: Command, io: CliIO, setExit: SetExit) => void;

interface CommandEntry {
  name: string;
  args?: string;
  description: string;
  load: () => Promise<{ register: Register }>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'registry',
    description: 'Validate, index and import model cards.',
    load: () => import('./commands/registry.ts'),
  },
  {
    name: 'run',
    args: '<model>',
    description:
      'Run a registered model on your images (Docker or a Python venv), converting inputs and outputs.',
    load: () => import('./commands/run.ts'),
  },
  {
    name: 'batch',
    args: '<model>',
    description:
      'Run a model over many studies (a folder or a manifest), resumably; locally or as a Slurm job array.',
    load: () => import('./commands/batch.ts'),
  },
  {
    name: 'listen',
    description:
      'Receive studies over DICOM (C-STORE), run a model on each complete series, send the results on.',
    load: () => import('./commands/listen.ts'),
  },
  {
    name: 'doctor',
    args: '[model]',
    description: 'Check Docker, GPU, Python and disk; with a model, whether this machine can run it.',
    load: () => import('./commands/doctor.ts'),
  },
  {
    name: 'test',
    args: '[model]',
    description:
      "Run a model on its card's sample input and compare with the reference output (Dice, tolerance); --all for every card.",
    load: () => import('./commands/test.ts'),
  },
  {
    name: 'bundle',
    args: '<model>',
    description:
      'Pack a model for a machine without network: image and/or wheels, code, weights, card, sha256s.',
    load: () => import('./commands/bundle.ts'),
  },
  {
    name: 'load',
    args: '<file>',
    description: 'Check and install a bundle from mhub bundle (docker load, venv from its wheels) offline.',
    load: () => import('./commands/load.ts'),
  },
  {
    name: 'convert',
    args: '<input>',
    description: 'Convert images and results between DICOM, NIfTI, NRRD, DICOM SEG and Slicer .seg.nrrd.',
    load: () => import('./commands/convert.ts'),
  },
  {
    name: 'generate',
    description: 'Generate integrations from the registry.',
    load: () => import('./commands/generate.ts'),
  },
  {
    name: 'site',
    description: 'Build and serve the catalog website (from a clone of the repository).',
    load: () => import('./commands/site.ts'),
  },
];

/** The command `argv` runs (also for `mhub help <command>`), if any. */
function wanted(argv: readonly string[]): CommandEntry | undefined {
  const words = argv.filter((a) => !a.startsWith('-'));
  const name = words[0] === 'help' ? words[1] : words[0];
  return COMMANDS.find((c) => c.name === name);
}

/** `all`: load every command (tests that inspect the whole program); else only the one run. */
export async function buildProgram(
  io: CliIO,
  setExit: SetExit,
  argv: readonly string[] | 'all' = 'all',
): Promise<Command> {
  const program = new Command('mhub')
    .description('Run published medical-imaging AI models; manage the model registry.')
    .version(packageVersion(), '-V, --version', 'print the version of mhub')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .showHelpAfterError('(run mhub --help for usage)');
  const run = argv === 'all' ? undefined : wanted(argv);
  for (const entry of COMMANDS) {
    const command = program.command(entry.name).description(entry.description);
    if (argv === 'all' || entry === run) (await loadCommand(entry)).register(command, io, setExit);
    else if (entry.args) command.arguments(entry.args);
  }
  return program;
}

/** The package's version: package.json sits two levels up from src/cli and from dist/cli. */
function packageVersion(): string {
  return JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
}

async function loadCommand(entry: CommandEntry): Promise<{ register: Register }> {
  try {
    return await entry.load();
  } catch (error) {
    // An installed CLI lacks the site toolchain (a dev dependency of the repository).
    const missing = /Cannot find (package|module) '([^']+)'/.exec((error as Error)?.message ?? '');
    if ((error as NodeJS.ErrnoException)?.code === 'ERR_MODULE_NOT_FOUND' && missing) {
      throw new MhubError(
        'ENVIRONMENT',
        `mhub ${entry.name} needs ${missing[2]}, which this installation does not include`,
        'run it from a clone of the repository after npm install',
      );
    }
    throw error;
  }
}

/** The deepest command `argv` names (the one whose subcommand was not found). */
function commandLevel(program: Command, argv: readonly string[]): Command {
  let level = program;
  for (const word of argv.filter((a) => !a.startsWith('-'))) {
    const next = level.commands.find((c) => c.name() === word);
    if (!next) break;
    level = next;
  }
  return level;
}

export async function main(argv: string[], io: CliIO = processIO): Promise<number> {
  let exit = 0;
  const setExit = (code: number) => {
    exit = Math.max(exit, code);
  };
  let program: Command | undefined;
  try {
    program = await buildProgram(io, setExit, argv);
    await program.parseAsync(argv, { from: 'user' });
    return exit;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander suggests a command only when one is close; otherwise name them all.
      if (error.code === 'commander.unknownCommand' && !error.message.includes('Did you mean') && program)
        io.err(
          `(the commands are: ${commandLevel(program, argv)
            .commands.map((c) => c.name())
            .join(', ')})`,
        );
      return error.exitCode === 0 ? 0 : EXIT_CODES.USAGE;
    }
    if (isMhubError(error)) {
      io.err(`mhub: ${error.message}${error.hint ? `\n  Fix: ${error.hint}` : ''}`);
      return EXIT_CODES[error.code];
    }
    // Loaded here, not at start-up: a write path that missed src/fsafe's mapping of a full disk.
    const { isDiskFull } = await import('../fsafe/index.ts');
    if (isDiskFull(error)) {
      io.err(
        `mhub: the disk is full: ${(error as Error).message}\n  Fix: free some disk space or write to another disk`,
      );
      return EXIT_CODES.ENVIRONMENT;
    }
    io.err(`mhub: unexpected error: ${(error as Error)?.message ?? String(error)}`);
    if (process.env.MHUB_DEBUG) io.err(String((error as Error)?.stack));
    return EXIT_CODES.INTERNAL;
  }
}
