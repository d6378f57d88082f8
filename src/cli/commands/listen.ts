// `mhub listen --ae AE --port P --model NAME [--forward ...]`: parses, starts the DICOM node
// (src/pacs), prints one line per series, stops on Ctrl-C. `mhub listen status`: the spool's state.
import path from 'node:path';
import type { Command } from 'commander';
import { MhubError } from '../../errors.ts';
import type { CliIO } from '../io.ts';

interface ListenCliOptions {
  ae?: string;
  port?: string;
  model?: string;
  host: string;
  forward?: string;
  spool?: string;
  quietPeriod: string;
  concurrency: string;
  statusPort?: string;
  backend: 'docker' | 'venv' | 'auto';
  registry?: string[];
  json?: boolean;
}

function tcpPort(text: string, flag: string, min = 1): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < min || port > 65535)
    throw new MhubError('USAGE', `${flag} ${text} is not a TCP port`);
  return port;
}

/** The spool folder: --spool, else $MHUB_HOME/listen/<AE>. */
async function spoolOf(opts: { spool?: string; ae?: string }): Promise<string> {
  if (opts.spool) return path.resolve(opts.spool);
  if (!opts.ae) throw new MhubError('USAGE', "give --spool DIR or the listener's --ae to find its spool");
  const { mhubHome } = await import('../../runner/index.ts');
  return path.join(mhubHome(), 'listen', opts.ae);
}

/** Fills in the `listen` command (the shape of main's lazily loaded command modules). */
export function register(command: Command, io: CliIO, setExit: (code: number) => void): void {
  command
    // Checked in the action, not by commander: `listen status` must not need them.
    .option('--ae <title>', 'AE title this node answers to (required)')
    .option('--port <port>', 'TCP port for DICOM associations (required)')
    .option('--model <name>', 'registry name of a one-input model (required)')
    .option('--host <address>', 'address to listen on (0.0.0.0 for every interface)', '127.0.0.1')
    .option(
      '--forward <address>',
      'send results to dimse://AE@host:port (C-STORE) or dicomweb+http(s)://server/root (STOW-RS)',
    )
    .option('--spool <dir>', 'queue and results folder (default $MHUB_HOME/listen/<AE>)')
    .option('--quiet-period <seconds>', 'a series is complete after this long without a new instance', '5')
    .option('--concurrency <n>', 'run at most this many series at once', '1')
    .option('--status-port <port>', 'serve GET /status (JSON) on 127.0.0.1:<port>')
    .option('--backend <name>', 'docker, venv or auto', 'auto')
    .option('--registry <path...>', 'card files or folders to find the model in')
    .action(async (opts: ListenCliOptions) => {
      const missing = (['ae', 'port', 'model'] as const).filter((k) => opts[k] === undefined);
      if (missing.length > 0)
        throw new MhubError('USAGE', `mhub listen needs ${missing.map((k) => `--${k}`).join(', ')}`);
      const port = tcpPort(opts.port!, '--port');
      const quiet = Number(opts.quietPeriod);
      if (!(quiet >= 0))
        throw new MhubError('USAGE', `--quiet-period ${opts.quietPeriod} is not a number of seconds`);
      const concurrency = Number(opts.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1)
        throw new MhubError('USAGE', `--concurrency ${opts.concurrency} is not a whole number >= 1`);
      const statusPort =
        opts.statusPort === undefined ? undefined : tcpPort(opts.statusPort, '--status-port', 0);
      const { startListener } = await import('../../pacs/index.ts');
      const listener = await startListener(
        {
          ae: opts.ae!,
          port,
          host: opts.host,
          model: opts.model!,
          forward: opts.forward,
          spool: await spoolOf(opts),
          quietMs: quiet * 1000,
          concurrency,
          statusPort,
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
        `mhub listen: ${opts.ae} on ${opts.host}:${listener.port}${listener.statusPort === undefined ? '' : `, status on http://127.0.0.1:${listener.statusPort}/status`}; Ctrl-C stops (received series stay queued)`,
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await listener.close();
      setExit(0);
    });

  command
    .command('status')
    .description("A listener's spool: series receiving, queued, running, done, skipped and failed.")
    .option('--spool <dir>', 'the spool folder (default $MHUB_HOME/listen/<AE>)')
    .option('--ae <title>', "the listener's AE title, to find its default spool")
    .option('--json', 'as JSON')
    .action(async (own: { spool?: string; ae?: string; json?: boolean }) => {
      // Commander hands `listen status --spool X` to listen's own options of the same names.
      const parent = command.opts() as ListenCliOptions;
      const opts = {
        spool: own.spool ?? parent.spool,
        ae: own.ae ?? parent.ae,
        json: own.json || parent.json,
      };
      const { spoolStatus } = await import('../../pacs/index.ts');
      const spool = await spoolOf(opts);
      const { existsSync } = await import('node:fs');
      if (!existsSync(spool))
        throw new MhubError(
          'NOT_FOUND',
          `${spool} is not a listener's spool (it does not exist)`,
          'check --spool or --ae',
        );
      const status = await spoolStatus(spool);
      if (opts.json) {
        io.out(JSON.stringify(status));
        setExit(0);
        return;
      }
      const l = status.listener;
      io.out(
        `${spool}: ${status.listening && l ? `listening as ${l.ae} on ${l.host}:${l.port} for ${l.model}, ${l.concurrency} at once (pid ${l.pid})` : 'no listener running'}`,
      );
      io.out(
        `  ${Object.entries(status.counts)
          .map(([state, n]) => `${n} ${state}`)
          .join(', ')}`,
      );
      for (const s of status.series) {
        const n = s.instances === undefined ? '' : ` ${s.instances} instance${s.instances === 1 ? '' : 's'}`;
        const detail = s.message ? `: ${s.message}` : s.outputs?.length ? ` -> ${s.outputs.join(', ')}` : '';
        io.out(
          `  ${s.state}${s.interrupted ? ' (interrupted, runs again on restart)' : ''} ${s.study}/${s.series}${s.modality ? ` ${s.modality}` : ''}${n} since ${s.since}${detail}`,
        );
      }
      setExit(0);
    });
}
