// `npm run build`: builds the catalog site into site/dist. Options: --out <dir>, --models <dir>.
import { buildSite } from '../src/site-data/build-site.ts';

const option = (name: string) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
};
const out = option('--out');
const models = option('--models');
const result = await buildSite({
  ...(out ? { outDir: out } : {}),
  ...(models ? { models: [models] } : {}),
  log: (line) => console.log(line),
});
const t = result.timings;
if (process.argv.includes('--json')) {
  // For bench/site.bench.ts: this process's CPU time (Pagefind's own process not included).
  const cpu = process.cpuUsage();
  console.log(JSON.stringify({ ...result, cpuMs: (cpu.user + cpu.system) / 1000 }));
}
const s = (ms: number) => (ms / 1000).toFixed(1);
console.log(
  `site build: ${s(t.total)} s for ${result.models} models ` +
    `(registry ${s(t.registry)} s, pages ${s(t.astro)} s, API ${s(t.api)} s, search index ${s(t.search)} s)`,
);
