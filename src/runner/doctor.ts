// `mhub doctor [model]`: what this machine can run, each check with its fix.
import { statfs } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  gpuChoice,
  mayHaveNvidia,
  platformFindings,
  platformId,
  platformInfo,
  systemProbe,
} from '../platform/index.ts';
import type { CardRecord } from '../registry/index.ts';
import { ENV, imageReference, satisfies } from './contract/index.ts';
import { connectDocker } from './docker/client.ts';
import { detectGpu } from './gpu.ts';
import { mhubHome } from './venv/env.ts';
import { availablePythons, pythonLabel } from './venv/python.ts';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface Check {
  name: string;
  status: CheckStatus;
  detail: string;
  fix?: string;
}

export interface DoctorOptions {
  dockerSocket?: string;
  home?: string;
  env?: NodeJS.ProcessEnv;
}

async function freeBytes(dir: string): Promise<number | undefined> {
  let at = path.resolve(dir);
  for (;;) {
    try {
      const s = await statfs(at);
      return s.bavail * s.bsize;
    } catch {
      const up = path.dirname(at);
      if (up === at) return undefined;
      at = up;
    }
  }
}

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

export async function doctor(record?: CardRecord, options: DoctorOptions = {}): Promise<Check[]> {
  const card = record?.card;
  const probe = systemProbe(options.env);
  const home = options.home ?? mhubHome(options.env);
  // The OS, its Docker endpoint and its known limits, with their fixes (src/platform).
  const checks: Check[] = platformFindings(probe, {
    cacheRoot: home,
    ...(options.dockerSocket ? { dockerSocket: options.dockerSocket } : {}),
  });
  // Docker: reachable (and with it installed, socket permission, version), NVIDIA runtime.
  let runtimes: string[] = [];
  let dockerOk = false;
  let imagePresent: boolean | undefined;
  try {
    const { docker, version } = await connectDocker(options.dockerSocket);
    dockerOk = true;
    checks.push({ name: 'Docker', status: 'ok', detail: `daemon ${version} reachable` });
    const info = (await docker.info()) as { Runtimes?: Record<string, unknown> };
    runtimes = Object.keys(info.Runtimes ?? {});
    if (card?.runtimes.docker) {
      const ref = imageReference(card.runtimes.docker);
      imagePresent = await docker
        .getImage(ref)
        .inspect()
        .then(
          () => true,
          () => false,
        );
    }
  } catch (error) {
    const e = error as { message: string; hint?: string };
    checks.push({
      name: 'Docker',
      status: card?.runtimes.venv ? 'warn' : 'fail',
      detail: e.message,
      fix: e.hint,
    });
  }
  const gpu = mayHaveNvidia(probe) ? await detectGpu() : undefined;
  const mps = gpuChoice(probe, 'venv', false).device === 'mps';
  checks.push(
    mps
      ? {
          name: 'GPU',
          status: 'ok',
          detail: 'Apple Silicon: venv models that support it use the GPU through MPS; containers get none',
        }
      : gpu
        ? {
            name: 'GPU',
            status: 'ok',
            detail: `${gpu.names.join(', ')}; driver ${gpu.driver ?? '?'}, CUDA ${gpu.cuda ?? '?'}`,
          }
        : {
            name: 'GPU',
            status: card?.requirements.gpu === 'required' ? 'fail' : 'warn',
            detail: gpuChoice(probe, 'docker', false).reason,
            fix: `models run on the CPU (slower); for a GPU: ${platformInfo(platformId(probe)).gpuFix}`,
          },
  );
  if (gpu && dockerOk) {
    checks.push(
      runtimes.includes('nvidia')
        ? { name: 'Docker GPU runtime', status: 'ok', detail: 'nvidia runtime registered' }
        : {
            name: 'Docker GPU runtime',
            status: 'warn',
            detail: `no nvidia runtime in Docker (runtimes: ${runtimes.join(', ') || 'none'})`,
            fix: 'install the NVIDIA Container Toolkit: nvidia-ctk runtime configure --runtime=docker',
          },
    );
  }
  const pythons = await availablePythons(options.env);
  checks.push(
    pythons.length
      ? {
          name: 'Python',
          status: 'ok',
          detail: pythons.map((p) => `${pythonLabel(p)} ${p.version}`).join(', '),
        }
      : {
          name: 'Python',
          status: 'warn',
          detail: 'no python3 on PATH',
          fix: 'install Python 3 for the venv backend',
        },
  );
  const free = await freeBytes(home);
  const need = (card?.requirements.diskGb ?? 1) * 2 ** 30;
  checks.push(
    free === undefined
      ? { name: 'Cache disk', status: 'warn', detail: `cannot measure free space at ${home}` }
      : {
          name: 'Cache disk',
          status: free >= need ? 'ok' : 'fail',
          detail: `${gib(free)} free at ${home}`,
          ...(free >= need
            ? {}
            : { fix: `free space or set ${ENV.home} to a bigger disk (needs ${gib(need)})` }),
        },
  );
  if (card)
    checks.push(...modelChecks(record!, { dockerOk, imagePresent, gpu: Boolean(gpu) || mps, pythons }));
  return checks;
}

function modelChecks(
  record: CardRecord,
  have: {
    dockerOk: boolean;
    imagePresent?: boolean;
    gpu: boolean;
    pythons: { version: string; command: string }[];
  },
): Check[] {
  const card = record.card;
  const checks: Check[] = [];
  const ram = card.requirements.ramGb;
  if (ram) {
    const total = os.totalmem();
    checks.push({
      name: `${card.name}: memory`,
      status: total >= ram * 2 ** 30 ? 'ok' : 'fail',
      detail: `needs ${ram} GiB, this machine has ${gib(total)}`,
      ...(total >= ram * 2 ** 30 ? {} : { fix: 'run it on a machine with more memory' }),
    });
  }
  if (card.requirements.gpu === 'required') {
    checks.push({
      name: `${card.name}: GPU`,
      status: have.gpu ? 'ok' : 'fail',
      detail: have.gpu ? 'needs a GPU: found' : 'needs a GPU: none found',
      ...(have.gpu ? {} : { fix: 'run it on a machine with an NVIDIA GPU' }),
    });
  }
  const ways: string[] = [];
  if (card.runtimes.docker) {
    const ref = imageReference(card.runtimes.docker);
    if (have.dockerOk) {
      ways.push('docker');
      checks.push({
        name: `${card.name}: docker`,
        status: 'ok',
        detail: have.imagePresent ? `image ${ref} present` : `image ${ref} will be pulled on first run`,
      });
    } else {
      checks.push({
        name: `${card.name}: docker`,
        status: 'warn',
        detail: 'Docker is not reachable (see above)',
      });
    }
  }
  const venv = card.runtimes.venv;
  if (venv) {
    const match = have.pythons.find((p) => satisfies(p.version, venv.python));
    if (match) ways.push('venv');
    checks.push(
      match
        ? {
            name: `${card.name}: venv`,
            status: 'ok',
            detail: `${pythonLabel(match)} ${match.version} matches ${venv.python}`,
          }
        : {
            name: `${card.name}: venv`,
            status: 'warn',
            detail: `no Python matching ${venv.python}`,
            fix: `install a matching Python or set ${ENV.python}`,
          },
    );
  }
  checks.push(
    ways.length
      ? { name: `${card.name}: runnable`, status: 'ok', detail: `with ${ways.join(' or ')}` }
      : {
          name: `${card.name}: runnable`,
          status: 'fail',
          detail: 'no backend can run it here',
          fix: 'start Docker, or install a Python that matches runtimes.venv.python',
        },
  );
  return checks;
}
