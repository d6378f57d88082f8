// The venv backend: `python -m <entrypoint> <input> <output>` in the model's environment.
import { MhubError } from '../../errors.ts';
import { type GpuDevice, gpuEnvironment } from '../../platform/index.ts';
import { ENV } from '../contract/index.ts';
import type { Backend, BackendContext } from '../types.ts';
import { ensureEnv, type ModelEnv } from './env.ts';
import { runProcessTree } from './process.ts';

/** The model's environment variables: isolated PYTHONPATH, weights, GPU visibility (true: CUDA). */
export function modelEnvironment(
  env: ModelEnv,
  gpu: boolean | GpuDevice,
  base: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const device: GpuDevice = gpu === true ? 'cuda' : gpu === false ? 'none' : gpu;
  const { PYTHONPATH: _p, PYTHONHOME: _h, VIRTUAL_ENV: _v, ...rest } = base;
  return {
    ...rest,
    ...(env.sourceDir ? { PYTHONPATH: env.sourceDir } : {}),
    PYTHONUNBUFFERED: '1',
    PYTHONDONTWRITEBYTECODE: '1',
    [ENV.weights]: env.weightsDir,
    ...gpuEnvironment(device, base),
  };
}

export function venvBackend(): Backend {
  let env: ModelEnv | undefined;
  return {
    name: 'venv',
    async prepare(ctx: BackendContext) {
      env = await ensureEnv(ctx.record, { home: ctx.home, progress: ctx.progress, signal: ctx.signal });
    },
    async run(ctx: BackendContext) {
      const runtime = ctx.record.card.runtimes.venv;
      if (!env || !runtime) throw new MhubError('INTERNAL', 'venv backend used before prepare');
      await runProcessTree(
        {
          command: env.python,
          args: ['-m', runtime.entrypoint, ctx.inputDir, ctx.outputDir],
          env: modelEnvironment(env, ctx.device ?? ctx.gpu),
          label: `${ctx.record.card.name} (venv)`,
        },
        { signal: ctx.signal, progress: ctx.progress, log: ctx.log },
      );
    },
  };
}
