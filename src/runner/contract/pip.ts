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
