// Renders the whole Slicer extension in memory: a list of files (path relative to the extension
// folder, text or bytes). Writing is separate (write.ts) so tests and the benchmark can render
// without touching the disk.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { CardRecord, Terminology } from '../registry/index.ts';
import { buildIndex, modelSourceDir, projectLinks, repoRoot } from '../registry/index.ts';
import { colourTableCsv, terminologyContext } from './colour-table.ts';
import { jsonText } from './escape.ts';
import { colourFor, iconPng } from './icon.ts';
import { type ModelSpec, modelSpec } from './model-spec.ts';
import { BROWSER_MODULE, EXTENSION_NAME, LIB_PACKAGE, SLICER_PACKAGE } from './names.ts';
import { render, templatesDir } from './templates.ts';

export interface GeneratedFile {
  path: string;
  content: string | Buffer;
}

export interface RenderOptions {
  /** Every card of the registry, for the browser's index; defaults to `records`. */
  registry?: readonly CardRecord[];
  /** Where the extension's source lives (catalog entry scm_url). */
  scmUrl?: string;
  /** Where the browser refreshes its index from (models.json, terminology.json). */
  catalogUrl?: string;
  /** Root for cards' venv `source.path` folders (bundled into the module). */
  sourceRoot?: string;
}

export const CATALOG_SCHEMA_URL =
  'https://raw.githubusercontent.com/Slicer/Slicer/main/Schemas/slicer-extension-catalog-entry-schema-v1.0.2.json#';
const DEFAULT_SCM_URL = 'https://github.com/mhub-registry/SlicerMHubModels';

/** Files under a folder (sorted, relative, without caches), read once per process. */
const folderCache = new Map<string, { rel: string; content: Buffer }[]>();
function readFolder(root: string): { rel: string; content: Buffer }[] {
  const cached = folderCache.get(root);
  if (cached) return cached;
  const out: { rel: string; content: Buffer }[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      if (name === '__pycache__' || name.startsWith('.') || name.endsWith('.pyc')) continue;
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else
        out.push({ rel: path.relative(root, full).split(path.sep).join('/'), content: readFileSync(full) });
    }
  };
  walk(root);
  folderCache.set(root, out);
  return out;
}

function moduleFiles(spec: ModelSpec, options: RenderOptions): GeneratedFile[] {
  const m = spec.module;
  const resources: GeneratedFile[] = [];
  const firstSegment = spec.outputs.find((o) => o.segments)?.segments?.[0];
  resources.push({
    path: `Resources/Icons/${m}.png`,
    content: iconPng(colourFor(spec.name, firstSegment?.color)),
  });
  for (const output of spec.outputs) {
    if (!output.segments) continue;
    resources.push({ path: output.colorTable!, content: colourTableCsv(output.segments) });
    resources.push({
      path: output.terminologyFile!,
      content: `${jsonText(terminologyContext(output.terminologyContext!, output.segments))}\n`,
    });
  }
  const sourcePath = spec.runtimes.venv?.source.path;
  if (sourcePath) {
    const root = modelSourceDir(options.sourceRoot ?? repoRoot, sourcePath, `${spec.name} card`);
    for (const file of readFolder(root)) {
      if (file.rel.endsWith('.py'))
        resources.push({ path: `Resources/ModelSource/${file.rel}`, content: file.content });
    }
  }
  const script = render('module/Module.py.hbs', {
    module: m,
    model: spec,
    // the parameter node's defaults: the first runtime the card offers; CPU when the model has no GPU use
    defaultBackend: spec.runtimes.docker ? 'docker' : 'venv',
    defaultForceCpu: spec.gpu === 'unsupported',
  });
  return scriptedModule(m, script, resources);
}

/** A scripted module folder: its script, resources, CMakeLists listing them, Testing/. */
function scriptedModule(module: string, script: string, resources: GeneratedFile[]): GeneratedFile[] {
  const scriptFile = `${module}.py`;
  const files: GeneratedFile[] = [
    { path: scriptFile, content: script },
    ...resources,
    {
      path: 'CMakeLists.txt',
      content: render('module/CMakeLists.txt.hbs', {
        module,
        scripts: [scriptFile],
        resources: resources.map((r) => r.path),
      }),
    },
    { path: 'Testing/CMakeLists.txt', content: render('module/Testing/CMakeLists.txt.hbs', {}) },
    {
      path: 'Testing/Python/CMakeLists.txt',
      content: render('module/Testing/Python/CMakeLists.txt.hbs', { module }),
    },
  ];
  return files.map((f) => ({ ...f, path: `${module}/${f.path}` }));
}

// The Lib is the same for every extension a process renders (the site renders one per model).
let libCache: GeneratedFile[] | undefined;

function libFiles(): GeneratedFile[] {
  libCache ??= readLibFiles();
  return libCache;
}

