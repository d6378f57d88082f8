// `mhub bundle <model> --out <file>`: one file with what the model needs offline (src/bundle).
import { type Command, Option } from 'commander';
import { progressRenderer } from '../../progress.ts';
import type { CliIO } from '../io.ts';
import { REGISTRY_OPTION_HELP, registryFor } from '../registry-source.ts';

export function register(command: Command, io: CliIO, setExit: (code: number) => void): void {
  command
    .argument('<model>', 'registry name')
    .requiredOption('-o, --out <file>', 'the bundle to write (a tar file)')
    .addOption(
      new Option(
        '--backend <backend>',
        'what to pack: the Docker image, the venv (wheels, code, weights), or both',
      )
        .choices(['docker', 'venv', 'all'])
        .default('all'),
    )
    .option('--registry <source...>', REGISTRY_OPTION_HELP)
    .option('--force', 'replace an existing --out file')
    .action(
      async (
        model: string,
        opts: { out: string; backend: 'docker' | 'venv' | 'all'; registry?: string[]; force?: boolean },
      ) => {
        const { bundleModel } = await import('../../bundle/index.ts');
        const renderer = progressRenderer({ isTTY: io.isTTY, err: io.err });
        try {
          const result = await bundleModel({
            model,
            registry: await registryFor(model, opts.registry, io),
            out: opts.out,
            backend: opts.backend,
            force: opts.force,
            progress: renderer.progress,
          });
          renderer.close();
          const { manifest } = result;
          io.out(
            `wrote ${result.file} (${(result.bytes / 1e6).toFixed(1)} MB): ${manifest.model} ${manifest.version} for ${manifest.backends.join(' and ')}, ${Object.keys(manifest.files).length} files`,
          );
          io.out(`sha256 ${result.sha256}`);
          io.out(`on the offline machine: mhub load ${result.file} --sha256 ${result.sha256}`);
          setExit(0);
        } finally {
          renderer.close();
        }
      },
    );
}
