// Offline bundles: `mhub bundle` packs what a model needs on a machine without network into one
// tar (the image as `docker save` wrote it, the venv's wheels, its code and downloaded files, the
// card, and manifest.json with every file's sha256); `mhub load` unpacks it into a scratch folder
// of $MHUB_HOME, checks every sha256 against the manifest before installing anything, then
// `docker load`s the image (checking its image id), builds the venv from the bundled wheels only
// (pip --no-index) and registers the card under $MHUB_HOME/bundles/<name>/<version>/.
import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { MhubError } from '../errors.ts';
import { checkOutput, moveAtomic, writeAtomic, writeFileAtomic } from '../fsafe/index.ts';
import type { CardRecord } from '../registry/index.ts';
import {
  connectDocker,
  ENV,
  ensureEnv,
  envPaths,
  imageReference,
  loadedImagePath,
  mhubHome,
  PIP_INSTALL_FLAGS,
  type Progress,
  packageIndexFlags,
  resolveModel,
  sha256File,
  sourceArchive,
} from '../runner/index.ts';
import { extractTar, TarWriter } from './tar.ts';

const run = promisify(execFile);

export const BUNDLE_FORMAT = 'mhub-bundle/1';
export const BUNDLE_BACKENDS = ['docker', 'venv', 'all'] as const;
export type BundleBackend = (typeof BUNDLE_BACKENDS)[number];
/** Where `mhub load` registers a model: $MHUB_HOME/bundles/<name>/<version>/registry/models. */
export const BUNDLES_DIR = 'bundles';

export interface BundleManifest {
  format: typeof BUNDLE_FORMAT;
  model: string;
  version: string;
  created: string;
  backends: ('docker' | 'venv')[];
  /** `docker save` of `ref`; `id` is the image id `docker load` must give back. */
  image?: { ref: string; id: string; file: string };
  venv?: { python: string; wheels: string[] };
  /** Every other file of the bundle and its sha256. */
  files: Record<string, string>;
}

export interface BundleRequest {
  model: string | CardRecord;
  registry?: readonly string[];
  out: string;
  backend?: BundleBackend;
  force?: boolean;
  home?: string;
  dockerSocket?: string;
  progress?: Progress;
}

export interface BundleResult {
  file: string;
  sha256: string;
  bytes: number;
  manifest: BundleManifest;
}

function backendsOf(record: CardRecord, backend: BundleBackend): ('docker' | 'venv')[] {
  const wanted = backend === 'all' ? (['docker', 'venv'] as const) : [backend];
  const have = wanted.filter((b) => record.card.runtimes[b]);
  const missing = wanted.filter((b) => !record.card.runtimes[b]);
  if (have.length === 0 || (backend !== 'all' && missing.length > 0)) {
    throw new MhubError(
      'INVALID_INPUT',
      `${record.file} has no runtimes.${missing.join(' or runtimes.')} to bundle`,
      `use --backend ${Object.keys(record.card.runtimes).join(' or --backend ')}`,
    );
  }
  return have;
}

/** The files of a folder, relative, without Python caches. */
async function treeFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .filter((rel) => !rel.split('/').includes('__pycache__') && !rel.endsWith('.pyc'))
    .sort();
}

