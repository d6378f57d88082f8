// The Docker backend: the model's image, run under the safety defaults (container.ts).
import type Docker from 'dockerode';
import { MhubError } from '../../errors.ts';
import type { Backend, BackendContext } from '../types.ts';
import { connectDocker } from './client.ts';
import { LABEL_PREFIX, runContainer } from './container.ts';
import { ensureImage, imageReference } from './image.ts';

/** The command the runner passes: for `mhub` images always `--workflow <name>`. */
export function containerCommand(
  iface: 'mhub' | 'files',
  workflow: string | undefined,
): string[] | undefined {
  return iface === 'mhub' ? ['--workflow', workflow ?? 'default'] : undefined;
}

/** The equivalent `docker run` line, as the catalog shows it. */
export function dockerRunLine(
  runtime: { image: string; tag?: string; digest?: string; interface: 'mhub' | 'files' },
  workflow?: string,
): string {
  const cmd = containerCommand(runtime.interface, workflow);
  return [
    'docker run --rm --network none --cap-drop ALL --security-opt no-new-privileges',
    '-v INPUT:/app/data/input_data:ro -v OUTPUT:/app/data/output_data',
    imageReference(runtime),
    ...(cmd ?? []),
  ].join(' ');
}

export function dockerBackend(): Backend {
  let docker: Docker | undefined;
  let image: string | undefined;
  return {
    name: 'docker',
    async prepare(ctx: BackendContext) {
      const runtime = ctx.record.card.runtimes.docker;
      if (!runtime) throw new MhubError('INVALID_INPUT', `${ctx.record.file} has no runtimes.docker`);
      docker = (await connectDocker(ctx.dockerSocket)).docker;
      image = await ensureImage(docker, runtime, ctx.progress, ctx.pull);
    },
    async run(ctx: BackendContext) {
      const runtime = ctx.record.card.runtimes.docker;
      if (!docker || !image || !runtime)
        throw new MhubError('INTERNAL', 'docker backend used before prepare');
      const card = ctx.record.card;
      await runContainer(
        docker,
        {
          image,
          name: `mhub-${card.name}-${ctx.runId}`,
          cmd: containerCommand(runtime.interface, ctx.workflow),
          inputDir: ctx.inputDir,
          outputDir: ctx.outputDir,
          labels: {
            [`${LABEL_PREFIX}run`]: ctx.runId,
            [`${LABEL_PREFIX}model`]: card.name,
            [`${LABEL_PREFIX}version`]: card.version,
            ...ctx.labels,
          },
          gpu: ctx.gpu,
          memoryBytes: ctx.memoryBytes,
        },
        { signal: ctx.signal, progress: ctx.progress, log: ctx.log },
      );
    },
  };
}
