// The "Supported platforms" page's content, from src/platform's table (the same one `mhub doctor`
// takes its fixes and findings from): per OS its Docker engines, fixes, limits and doctor checks,
// and per OS x backend the GPU a model gets and what is tested where.
import {
  type GpuDevice,
  PLATFORM_MATRIX,
  PLATFORMS,
  type PlatformInfo,
  type PlatformRow,
  TESTED_TEXT,
} from '../platform/index.ts';

export const GPU_TEXT: Record<GpuDevice, string> = {
  cuda: 'NVIDIA (CUDA)',
  mps: 'Apple GPU (MPS)',
  none: 'none: CPU only',
};

export interface PlatformsPage {
  platforms: (PlatformInfo & {
    rows: (PlatformRow & { gpuText: string; testedText: string })[];
  })[];
  tested: typeof TESTED_TEXT;
}

export function platformsPage(): PlatformsPage {
  return {
    platforms: PLATFORMS.map((p) => ({
      ...p,
      rows: PLATFORM_MATRIX.filter((r) => r.platform === p.id).map((r) => ({
        ...r,
        gpuText: GPU_TEXT[r.gpu],
        testedText: TESTED_TEXT[r.tested],
      })),
    })),
    tested: TESTED_TEXT,
  };
}