export async function bundleModel(request: BundleRequest): Promise<BundleResult> {
  const record = await resolveModel(request.model, request.registry);
  const { card } = record;
  const backends = backendsOf(record, request.backend ?? 'all');
  const home = request.home ?? mhubHome();
  const progress = request.progress ?? (() => {});
  const out = path.resolve(request.out);
  checkOutput(out, { force: request.force }); // refuse before the slow work
  await mkdir(path.join(home, BUNDLES_DIR), { recursive: true });
  const scratch = await mkdtemp(path.join(home, BUNDLES_DIR, '.bundle-'));
  try {
    const manifest: BundleManifest = {
      format: BUNDLE_FORMAT,
      model: card.name,
      version: card.version,
      created: new Date().toISOString(),
      backends,
      files: {},
    };
    // What goes in: bundle name -> file on this machine.
    const entries: [string, string][] = [['card.md', record.file]];
    const docker = card.runtimes.docker;
    if (docker && backends.includes('docker')) {
      const ref = imageReference(docker);
      const { docker: client } = await connectDocker(request.dockerSocket);
      const image = client.getImage(ref);
      const info = await image.inspect().catch(() => {
        throw new MhubError(
          'NOT_FOUND',
          `image ${ref} is not on this machine, so it cannot be bundled`,
          `pull it first (mhub run ${card.name} --backend docker once, or docker pull ${ref})`,
        );
      });
      progress({ phase: 'bundle', done: 0, message: `saving image ${ref}` });
      await pipeline(await image.get(), createWriteStream(path.join(scratch, 'image.tar')));
      manifest.image = { ref, id: info.Id, file: 'image.tar' };
      entries.push(['image.tar', path.join(scratch, 'image.tar')]);
    }
    const venv = card.runtimes.venv;
    if (venv && backends.includes('venv')) {
      // The environment as `mhub run` builds it (also checks the source archive and weights).
      const env = await ensureEnv(record, { home, progress });
      const wheels = path.join(scratch, 'wheels');
      if (venv.requirements.length > 0) {
        progress({ phase: 'bundle', done: 0, message: 'downloading the wheels' });
        const requirements = path.join(envPaths(home, card.name, card.version).root, 'requirements.txt');
        await run(
          env.python,
          [
            '-m',
            'pip',
            'download',
            ...PIP_INSTALL_FLAGS,
            ...packageIndexFlags(venv.requirements, process.env[ENV.torchIndex]),
            '--progress-bar',
            'off',
            '-d',
            wheels,
            '-r',
            requirements,
          ],
          { maxBuffer: 64 * 2 ** 20 },
        ).catch((error: { stderr?: string }) => {
          throw new MhubError(
            'ENVIRONMENT',
            `pip could not download the wheels of ${record.file}: ${
              String(error.stderr ?? '')
                .trim()
                .split('\n')
                .slice(-1)[0]
            }`,
            'check that pip reaches its package index (PIP_INDEX_URL)',
          );
        });
      }
      const wheelFiles = (await readdir(wheels).catch(() => [] as string[])).sort();
      for (const w of wheelFiles) entries.push([`wheels/${w}`, path.join(wheels, w)]);
      manifest.venv = { python: venv.python, wheels: wheelFiles };
      if (venv.source?.path && env.sourceDir) {
        for (const rel of await treeFiles(env.sourceDir))
          entries.push([`source/${venv.source.path}/${rel}`, path.join(env.sourceDir, rel)]);
      }
      const archive = sourceArchive(record, venv, home);
      if (archive) entries.push([`files/${archive.sha256}`, archive.archive]);
      for (const w of venv.weights ?? []) {
        if (w.url) entries.push([`files/${w.sha256}`, path.join(env.weightsDir, w.path)]);
      }
    }
    await writeAtomic(
      out,
      async (temp) => {
        const tar = new TarWriter(temp);
        let done = 0;
        for (const [name, from] of entries) {
          progress({ phase: 'bundle', done: done++, total: entries.length, message: name });
          manifest.files[name] = await tar.addFile(name, from);
        }
        await tar.addBuffer('manifest.json', Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
        await tar.finish();
      },
      { force: request.force },
    );
    const { size } = await stat(out);
    return { file: out, sha256: await sha256File(out), bytes: size, manifest };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

export interface LoadRequest {
  file: string;
  /** The bundle's own sha256 (as `mhub bundle` printed it), checked first when given. */
  sha256?: string;
  home?: string;
  dockerSocket?: string;
  progress?: Progress;
}

export interface LoadResult {
  model: string;
  version: string;
  /** The folder to pass as `mhub run <model> --registry <folder>`. */
  registry: string;
  image?: string;
  /** Set when the bundle holds an image but Docker could not be reached (the venv was still installed). */
  imageSkipped?: string;
  venv?: string;
}

function refuse(file: string, why: string): MhubError {
  return new MhubError(
    'INVALID_INPUT',
    `${file} was refused: ${why}; nothing was installed`,
    'the bundle was altered or damaged on the way: copy it again, or make it again with mhub bundle',
  );
}

export async function loadBundle(request: LoadRequest): Promise<LoadResult> {
  const file = path.resolve(request.file);
  const home = request.home ?? mhubHome();
  const progress = request.progress ?? (() => {});
  if (!(await stat(file).catch(() => undefined))?.isFile())
    throw new MhubError('NOT_FOUND', `${file} does not exist`, 'give the file mhub bundle wrote');
  if (request.sha256) {
    const actual = await sha256File(file);
    if (actual !== request.sha256.toLowerCase())
      throw refuse(file, `its sha256 is ${actual}, not ${request.sha256}`);
  }
  await mkdir(path.join(home, BUNDLES_DIR), { recursive: true });
  const scratch = await mkdtemp(path.join(home, BUNDLES_DIR, '.load-'));
  try {
    // 1. Everything is unpacked and checked before anything is installed.
    progress({ phase: 'load', done: 0, message: 'checking the bundle' });
    const unpacked = path.join(scratch, 'bundle');
    const sums = await extractTar(file, unpacked);
    let manifest: BundleManifest;
    try {
      manifest = JSON.parse(await readFile(path.join(unpacked, 'manifest.json'), 'utf8')) as BundleManifest;
    } catch {
      throw refuse(file, 'it has no readable manifest.json');
    }
    if (manifest.format !== BUNDLE_FORMAT || typeof manifest.files !== 'object' || !manifest.files)
      throw refuse(file, `its manifest.json is not ${BUNDLE_FORMAT}`);
    for (const [name, sha] of Object.entries(manifest.files)) {
      const actual = sums.get(name);
      if (actual === undefined) throw refuse(file, `${name}, listed in its manifest.json, is missing`);
      if (actual !== sha)
        throw refuse(
          file,
          `${name} does not match its sha256 in manifest.json (expected ${sha}, got ${actual})`,
        );
    }
    for (const name of sums.keys()) {
      if (name !== 'manifest.json' && !(name in manifest.files))
        throw refuse(file, `${name} is not listed in its manifest.json`);
    }
    if (!/^[a-z0-9_]+$/.test(String(manifest.model)) || !/^[0-9A-Za-z.+-]+$/.test(String(manifest.version)))
      throw refuse(file, 'its manifest.json names no valid model and version');

    // 2. The card (and the code its source.path names), in the layout of a registry clone.
    const layout = path.join(scratch, 'registered');
    const cardFile = path.join(layout, 'registry', 'models', `${manifest.model}.md`);
    await moveAtomic(path.join(unpacked, 'card.md'), cardFile);
    const source = path.join(unpacked, 'source');
    if (await stat(source).catch(() => undefined)) {
      for (const entry of await readdir(source))
        await moveAtomic(path.join(source, entry), path.join(layout, entry));
    }
    const probe = await resolveModel(manifest.model, [path.dirname(cardFile)]);
    if (probe.card.name !== manifest.model || probe.card.version !== manifest.version)
      throw refuse(
        file,
        `its card is ${probe.card.name} ${probe.card.version}, its manifest says ${manifest.model} ${manifest.version}`,
      );
    const target = path.join(home, BUNDLES_DIR, manifest.model, manifest.version);
    await moveAtomic(layout, target, { force: true }); // mhub's own cache: an earlier load is replaced
    const registry = path.join(target, 'registry', 'models');
    const record = await resolveModel(manifest.model, [registry]);
    const result: LoadResult = { model: manifest.model, version: manifest.version, registry };

    // 3. The image, checked by its id.
    if (manifest.image) {
      const connected = await connectDocker(request.dockerSocket).catch((error: MhubError) => {
        if (!manifest.venv) throw error;
        result.imageSkipped = error.message;
        return undefined;
      });
      if (connected) {
        progress({ phase: 'load', done: 1, message: `docker load ${manifest.image.ref}` });
        const { docker } = connected;
        const stream = await docker.loadImage(createReadStream(path.join(unpacked, manifest.image.file)));
        await new Promise<void>((resolve, reject) =>
          docker.modem.followProgress(stream, (error: Error | null, events: { error?: string }[]) => {
            const failed = events?.find((e) => e.error)?.error;
            if (error || failed)
              reject(new MhubError('ENVIRONMENT', `docker load failed: ${failed ?? error?.message}`));
            else resolve();
          }),
        );
        // Checked by id: `docker load` restores a tag, but not a registry digest.
        const id = await docker
          .getImage(manifest.image.id)
          .inspect()
          .then((i) => i.Id)
          .catch(() => undefined);
        if (id !== manifest.image.id)
          throw refuse(
            file,
            `docker load did not give image ${manifest.image.ref} with id ${manifest.image.id}`,
          );
        const digest = record.card.runtimes.docker?.digest;
        if (digest)
          await writeFileAtomic(
            loadedImagePath(home, digest),
            `${JSON.stringify({ ref: manifest.image.ref, id, bundle: file, loaded: new Date().toISOString() })}\n`,
            { force: true }, // mhub's own record
          );
        result.image = manifest.image.ref;
      }
    }

    // 4. The environment, from the bundled wheels and files only.
    const venv = record.card.runtimes.venv;
    if (manifest.venv && venv) {
      const files = path.join(unpacked, 'files');
      const archive = sourceArchive(record, venv, home);
      if (archive && !(await stat(archive.dir).catch(() => undefined)))
        await moveAtomic(path.join(files, archive.sha256), archive.archive, { force: true });
      progress({ phase: 'load', done: 2, message: 'building the environment from the bundled wheels' });
      const env = await ensureEnv(record, {
        home,
        progress,
        offline: { wheels: path.join(unpacked, 'wheels'), files },
      });
      result.venv = env.root;
    }
    return result;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
