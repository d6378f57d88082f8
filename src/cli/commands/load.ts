// `mhub load <file>`: checks and installs a bundle from `mhub bundle` (src/bundle).
import type { Command } from 'commander';
import { progressRenderer } from '../../progress.ts';
import type { CliIO } from '../io.ts';

export function register(command: Command, io: CliIO, setExit: (code: number) => void): void {
  command
    .argument('<file>', 'the bundle mhub bundle wrote')
    .option('--sha256 <hex>', "the bundle's sha256 as mhub bundle printed it: checked before anything else")
    .action(async (file: string, opts: { sha256?: string }) => {
      const { loadBundle } = await import('../../bundle/index.ts');
      const renderer = progressRenderer({ isTTY: io.isTTY, err: io.err });
      try {
        const result = await loadBundle({ file, sha256: opts.sha256, progress: renderer.progress });
        renderer.close();
        io.out(`loaded ${result.model} ${result.version}: every file matched its sha256`);
        if (result.image) io.out(`  image ${result.image} (docker load, image id checked)`);
        if (result.imageSkipped) io.err(`warning: the image was not loaded: ${result.imageSkipped}`);
        if (result.venv) io.out(`  environment ${result.venv} (built from the bundled wheels)`);
        io.out(`run it with: mhub run ${result.model} --registry ${result.registry} -i <input> -o <output>`);
        setExit(0);
      } finally {
        renderer.close();
      }
    });
}
