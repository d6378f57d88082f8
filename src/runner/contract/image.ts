// What a runtime's image reference and command are.
import type { DockerRuntime } from '../../registry/index.ts';

/** `image@digest` when the card pins one (what actually runs; Docker ignores a tag beside it), else `image:tag`. */
export function imageReference(
  runtime: DockerRuntime | Pick<DockerRuntime, 'image' | 'tag' | 'digest'>,
): string {
  if (runtime.digest) return `${runtime.image}@${runtime.digest}`;
  return `${runtime.image}:${runtime.tag ?? 'latest'}`;
}

/** The container's command: for `mhub` images always `--workflow <name>` (any argument replaces the image's default). */
export function containerCommand(
  iface: 'mhub' | 'files',
  workflow: string | undefined,
): string[] | undefined {
  return iface === 'mhub' ? ['--workflow', workflow || 'default'] : undefined;
}
