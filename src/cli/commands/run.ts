// `mhub run <model> --input PATH --output DIR [...]`: parses, calls runModel, prints.
import { type Command, Option } from 'commander';
import { MhubError } from '../../errors.ts';
import { type ProgressRenderer, progressRenderer } from '../../progress.ts';
import {
  OUTPUT_FORMATS,
  type OutputFormat,
  PULL_POLICIES,
  type PullPolicy,
  type RunRequest,
} from '../../runner/index.ts';
import type { CliIO } from '../io.ts';
import { REGISTRY_OPTION_HELP, registryFor } from '../registry-source.ts';

interface RunOptions {
  input: string[];
  output: string;
  force?: boolean;
  backend: 'docker' | 'venv' | 'auto';
  gpu: 'auto' | 'on' | 'off';
  workflow?: string;
  outputFormat?: string[];
  timeout?: string;
  memory?: string;
  tiltCorrect?: boolean;
  registry?: string[];
  pull: PullPolicy;
  json?: boolean;
  quiet?: boolean;
  push?: string;
}

/** "ct=/a.nii.gz" pairs, or one bare path. */
export function parseInputs(values: readonly string[]): RunRequest['input'] {
  if (values.length === 1 && !/^[a-z][a-z0-9_]*=/.test(values[0]!)) return values[0]!;
  const map: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq <= 0) throw new MhubError('USAGE', `--input ${value} needs an input id`, 'write --input ID=PATH');
    map[value.slice(0, eq)] = value.slice(eq + 1);
  }
  return map;
}

/** "512m", "2g", "1073741824" -> bytes. */
export function parseSize(text: string): number {
  const m = /^([0-9.]+)\s*([kmgt]?)i?b?$/i.exec(text.trim());
  if (!m) throw new MhubError('USAGE', `--memory ${text} is not a size`, 'write e.g. 512m or 8g');
  const unit = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }[m[2]!.toLowerCase() as 'k'];
  return Math.round(Number(m[1]) * unit);
}

export function register(command: Command, io: CliIO, setExit: (code: number) => void): void {
  command
    .argument('<model>', 'registry name, e.g. classical_ct')
    .requiredOption(
      '-i, --input <path...>',
      'DICOM folder, NIfTI/NRRD file, dicomweb+http(s)://server/root/studies/UID[/series/UID] or dimse://AE@host:port/StudyUID; ID=PATH for models with several inputs',
    )
    .requiredOption('-o, --output <dir>', 'folder for the results (created when missing)')
    .addOption(
      new Option('--backend <name>', 'where to run').choices(['docker', 'venv', 'auto']).default('auto'),
    )
    .addOption(new Option('--gpu <mode>', 'use a GPU').choices(['auto', 'on', 'off']).default('auto'))
    .option('--workflow <name>', 'MHub workflow (mhub-interface images)')
    .addOption(
      new Option('--output-format <format...>', 'formats to write (default: the model own)').choices([
        ...OUTPUT_FORMATS,
      ]),
    )
    .option('--timeout <seconds>', 'stop the model after this many seconds')
    .option('--memory <size>', 'memory limit for the container, e.g. 8g')
    .option('--tilt-correct', 'resample tilted/sheared inputs (CT gantry tilt) to an orthogonal grid')
    .option('--registry <source...>', REGISTRY_OPTION_HELP)
    .addOption(
      new Option('--pull <when>', 'pull the Docker image: when missing, always, or never')
        .choices([...PULL_POLICIES])
        .default('missing'),
    )
    .option(
      '--push <url>',
      'store the DICOM results (SEG) on dicomweb+http(s)://server/root with STOW-RS; credentials: MHUB_DICOMWEB_TOKEN or MHUB_DICOMWEB_USER/_PASSWORD',
    )
    .option('--json', 'progress as JSON lines on stderr, the result as JSON on stdout')
    .option('-q, --quiet', 'do not print the model output')
    .option(
      '--force',
      'replace files already in the output folder (the old ones go only once every new one is in place)',
    )
    .action(async (model: string, opts: RunOptions) => {
      const timeout = opts.timeout === undefined ? undefined : Number(opts.timeout);
      if (timeout !== undefined && !(timeout > 0)) {
        throw new MhubError('USAGE', `--timeout ${opts.timeout} is not a positive number of seconds`);
      }
      // --json: every event as a JSON line on stderr (for launchers such as the Slicer module).
      const renderer: ProgressRenderer = opts.json
        ? { progress: (e) => io.err(JSON.stringify(e)), close: () => {} }
        : progressRenderer({ isTTY: io.isTTY, err: io.err });
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      try {
        // Loaded on use: `mhub --help` and other commands need not pay for the runner's imports.
        const { runModel } = await import('../../runner/index.ts');
        const input = parseInputs(opts.input);
        const pacs = await import('../../pacs/index.ts');
        const run = pacs.usesPacs(input, opts.push) ? pacs.runWithPacs : runModel;
        const result: { pushed?: string[] } & Awaited<ReturnType<typeof runModel>> = await run({
          model,
          input,
          push: opts.push,
          output: opts.output,
          force: opts.force,
          backend: opts.backend,
          gpu: opts.gpu,
          workflow: opts.workflow,
          outputFormats: opts.outputFormat as OutputFormat[] | undefined,
          timeoutMs: timeout === undefined ? undefined : timeout * 1000,
          memoryBytes: opts.memory ? parseSize(opts.memory) : undefined,
          tiltCorrect: opts.tiltCorrect,
          registry: await registryFor(model, opts.registry, io),
          pull: opts.pull,
          signal: controller.signal,
          progress: renderer.progress,
          log: (line) => {
            if (opts.quiet) return;
            renderer.close();
            io.err(opts.json ? JSON.stringify({ log: line }) : `  | ${line}`);
          },
        });
        renderer.close();
        if (opts.json) io.out(JSON.stringify(result));
        else {
          io.out(
            `${result.model} ran with ${result.backend} in ${(result.durationMs / 1000).toFixed(1)} s; wrote:`,
          );
          for (const file of result.outputs) io.out(`  ${file}`);
          for (const warning of result.warnings) io.err(`warning: ${warning}`);
          if (result.pushed) io.out(`stored ${result.pushed.length} result(s) on ${opts.push}`);
        }
        setExit(0);
      } finally {
        renderer.close();
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
}
