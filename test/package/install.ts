// Packs this repository the way it would be published (`npm pack`: prepack compiles src/ to
// dist/) and installs the tarball into a private global prefix, as a user would with
// `npm install -g ./mhub-registry-<version>.tgz`. Shared by the package test and bench/startup.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export const repo = path.resolve(import.meta.dirname, '../..');

export interface Installed {
  tarball: string;
  /** The `mhub` executable the install put on the prefix's bin/. */
  bin: string;
  /** The installed package folder (lib/node_modules/<name>). */
  packageDir: string;
  packedBytes: number;
  /** The package with its dependency tree, as installed. */
  installedBytes: number;
  /** Names of the installed dependency folders (node_modules/*, scopes expanded). */
  dependencies: string[];
}

/** Bytes under `dir`, counting each file once (no symlink following). */
export function treeBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += treeBytes(full);
    else if (entry.isFile()) total += statSync(full).size;
  }
  return total;
}

export function packAndInstall(workDir: string): Installed {
  // The npm that belongs to the running node (Node 22 from scripts/ensure-node.sh).
  const env = {
    ...process.env,
    PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}`,
  };
  const npm = (args: string[], cwd: string) =>
    execFileSync('npm', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', workDir], repo)) as {
    filename: string;
    size: number;
    name: string;
  }[];
  const tarball = path.join(workDir, packed!.filename);
  const prefix = path.join(workDir, 'prefix');
  // Dependencies come from the npm cache when it has them (CI installs them just before).
  npm(['install', '-g', '--prefix', prefix, tarball, '--prefer-offline', '--no-audit', '--no-fund'], workDir);
  const packageDir = path.join(prefix, 'lib', 'node_modules', packed!.name);
  const modules = path.join(packageDir, 'node_modules');
  const dependencies = readdirSync(modules)
    .filter((n) => !n.startsWith('.'))
    .flatMap((n) => (n.startsWith('@') ? readdirSync(path.join(modules, n)).map((m) => `${n}/${m}`) : [n]));
  return {
    tarball,
    bin: path.join(prefix, 'bin', 'mhub'),
    packageDir,
    packedBytes: packed!.size,
    installedBytes: treeBytes(packageDir),
    dependencies,
  };
}
