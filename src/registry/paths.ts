// Where the registry lives in a checkout; every tool takes these as defaults.
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const defaultModelsDir = fileURLToPath(new URL('../../registry/models/', import.meta.url));
