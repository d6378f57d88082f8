// `mhub batch <model> --inputs ... --out ...`, `mhub batch status <out>`, `mhub batch cancel <out>`.
import { type Command, Option } from 'commander';
import type { LedgerEntry } from '../../batch/index.ts';
import { MhubError } from '../../errors.ts';
import { progressRenderer } from '../../progress.ts';
import { OUTPUT_FORMATS, type OutputFormat } from '../../runner/index.ts';
import type { CliIO } from '../io.ts';

interface BatchCliOptions {
  inputs?: string;
  out?: string;
  engine: 'local' | 'slurm';
  jobs?: string;
  backend: 'docker' | 'venv' | 'auto';
  gpu: 'auto' | 'on' | 'off';
  workflow?: string;
  outputFormat?: string[];
  timeout?: string;
  retries: string;
  shardSize?: string;
  shard?: string;
  sbatchArgs?: string;
  container?: 'apptainer';
  emit?: 'k8s' | 'wdl';
  registry?: string[];
  json?: boolean;
  quiet?: boolean;
}

function whole(text: string | undefined, flag: string, min: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min)
    throw new MhubError('USAGE', `${flag} ${text} is not a whole number >= ${min}`);
  return n;
}

export function register(batch: Command, io: CliIO, setExit: (code: number) => void): void {
  batch
    .argument('<model>', 'registry name, e.g. classical_ct')
    .option(
      '--inputs <path>',
      'folder of studies, a manifest (.csv or .jsonl), or every study a DICOMweb query finds: "dicomweb+http(s)://server/root?ModalitiesInStudy=CT&StudyDate=..."',
    )
    // Not requiredOption: commander would demand it of `batch status` and `batch cancel` too.
    .option('-o, --out <dir>', 'batch folder: one result folder per item, the ledger and the summary')
    .addOption(new Option('--engine <name>', 'where items run').choices(['local', 'slurm']).default('local'))
    .option('-j, --jobs <n>', 'items at once (default: from cores, memory and the card)')
    .addOption(
      new Option('--backend <name>', 'how each item runs')
        .choices(['docker', 'venv', 'auto'])
        .default('auto'),
    )
    .addOption(new Option('--gpu <mode>', 'use a GPU').choices(['auto', 'on', 'off']).default('auto'))
    .option('--workflow <name>', 'MHub workflow (mhub-interface images)')
    .addOption(new Option('--output-format <format...>', 'formats to write').choices([...OUTPUT_FORMATS]))
    .option('--timeout <seconds>', 'stop an item after this many seconds')
    .option('--retries <n>', 'extra attempts for a failed item in this run', '0')
    .option('--shard-size <k>', 'items per shard (one Slurm array task each)')
    .option('--shard <i>', 'run only shard i of the plan in --out (what each Slurm array task does)')
    .option('--sbatch-args <args>', "extra sbatch options, e.g. '--partition=cpu --time=02:00:00'")
    .addOption(
      new Option('--container <name>', 'with --engine slurm: run the image with Apptainer').choices([
        'apptainer',
      ]),
    )
    .addOption(
      new Option(
        '--emit <engine>',
        'write a Kubernetes Indexed Job or a WDL workflow (not run here)',
      ).choices(['k8s', 'wdl']),
    )
    .option('--registry <path...>', 'card files or folders to find the model in')
    .option('--json', 'ledger lines and the result as JSON lines on stdout')
    .option('-q, --quiet', 'do not print the models output')
    .action(async (model: string, opts: BatchCliOptions) => {
      const timeout = opts.timeout === undefined ? undefined : Number(opts.timeout);
      if (timeout !== undefined && !(timeout > 0))
        throw new MhubError('USAGE', `--timeout ${opts.timeout} is not a positive number of seconds`);
      const jobs = whole(opts.jobs, '--jobs', 1);
      const retries = whole(opts.retries, '--retries', 0)!;
      const shardSize = whole(opts.shardSize, '--shard-size', 1);
      const shard = whole(opts.shard, '--shard', 0);
      if (!opts.out) throw new MhubError('USAGE', 'give --out, the batch folder');
      const out = opts.out;
      if (shard === undefined && opts.inputs === undefined)
        throw new MhubError('USAGE', 'give --inputs (a folder of studies, a manifest or a DICOMweb query)');
      const batchLib = await import('../../batch/index.ts');
      const plan = (size: number | undefined) =>
        batchLib.planBatch({ model, inputs: opts.inputs!, out, shardSize: size, registry: opts.registry });
      const printWritten = (files: string[]) => {
        if (opts.json) io.out(JSON.stringify({ files }));
        else for (const file of files) io.out(`wrote ${file}`);
        setExit(0);
      };
      if (opts.emit === 'k8s') {
        // One index per item: each pod mounts its own input and output folders by index.
        const planned = await plan(1);
        const files = await batchLib.emitK8s(out, {
          ...planned,
          parallelism: jobs ?? batchLib.defaultJobs(planned.record),
          retries,
          workflow: opts.workflow,
        });
        printWritten(files);
        return;
      }
      if (opts.emit === 'wdl') {
        const planned = await plan(shardSize);
        const files = await batchLib.emitWdl(out, { ...planned, workflow: opts.workflow });
        printWritten(files);
        return;
      }
      if (opts.engine === 'slurm') {
        const planned = await plan(shardSize);
        const submitted = await batchLib.submitSlurm({
          out,
          meta: planned.meta,
          items: planned.items,
          record: planned.record,
          backend: opts.backend,
          retries,
          sbatchArgs: opts.sbatchArgs?.split(/\s+/).filter(Boolean),
          container: opts.container,
          registry: opts.registry,
          env: process.env,
        });
        if (opts.json) io.out(JSON.stringify(submitted));
        else if (!submitted.jobId) io.out(`every item of ${out} is done; nothing submitted`);
        else
          io.out(
            `submitted job ${submitted.jobId}: ${submitted.shards.length} array task(s), script ${submitted.script}`,
          );
        setExit(0);
        return;
      }
      const bar = progressRenderer({ isTTY: io.isTTY, err: io.err });
      const started = Date.now();
      let queued = 0;
      const running = new Set<string>();
      const done = new Set<string>();
      const failed = new Set<string>();
      const tally = (e: LedgerEntry) => {
        // A retried item leaves `failed` when its next attempt starts.
        for (const set of [running, failed]) set.delete(e.item);
        ({ running, done, failed, skipped: done })[e.state].add(e.item);
      };
      const drawBar = () => {
        const finished = done.size + failed.size;
        const left = Math.max(0, queued - finished);
        const eta =
          finished > 0 && left > 0
            ? ` ETA ${batchLib.formatSeconds(Math.round(((Date.now() - started) / finished / 1000) * left))}`
            : '';
        bar.progress({
          phase: 'batch',
          done: Math.min(finished, queued),
          total: queued,
          message: `${done.size} done, ${failed.size} failed, ${running.size} running${eta}`,
        });
      };
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      try {
        const outcome = await batchLib.runBatch({
          model,
          inputs: opts.inputs,
          out,
          backend: opts.backend,
          jobs,
          retries,
          shard,
          shardSize,
          registry: opts.registry,
          defaults: {
            gpu: opts.gpu,
            workflow: opts.workflow,
            outputFormats: opts.outputFormat as OutputFormat[] | undefined,
            timeoutMs: timeout === undefined ? undefined : timeout * 1000,
          },
          signal: controller.signal,
          onQueued: (n) => {
            queued = n;
          },
          onEntry: (e) => {
            if (opts.json) return io.out(JSON.stringify(e));
            tally(e);
            if (io.isTTY) {
              // A bar on a terminal; failures still get a line of their own.
              if (e.state === 'failed') {
                bar.close();
                io.err(`${e.item}: failed: ${batchLib.oneLine(e.error ?? '')}`);
              }
              return drawBar();
            }
            if (e.state === 'running')
              return io.err(`${e.item}: running (attempt ${e.attempt}, ${e.backend})`);
            const took = e.durationMs === undefined ? '' : ` in ${(e.durationMs / 1000).toFixed(1)} s`;
            io.err(`${e.item}: ${e.state}${took}${e.error ? `: ${batchLib.oneLine(e.error)}` : ''}`);
          },
          log: (item, line) => {
            if (opts.quiet || opts.json) return;
            bar.close();
            io.err(`  ${item} | ${line}`);
          },
        });
        bar.close();
        const { result, status, summary } = outcome;
        if (opts.json) io.out(JSON.stringify({ result, counts: status.counts, summary }));
        else {
          io.out(
            `${status.model}: ${batchLib.statusLine(status)} (${result.skipped} already done, ${result.jobs} at once, ${result.backend})`,
          );
          for (const f of result.failed) io.out(`  failed ${f.id}: ${batchLib.oneLine(f.error)}`);
          for (const file of summary) io.out(`  summary: ${file}`);
        }
        setExit(result.failed.length > 0 ? 1 : 0);
      } finally {
        bar.close();
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });

  batch
    .command('status')
    .description('Counts by state, throughput and ETA of a batch folder (and its Slurm tasks).')
    .argument('<out>', 'the batch folder')
    .option('--json', 'as JSON')
    .action(async (out: string, own: { json?: boolean }) => {
      // Commander gives `batch status <out> --json` to batch's own --json.
      const opts = { json: own.json || (batch.opts() as BatchCliOptions).json };
      const batchLib = await import('../../batch/index.ts');
      const status = await batchLib.batchStatus(out);
      const slurm = await batchLib.slurmJobs(out);
      if (opts.json) {
        io.out(JSON.stringify({ ...status, slurm }));
      } else {
        io.out(`${status.model} ${status.version} in ${status.out}: ${batchLib.statusLine(status)}`);
        for (const item of status.items.filter((i) => i.state === 'failed')) {
          io.out(`  failed ${item.id} (attempts ${item.attempts}): ${batchLib.oneLine(item.error ?? '')}`);
        }
        if (slurm.jobs.length > 0) {
          const byState = new Map<string, number>();
          for (const t of slurm.tasks) byState.set(t.state, (byState.get(t.state) ?? 0) + 1);
          const states = [...byState].map(([s, n]) => `${n} ${s.toLowerCase()}`).join(', ') || 'none queued';
          io.out(
            `  slurm job${slurm.jobs.length > 1 ? 's' : ''} ${slurm.jobs.join(', ')}: ${states}${slurm.note ? ` (${slurm.note})` : ''}`,
          );
        }
      }
      setExit(0);
    });

  batch
    .command('cancel')
    .description("Cancel a batch's Slurm jobs (scancel); finished items are kept.")
    .argument('<out>', 'the batch folder')
    .action(async (out: string) => {
      const { cancelSlurm } = await import('../../batch/index.ts');
      const jobs = await cancelSlurm(out);
      io.out(`cancelled job${jobs.length > 1 ? 's' : ''} ${jobs.join(', ')}`);
      setExit(0);
    });
}
