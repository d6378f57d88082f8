// `mhub listen --ae AE --port P --model NAME [--forward ...]`: parses, starts the DICOM node
// (src/pacs), prints one line per series, stops on Ctrl-C.
import path from 'node:path';
import type { Command } from 'commander';
import { MhubError } from '../../errors.ts';
import type { CliIO } from '../io.ts';

interface ListenCliOptions {
  ae: string;
  port: string;
  model: string;
  host: string;
  forward?: string;
  spool?: string;
  quietPeriod: string;
  backend: 'docker' | 'venv' | 'auto';
  registry?: string[];
}

/** Fills in the `listen` command (the shape of main's lazily loaded command modules). */
export function register(command: Command, io: CliIO, setExit: (code: number) => void): void {
  command
    .requiredOption('--ae <title>', 'AE title this node answers to')
    .requiredOption('--port <port>', 'TCP port for DICOM associations')
    .requiredOption('--model <name>', 'registry name of a one-input model')
    .option('--host <address>', 'address to listen on (0.0.0.0 for every interface)', '127.0.0.1')
    .option(
      '--forward <address>',
      'send results to dimse://AE@host:port (C-STORE) or dicomweb+http(s)://server/root (STOW-RS)',
    )
    .option('--spool <dir>', 'queue and results folder (default $MHUB_HOME/listen/<AE>)')
    .option('--quiet-period <seconds>', 'a series is complete after this long without a new instance', '5')
    .option('--backend <name>', 'docker, venv or auto', 'auto')
    .option('--registry <path...>', 'card files or folders to find the model in')
    .action(async (opts: ListenCliOptions) => {
      const port = Number(opts.port);
      const quiet = Number(opts.quietPeriod);
      if (!Number.isInteger(port) || port < 1 || port > 65535)
        throw new MhubError('USAGE', `--port ${opts.port} is not a TCP port`);
      if (!(quiet >= 0))
        throw new MhubError('USAGE', `--quiet-period ${opts.quietPeriod} is not a number of seconds`);
      const { startListener } = await import('../../pacs/index.ts');
      const { mhubHome } = await import('../../runner/index.ts');
      const listener = await startListener(
        {
          ae: opts.ae,
          port,
          host: opts.host,
          model: opts.model,
          forward: opts.forward,
          spool: path.resolve(opts.spool ?? path.join(mhubHome(), 'listen', opts.ae)),
          quietMs: quiet * 1000,
          backend: opts.backend,
          registry: opts.registry,
          log: (line) => io.err(`  | ${line}`),
        },
        (o) =>
          io.out(
            `${o.status} ${o.study}/${o.series}${o.message ? `: ${o.message}` : ''}${o.outputs.length ? ` -> ${o.outputs.join(', ')}` : ''}`,
          ),
      );
      io.err(
        `mhub listen: ${opts.ae} on ${opts.host}:${listener.port}; Ctrl-C stops (received series stay queued)`,
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await listener.close();
      setExit(0);
    });
}
