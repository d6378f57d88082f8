// The YAML libraries, loaded on first use: together they cost more start-up than the rest of
// the registry, and commands such as `mhub convert` reach the registry (terminology) but never
// parse a card. Synchronous (require) because card parsing is synchronous.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let yamlLib: typeof import('yaml') | undefined;
let jsYamlLib: typeof import('js-yaml') | undefined;

/** `yaml`: position-aware documents (diagnostics, card writing). */
export const yaml = (): typeof import('yaml') => {
  yamlLib ??= require('yaml') as typeof import('yaml');
  return yamlLib;
};

/** `js-yaml`: the fast data-only parser. */
export const jsYaml = (): typeof import('js-yaml') => {
  jsYamlLib ??= require('js-yaml') as typeof import('js-yaml');
  return jsYamlLib;
};