function readLibFiles(): GeneratedFile[] {
  const files: GeneratedFile[] = [];
  for (const pkg of [LIB_PACKAGE, SLICER_PACKAGE]) {
    const scripts = readFolder(path.join(templatesDir, pkg)).filter((f) => f.rel.endsWith('.py'));
    files.push(...scripts.map((f) => ({ path: `${pkg}/${f.rel}`, content: f.content })));
    files.push({
      path: `${pkg}/CMakeLists.txt`,
      content: render('package/CMakeLists.txt.hbs', { package: pkg, scripts: scripts.map((f) => f.rel) }),
    });
  }
  const cmake = render('package/Lib-CMakeLists.txt.hbs', { packages: [LIB_PACKAGE, SLICER_PACKAGE] });
  return [...files, { path: 'CMakeLists.txt', content: cmake }].map((f) => ({ ...f, path: `Lib/${f.path}` }));
}

function browserFiles(
  specs: readonly ModelSpec[],
  registry: readonly CardRecord[],
  terminology: Terminology,
  options: RenderOptions,
): GeneratedFile[] {
  const b = BROWSER_MODULE;
  const index = buildIndex(registry, terminology);
  const used = new Set(
    Object.values(index.models).flatMap((m) =>
      Object.values(m.segmentDetails)
        .flat()
        .map((s) => s.id),
    ),
  );
  const segments = Object.fromEntries(
    Object.entries(index['terminology.json'].segments).filter(([id]) => used.has(id)),
  );
  const modules = Object.fromEntries(specs.map((s) => [s.name, s.module]));
  const resources: GeneratedFile[] = [
    { path: `Resources/Icons/${b}.png`, content: iconPng([48, 110, 180]) },
    { path: 'Resources/Registry/models.json', content: `${jsonText(index['models.json'])}\n` },
    {
      path: 'Resources/Registry/terminology.json',
      content: `${jsonText({ version: index['terminology.json'].version, segments })}\n`,
    },
    { path: 'Resources/Registry/modules.json', content: `${jsonText(modules)}\n` },
  ];
  const script = render('browser/MHubModelBrowser.py.hbs', {
    module: b,
    // The published catalog's JSON API (package.json "homepage"): where the browser refreshes from.
    catalogUrl: options.catalogUrl ?? projectLinks().api,
  });
  return scriptedModule(b, script, resources);
}

/** Extension-level build dependencies: DICOM SEG loading needs QuantitativeReporting. */
function dependencies(specs: readonly ModelSpec[]): string[] {
  const mhub = specs.some((s) => s.runtimes.docker?.interface === 'mhub');
  return mhub ? ['QuantitativeReporting'] : [];
}

export function renderExtension(
  records: readonly CardRecord[],
  terminology: Terminology,
  options: RenderOptions = {},
): GeneratedFile[] {
  const specs = [...records]
    .sort((a, b) => (a.card.name < b.card.name ? -1 : 1))
    .map((r) => modelSpec(r, terminology));
  const depends = dependencies(specs);
  const scmUrl = options.scmUrl ?? DEFAULT_SCM_URL;
  const titles = specs.map((s) => s.title).join(', ');
  const catalogEntry = {
    $schema: CATALOG_SCHEMA_URL,
    build_dependencies: depends,
    build_subdirectory: '.',
    category: 'Segmentation',
    scm_revision: 'main',
    scm_url: scmUrl,
    tier: 1,
  };
  const top: GeneratedFile[] = [
    {
      path: 'CMakeLists.txt',
      content: render('extension/CMakeLists.txt.hbs', {
        extension: EXTENSION_NAME,
        homepage: scmUrl,
        description: `Run ${specs.length} medical-imaging AI models of the model registry on loaded images: ${titles}`,
        iconUrl: `${scmUrl.replace('github.com', 'raw.githubusercontent.com')}/main/${EXTENSION_NAME}.png`,
        depends: depends.length ? depends.join(';') : 'NA',
        packages: ['Lib'],
        modules: [BROWSER_MODULE, ...specs.map((s) => s.module)],
      }),
    },
    { path: `${EXTENSION_NAME}.json`, content: `${jsonText(catalogEntry)}\n` },
    { path: `${EXTENSION_NAME}.png`, content: iconPng([48, 110, 180]) },
    {
      path: 'README.md',
      content: render('extension/README.md.hbs', {
        extension: EXTENSION_NAME,
        browser: BROWSER_MODULE,
        models: specs.map((s) => ({ module: s.module, title: s.title, name: s.name })),
      }),
    },
  ];
  return [
    ...top,
    ...libFiles(),
    ...browserFiles(specs, options.registry ?? records, terminology, options),
    ...specs.flatMap((s) => moduleFiles(s, options)),
  ];
}
