// The Docker backend: the model's image, run under the contract's container (container.ts).
import { chown, lchown, readdir } from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import { MhubError } from '../../errors.ts';
import { ownerLabel } from '../../fsafe/index.ts';
import { emulationWarning } from '../../platform/index.ts';
import { containerCommand, containerName, LABELS, UNPRIVILEGED_USER } from '../contract/index.ts';
import type { Backend, BackendContext } from '../types.ts';
import { connectDocker } from './client.ts';
import { callerContainerUser, runContainer } from './container.ts';
import { removeDeadContainers } from './dead-containers.ts';
import { ensureImage } from './image.ts';

/** Gives the folder and what the unprivileged container user wrote back to the caller (root). */
async function reclaim(dir: string, uid: number, gid: number): Promise<void> {
  await lchown(dir, uid, gid).catch(() => {});
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const e of entries) await lchown(path.join(e.parentPath, e.name), uid, gid).catch(() => {});
}

/** The emulation warning (src/platform) for the image's architecture on the engine's. */
async function emulated(docker: Docker, image: string): Promise<string | undefined> {
  const [info, inspected] = await Promise.all([
    docker.info().catch(() => undefined) as Promise<{ Architecture?: string } | undefined>,
    docker
      .getImage(image)
      .inspect()
      .catch(() => undefined),
  ]);
  if (!info?.Architecture || !inspected?.Architecture) return undefined;
  return emulationWarning(info.Architecture, [inspected.Architecture], image);
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
      await removeDeadContainers(docker);
      image = await ensureImage(docker, runtime, ctx.progress, ctx.pull, ctx.home);
      const warning = await emulated(docker, image);
      if (warning) ctx.warn?.(warning);
    },
    async run(ctx: BackendContext) {
      const runtime = ctx.record.card.runtimes.docker;
      if (!docker || !image || !runtime)
        throw new MhubError('INTERNAL', 'docker backend used before prepare');
      const card = ctx.record.card;
      const user = callerContainerUser();
      // A root caller's container runs as nobody: it gets the private output folder (only it and
      // root can write there), and what it wrote is handed back afterwards.
      const unprivileged = user === UNPRIVILEGED_USER;
      if (unprivileged) {
        const [uid = 65534, gid = 65534] = UNPRIVILEGED_USER.split(':').map(Number);
        await chown(ctx.outputDir, uid, gid);
      }
      try {
        await runContainer(
          docker,
          {
            image,
            name: containerName(card.name, ctx.runId),
            cmd: containerCommand(runtime.interface, ctx.workflow),
            inputDir: ctx.inputDir,
            outputDir: ctx.outputDir,
            labels: {
              [LABELS.run]: ctx.runId,
              [LABELS.model]: card.name,
              [LABELS.version]: card.version,
              [LABELS.owner]: ownerLabel(), // host:pid: what a killed run left is found by it
              ...ctx.labels,
            },
            user,
            gpu: ctx.gpu,
            memoryBytes: ctx.memoryBytes,
          },
          { signal: ctx.signal, progress: ctx.progress, log: ctx.log },
        );
      } finally {
        if (unprivileged) await reclaim(ctx.outputDir, process.getuid?.() ?? 0, process.getgid?.() ?? 0);
      }
    },
  };
}
