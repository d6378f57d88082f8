// `generateSlicerExtension`: the generator's programmatic API (the CLI calls this).
import { MhubError } from '../errors.ts';
import { checkOutput } from '../fsafe/index.ts';
import {
  closest,
  defaultModelsDir,
  loadRegistry,
  loadTerminology,
  type Terminology,
} from '../registry/index.ts';
import { type GeneratedFile, type RenderOptions, renderExtension } from './extension.ts';
import { writeFiles } from './write.ts';

export { type GeneratedFile, type RenderOptions, renderExtension } from './extension.ts';
export { colourFor, iconPng } from './icon.ts';
export { moduleName } from './names.ts';

export interface GenerateOptions extends Omit<RenderOptions, 'registry'> {
  outDir: string;
  /** Card names to generate modules for (default: every card). */
  models?: readonly string[];
  /** Card files or folders (default: registry/models). */
  registryPaths?: readonly string[];
  terminology?: Terminology;
  /** Replace an existing folder this tool did not write (moved aside until the new one is complete). */
  force?: boolean;
}

export interface GenerateResult {
  outDir: string;
  modules: string[];
  files: GeneratedFile[];
}

export async function generateSlicerExtension(options: GenerateOptions): Promise<GenerateResult> {
  checkOutput(options.outDir, { force: options.force, marker: true });
  const registry = await loadRegistry(options.registryPaths ?? [defaultModelsDir]);
  const terminology = options.terminology ?? loadTerminology();
  let selected = registry;
  if (options.models?.length) {
    const byName = new Map(registry.map((r) => [r.card.name, r]));
    selected = options.models.map((name) => {
      const record = byName.get(name);
      if (!record) {
        const suggestion = closest(name, byName.keys());
        throw new MhubError(
          'NOT_FOUND',
          `--models: there is no model card named '${name}' in the registry`,
          suggestion ? `did you mean '${suggestion}'?` : 'run mhub registry validate to list the cards',
        );
      }
      return record;
    });
  }
  const files = renderExtension(selected, terminology, { ...options, registry });
  await writeFiles(files, options.outDir, { force: options.force });
  const modules = [...new Set(files.map((f) => f.path.split('/')[0]!).filter((p) => p.startsWith('MHub')))];
  return { outDir: options.outDir, modules: modules.filter((m) => !m.includes('.')), files };
}
