// `mhub site build | serve`: the catalog site (src/site-data does the work).
import type { Command } from 'commander';
import { buildSite, defaultSiteOut, serveStatic } from '../../site-data/index.ts';
import type { CliIO } from '../io.ts';

const seconds = (ms: number) => (ms / 1000).toFixed(1);

export function register(site: Command, io: CliIO): void {
  site
    .command('build')
    .description('Build the catalog (pages, search index, JSON API under /api/v1/) from the registry.')
    .option('--out <dir>', 'folder to write', defaultSiteOut)
    .option('--models <dir>', 'folder of cards (default: registry/models)')
    .option('--json', 'print the result as JSON (for the benchmark)')
    .option('--no-slicer-downloads', 'skip the per-model Slicer extension zips under /slicer/')
    .option(
      '--force',
      'replace an existing folder mhub did not build (the old one goes only once the new one is complete)',
    )
    .action(
      async (opts: {
        out: string;
        models?: string;
        json?: boolean;
        slicerDownloads: boolean;
        force?: boolean;
      }) => {
        const result = await buildSite({
          outDir: opts.out,
          force: opts.force,
          slicerDownloads: opts.slicerDownloads,
          ...(opts.models ? { models: [opts.models] } : {}),
        });
        if (opts.json) {
          // This process's CPU time (Astro builds in this process; no other process works for it).
          const cpu = process.cpuUsage();
          io.out(JSON.stringify({ ...result, cpuMs: (cpu.user + cpu.system) / 1000 }));
          return;
        }
        const t = result.timings;
        io.out(
          `built the catalog for ${result.models} models into ${result.outDir} in ${seconds(t.total)} s ` +
            `(registry ${seconds(t.registry)} s, then side by side: pages ${seconds(t.astro)} s, ` +
            `search index ${seconds(t.search)} s, API ${seconds(t.api)} s)`,
        );
      },
    );

  site
    .command('serve')
    .description('Serve a built catalog on 127.0.0.1 until interrupted.')
    .option('--dir <dir>', 'built site', defaultSiteOut)
    .option('--port <n>', 'port (0 picks a free one)', process.env.PORT ?? '4321')
    .action(async (opts: { dir: string; port: string }) => {
      const server = await serveStatic(opts.dir, { port: Number(opts.port) });
      io.out(`catalog: ${server.url}/  (Ctrl-C to stop)`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await server.close();
    });
}
