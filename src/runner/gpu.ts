// Is there an NVIDIA GPU here? nvidia-smi answers (and says the CUDA version it supports).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface GpuInfo {
  names: string[];
  driver: string | undefined;
  cuda: string | undefined;
}

export async function detectGpu(
  command = process.env.MHUB_NVIDIA_SMI ?? 'nvidia-smi',
): Promise<GpuInfo | undefined> {
  try {
    const { stdout } = await run(command, ['--query-gpu=name,driver_version', '--format=csv,noheader'], {
      timeout: 10_000,
    });
    const rows = stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(',').map((s) => s.trim()));
    if (rows.length === 0) return undefined;
    const header = await run(command, [], { timeout: 10_000 }).then(
      (r) => r.stdout,
      () => '',
    );
    return {
      names: rows.map((r) => r[0] ?? 'GPU'),
      driver: rows[0]?.[1],
      cuda: /CUDA Version:\s*([0-9.]+)/.exec(header)?.[1],
    };
  } catch {
    return undefined;
  }
}
