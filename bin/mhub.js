#!/usr/bin/env node
// Launcher. In a clone (src/ present) Node >= 22.18 runs the TypeScript sources directly (type
// stripping); an installed package has no src/ and runs the JavaScript compiled into dist/ at
// pack time (Node does not strip types inside node_modules).
import { existsSync } from 'node:fs';
import module from 'node:module';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(`mhub needs Node.js 22.18 or newer (found ${process.versions.node})\n`);
  process.exit(1);
}
// Caches compiled bytecode between runs: start-up is most of a short command's time.
module.enableCompileCache?.();
const source = new URL('../src/cli/main.ts', import.meta.url);
const entry = existsSync(source) ? source.href : new URL('../dist/cli/main.js', import.meta.url).href;
const { main } = await import(entry);
process.exitCode = await main(process.argv.slice(2));
