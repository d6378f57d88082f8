// `npm run build:cli` (and `prepack`): compiles src/ to dist/ for the installed CLI. Node does not
// strip types inside node_modules, so the published package is JavaScript. dist/ keeps src/'s
// depth, so the compiled files find registry/, templates/ and models/ by the same relative paths.
// The output is written beside dist/ and renamed into place; an old dist/ is replaced only when a
// previous build made it (it carries BUILD_MARK).
import { execFileSync } from 'node:child_process';
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const dist = path.join(root, 'dist');
const temp = path.join(root, `.dist-${process.pid}`);
const BUILD_MARK = '.mhub-build';

if (existsSync(dist) && !existsSync(path.join(dist, BUILD_MARK))) {
  process.stderr.write(`build-cli: ${dist} exists and was not made by this script; move it away first\n`);
  process.exit(1);
}
try {
  execFileSync(
    process.execPath,
    [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', temp],
    { cwd: root, stdio: 'inherit' },
  );
  writeFileSync(path.join(temp, BUILD_MARK), 'made by scripts/build-cli.ts\n');
  rmSync(dist, { recursive: true, force: true });
  renameSync(temp, dist);
} finally {
  rmSync(temp, { recursive: true, force: true });
}
process.stderr.write(`compiled src/ to ${path.relative(process.cwd(), dist) || 'dist'}\n`);
