// `mhub generate slicer --out <dir> [--models a,b]`.
import type { Command } from 'commander';
import { defaultModelsDir } from '../../registry/index.ts';
import type { CliIO } from '../io.ts';

export function register(generate: Command, io: CliIO): void {
  generate
    .command('slicer')
    .description('Write a 3D Slicer extension: a scripted module per model, a model browser, a launcher.')
    .requiredOption('--out <dir>', 'folder to write (a folder mhub generated before is replaced atomically)')
    .option(
      '--force',
      'replace an existing folder mhub did not write (the old one goes only once the new one is complete)',
    )
    .option('--models <names>', 'comma-separated card names (default: every card)')
    .option('--registry <dir>', 'folder of cards', defaultModelsDir)
    .option('--catalog-url <url>', 'where the model browser refreshes its index from')
    .option('--scm-url <url>', "the extension's repository (catalog entry scm_url)")
    .action(
      async (opts: {
        out: string;
        models?: string;
        registry: string;
        catalogUrl?: string;
        scmUrl?: string;
        force?: boolean;
      }) => {
        const models = opts.models
          ?.split(',')
          .map((m) => m.trim())
          .filter(Boolean);
        const { generateSlicerExtension } = await import('../../generator/index.ts');
        const result = await generateSlicerExtension({
          outDir: opts.out,
          force: opts.force,
          registryPaths: [opts.registry],
          ...(models ? { models } : {}),
          ...(opts.catalogUrl ? { catalogUrl: opts.catalogUrl } : {}),
          ...(opts.scmUrl ? { scmUrl: opts.scmUrl } : {}),
        });
        io.out(`wrote ${result.files.length} files (${result.modules.length} modules) to ${result.outDir}`);
      },
    );
}
