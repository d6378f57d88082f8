// Which GPU a model gets: NVIDIA CUDA on Linux, WSL2 and Windows (Docker Desktop passes it
// through its WSL 2 backend); on macOS none in containers, MPS for venv models on Apple Silicon.
import type { Backend, GpuDevice } from './matrix.ts';
import type { Probe } from './probe.ts';

export interface GpuChoice {
  device: GpuDevice;
  reason: string;
}

/** Whether nvidia-smi is worth asking (never on macOS: no NVIDIA driver there). */
export function mayHaveNvidia(probe: Pick<Probe, 'os'>): boolean {
  return probe.os !== 'darwin';
}

export function gpuChoice(probe: Pick<Probe, 'os' | 'arch'>, backend: Backend, nvidia: boolean): GpuChoice {
  if (probe.os === 'darwin') {
    if (backend === 'docker')
      return { device: 'none', reason: 'Docker on macOS runs containers in a VM without GPU access' };
    if (probe.arch === 'arm64') return { device: 'mps', reason: 'Apple Silicon GPU through PyTorch MPS' };
    return { device: 'none', reason: 'no CUDA on macOS on Intel' };
  }
  if (nvidia) return { device: 'cuda', reason: 'NVIDIA GPU (nvidia-smi)' };
  return { device: 'none', reason: 'no NVIDIA GPU was found (nvidia-smi)' };
}

/** The model process's GPU variables for the chosen device (venv backend). */
export function gpuEnvironment(
  device: GpuDevice,
  base: Record<string, string | undefined>,
): Record<string, string> {
  if (device === 'cuda') return { CUDA_VISIBLE_DEVICES: base.CUDA_VISIBLE_DEVICES ?? '0' };
  if (device === 'mps') return { CUDA_VISIBLE_DEVICES: '', PYTORCH_ENABLE_MPS_FALLBACK: '1' };
  return { CUDA_VISIBLE_DEVICES: '' };
}
