// An image built for another CPU runs under emulation (Apple Silicon running amd64 images through
// Rosetta/QEMU): it works, several times slower, and some models crash. Said before the run.

/** Docker's names for CPU architectures (x86_64 -> amd64, aarch64 -> arm64). */
export function dockerArch(arch: string): string {
  const a = arch.toLowerCase();
  if (a === 'x64' || a === 'x86_64' || a === 'amd64') return 'amd64';
  if (a === 'arm64' || a === 'aarch64' || a === 'arm64/v8') return 'arm64';
  return a;
}

/**
 * The warning when none of the image's architectures (docker image inspect .Architecture, or a
 * manifest list's platforms) is the engine's; undefined when one matches or nothing is known.
 */
export function emulationWarning(
  engineArch: string,
  imageArchs: readonly string[],
  image: string,
): string | undefined {
  const engine = dockerArch(engineArch);
  const archs = [...new Set(imageArchs.filter(Boolean).map(dockerArch))];
  if (archs.length === 0 || archs.includes(engine)) return undefined;
  return `${image} is built for ${archs.join(', ')} only; this ${engine} machine runs it under emulation, several times slower (some models fail under it)`;
}
