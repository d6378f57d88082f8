// `npm run build`: builds the catalog site into site/dist (or --out <dir>).
import { buildSite } from '../src/site-data/build-site.ts';

const outArg = process.argv.indexOf('--out');
const result = await buildSite({
  ...(outArg > 0 ? { outDir: process.argv[outArg + 1] } : {}),
  log: (line) => console.log(line),
});
console.log(`site build: ${(result.timings.total / 1000).toFixed(1)} s for ${result.models} models`);
