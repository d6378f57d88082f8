// How both launchers (and the catalog's manual steps) install a model's requirements:
// every line hash-pinned, wheels only (an sdist's build dependencies would be fetched without
// hashes, so none is built), never a prompt.
export const PIP_INSTALL_FLAGS = [
  '--require-hashes',
  '--only-binary',
  ':all:',
  '--no-input',
  '--disable-pip-version-check',
] as const;

/**
 * Package indexes some pins need beyond pip's own configuration: PyTorch's CPU builds (`+cpu`
 * local versions) exist only on PyTorch's index, never on PyPI. `pattern` is a regular
 * expression both Python's `re` and JavaScript read alike (the Slicer launcher gets it
 * generated); it is tried on each requirement line, ignoring case.
 */
export const PACKAGE_INDEX_RULES = [
  { pattern: String.raw`^\s*torch[a-z]*==[^\s;]*\+cpu\b`, url: 'https://download.pytorch.org/whl/cpu' },
] as const;

/**
 * The extra package indexes a requirement list needs. `mirror` is the value of $MHUB_TORCH_INDEX
 * where set: index URLs (space-separated) used instead of PyTorch's, e.g. a hospital's mirror;
 * empty means pip's own configuration already serves these wheels.
 */
export function packageIndexes(requirements: readonly string[], mirror?: string): string[] {
  const needed = PACKAGE_INDEX_RULES.filter((rule) =>
    requirements.some((line) => new RegExp(rule.pattern, 'i').test(line)),
  ).map((rule) => rule.url);
  if (needed.length === 0) return [];
  return mirror === undefined ? needed : mirror.split(/\s+/).filter(Boolean);
}

/** `pip install` / `pip download` flags for those indexes. */
export const packageIndexFlags = (requirements: readonly string[], mirror?: string): string[] =>
  packageIndexes(requirements, mirror).flatMap((url) => ['--extra-index-url', url]);
