// `mhub test`: runs a model on its card's sample inputs through the normal runner, under each
// backend asked for, and compares every output with its reference (compare.ts).
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isMhubError, MhubError } from '../errors.ts';
import { type CardRecord, loadRegistry, type ModelTest, type TestReference } from '../registry/index.ts';
import {
  type BackendName,
  connectDocker,
  detectGpu,
  downloadVerified,
  envPaths,
  imageReference,
  mhubHome,
  mhubVersion,
  resolveModel,
  runModel,
  STAMP,
  systemInfo,
} from '../runner/index.ts';
import { repoFile } from './committed.ts';
import { type Comparison, compareFiles, describeRule } from './compare.ts';

export const BACKENDS: readonly BackendName[] = ['docker', 'venv'];

export interface TestCaseResult {
  workflow?: string;
  description?: string;
  /** The sample input, as the card names it. */
  input: string;
  comparisons: Comparison[];
  /** Set when the model run itself failed (no comparison then). */
  error?: string;
}

export interface BackendRun {
  backend: BackendName;
  /** passed: every comparison passed; failed: a run or a comparison failed; not-run: see reason. */
  status: 'passed' | 'failed' | 'not-run';
  reason?: string;
  /** What ran: the image (reference, local id, registry digests) or the environment (hash, Python). */
  image?: { reference: string; id: string; digests: string[] };
  environment?: { hash: string; python: string };
  /** Wall time of all runs, image or environment preparation included, and of the comparisons. */
  runMs?: number;
  compareMs?: number;
  tests: TestCaseResult[];
}

export interface TestReport {
  format: 'mhub-test-report/1';
  generated: string;
  mhub: string;
  model: string;
  version: string;
  system: ReturnType<typeof systemInfo>;
  gpu: string | null;
  /** True when at least one backend ran and every backend that ran passed. */
  ok: boolean;
  runs: BackendRun[];
}

export interface TestOptions {
  backends?: readonly BackendName[];
  registry?: readonly string[];
  home?: string;
  dockerSocket?: string;
  /** Progress lines ("classical_ct under docker..."). */
  log?: (line: string) => void;
}

type Source = ModelTest['input'] | TestReference;

/** Why a source cannot be fetched by this mhub, or undefined. */
export function unsupportedSource(source: Source): string | undefined {
  if ('idcSeriesInstanceUid' in source && source.idcSeriesInstanceUid)
    return `the sample is IDC series ${source.idcSeriesInstanceUid}; mhub test does not download from IDC`;
  if (source.mhubTestZip)
    return "MHub's test archive is not pinned by sha256 (MHub publishes no hash); pin it in the card as url + sha256";
  if (source.url && source.member) return 'members of zip archives are not unpacked by this mhub yet';
  return undefined;
}

/** The local file for a source: a repository path (must exist) or a download checked by sha256. */
async function localFile(record: CardRecord, source: Source, field: string, home: string): Promise<string> {
  const why = unsupportedSource(source);
  if (why) throw new MhubError('ENVIRONMENT', why);
  if (source.path) {
    const file = repoFile(record, source.path, `${field}.path`);
    try {
      await access(file);
    } catch {
      throw new MhubError(
        'NOT_FOUND',
        `${record.file}: ${field}.path '${source.path}' does not exist`,
        'commit the file, or fix the path',
      );
    }
    return file;
  }
  const target = path.join(
    home,
    'tests',
    source.sha256!,
    path.basename(new URL(source.url!).pathname) || 'download',
  );
  try {
    await access(target);
  } catch {
    await downloadVerified(source.url!, target, source.sha256!, {
      progress: () => {},
      where: `${record.file}: ${field}.url`,
      shaField: `${field}.sha256`,
    });
  }
  return target;
}

const describeSource = (s: Source) =>
  s.path ?? s.url ?? s.mhubTestZip ?? ('idcSeriesInstanceUid' in s ? `IDC ${s.idcSeriesInstanceUid}` : '?');

/** Why this card's tests cannot run on this machine under `backend`, or undefined. */
export async function cannotRun(
  record: CardRecord,
  backend: BackendName,
  options: { dockerSocket?: string; hasGpu?: boolean } = {},
): Promise<string | undefined> {
  const card = record.card;
  if (!card.tests?.length) return 'the card has no tests section';
  if (!card.runtimes[backend]) return `the card has no ${backend} runtime`;
  if (card.requirements.gpu === 'required' && !options.hasGpu)
    return 'the model requires a GPU and none was found';
  for (const test of card.tests) {
    const why = [test.input, ...test.reference].map(unsupportedSource).find(Boolean);
    if (why) return why;
  }
  if (backend === 'docker') {
    try {
      await connectDocker(options.dockerSocket);
    } catch (error) {
      return isMhubError(error) ? error.message : String(error);
    }
  }
  return undefined;
}

async function imageInfo(record: CardRecord, socket?: string): Promise<BackendRun['image']> {
  const runtime = record.card.runtimes.docker!;
  const reference = imageReference(runtime);
  try {
    const { docker } = await connectDocker(socket);
    const info = (await docker.getImage(reference).inspect()) as { Id: string; RepoDigests?: string[] };
    return { reference, id: info.Id, digests: info.RepoDigests ?? [] };
  } catch {
    return { reference, id: 'unknown', digests: [] };
  }
}

async function environmentInfo(record: CardRecord, home: string): Promise<BackendRun['environment']> {
  const { root } = envPaths(home, record.card.name, record.card.version);
  try {
    const stamp = JSON.parse(await readFile(path.join(root, STAMP), 'utf8')) as {
      hash?: string;
      version?: string;
    };
    return { hash: stamp.hash ?? 'unknown', python: stamp.version ?? 'unknown' };
  } catch {
    return { hash: 'unknown', python: 'unknown' };
  }
}

/** The run's output file for a reference: same relative path, else same file name, else `<output id>.*`. */
function matchOutput(
  files: string[],
  outDir: string,
  referenceName: string,
  outputId: string,
): string | undefined {
  const rel = files.map((f) => path.relative(outDir, f).split(path.sep).join('/'));
  const base = path.basename(referenceName);
  const i =
    [rel.indexOf(referenceName), rel.findIndex((r) => path.basename(r) === base)].find((x) => x >= 0) ??
    rel.findIndex((r) => new RegExp(`^${outputId}\\.(nii\\.gz|nii|nrrd|json|csv)$`).test(r));
  return i !== undefined && i >= 0 ? files[i] : undefined;
}

async function runBackend(
  record: CardRecord,
  backend: BackendName,
  options: TestOptions,
  home: string,
): Promise<BackendRun> {
  const card = record.card;
  const run: BackendRun = { backend, status: 'failed', tests: [] };
  const work = await mkdtemp(path.join(os.tmpdir(), `mhub-test-${card.name}-`));
  let runMs = 0;
  let compareMs = 0;
  try {
    for (const [t, test] of (card.tests ?? []).entries()) {
      const result: TestCaseResult = {
        ...(test.workflow ? { workflow: test.workflow } : {}),
        ...(test.description ? { description: test.description } : {}),
        input: describeSource(test.input),
        comparisons: [],
      };
      run.tests.push(result);
      const input = await localFile(record, test.input, `tests[${t}].input`, home);
      const outDir = path.join(work, `${backend}-${t}`);
      const start = performance.now();
      let outputs: string[];
      try {
        const ran = await runModel({
          model: record,
          input,
          output: outDir,
          backend,
          gpu: 'auto',
          ...(test.workflow ? { workflow: test.workflow } : {}),
          outputFormats: ['native'],
          home,
          ...(options.dockerSocket ? { dockerSocket: options.dockerSocket } : {}),
          log: () => {},
        });
        outputs = ran.outputs;
      } catch (error) {
        runMs += performance.now() - start;
        if (isMhubError(error) && error.code === 'ENVIRONMENT') {
          run.status = 'not-run';
          run.tests = [];
          run.reason = `${error.message}${error.hint ? ` (${error.hint})` : ''}`;
          return run;
        }
        result.error = isMhubError(error)
          ? `${error.message}${error.hint ? ` (${error.hint})` : ''}`
          : String(error);
        continue;
      }
      runMs += performance.now() - start;
      const compareStart = performance.now();
      for (const [r, ref] of test.reference.entries()) {
        const outputId = ref.output ?? card.outputs[0]!.id;
        const output = card.outputs.find((o) => o.id === outputId)!;
        const referenceFile = await localFile(record, ref, `tests[${t}].reference[${r}]`, home);
        const base = { output: outputId, reference: describeSource(ref), rule: describeRule(ref.compare) };
        const file = matchOutput(outputs, outDir, path.basename(referenceFile), outputId);
        if (!file) {
          result.comparisons.push({
            ...base,
            file: '',
            ok: false,
            message: `no output file matches the reference ${path.basename(referenceFile)}; the model wrote ${outputs.map((o) => path.relative(outDir, o)).join(', ') || 'nothing'}`,
          });
          continue;
        }
        try {
          const counted = await compareFiles(
            file,
            referenceFile,
            ref.compare,
            output.type === 'segmentation' ? 'segmentation' : 'other',
            output.type === 'segmentation' ? output.segments : [],
          );
          result.comparisons.push({
            ...base,
            file: path.relative(outDir, file).split(path.sep).join('/'),
            ...counted,
          });
        } catch (error) {
          result.comparisons.push({
            ...base,
            file: path.relative(outDir, file),
            ok: false,
            message: `cannot compare: ${isMhubError(error) ? error.message : String(error)}`,
          });
        }
      }
      compareMs += performance.now() - compareStart;
    }
    const ok = run.tests.every(
      (t) => !t.error && t.comparisons.length > 0 && t.comparisons.every((c) => c.ok),
    );
    run.status = ok ? 'passed' : 'failed';
    if (backend === 'docker') run.image = await imageInfo(record, options.dockerSocket);
    else run.environment = await environmentInfo(record, home);
    run.runMs = Math.round(runMs);
    run.compareMs = Math.round(compareMs);
    return run;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Tests one model under each backend asked for (default: each runtime the card has). */
export async function testModel(model: string | CardRecord, options: TestOptions = {}): Promise<TestReport> {
  const record = await resolveModel(model, options.registry);
  const card = record.card;
  const home = options.home ?? mhubHome();
  const gpu = await detectGpu();
  const backends = options.backends ?? BACKENDS.filter((b) => card.runtimes[b]);
  const runs: BackendRun[] = [];
  for (const backend of backends) {
    const why = await cannotRun(record, backend, {
      hasGpu: Boolean(gpu),
      ...(options.dockerSocket ? { dockerSocket: options.dockerSocket } : {}),
    });
    if (why) {
      runs.push({ backend, status: 'not-run', reason: why, tests: [] });
      continue;
    }
    options.log?.(`${card.name} under ${backend}...`);
    runs.push(await runBackend(record, backend, options, home));
  }
  const ran = runs.filter((r) => r.status !== 'not-run');
  return {
    format: 'mhub-test-report/1',
    generated: new Date().toISOString(),
    mhub: await mhubVersion(),
    model: card.name,
    version: card.version,
    system: systemInfo(),
    gpu: gpu ? gpu.names.join(', ') : null,
    ok: ran.length > 0 && ran.every((r) => r.status === 'passed'),
    runs,
  };
}

export interface AllResult {
  reports: TestReport[];
  /** Cards with nothing runnable here, and why (per backend). */
  skipped: { model: string; reasons: string[] }[];
  ok: boolean;
}

/** `mhub test --all`: every card whose tests can run here; says which cannot and why. */
export async function testAll(options: TestOptions = {}): Promise<AllResult> {
  const records = await loadRegistry(options.registry ? [...options.registry] : undefined);
  const reports: TestReport[] = [];
  const skipped: AllResult['skipped'] = [];
  for (const record of records.sort((a, b) => a.card.name.localeCompare(b.card.name))) {
    const wanted = options.backends ?? BACKENDS;
    const backends = wanted.filter((b) => record.card.runtimes[b]);
    if (!record.card.tests?.length || !backends.length) {
      skipped.push({
        model: record.card.name,
        reasons: [
          record.card.tests?.length ? `no ${wanted.join(' or ')} runtime` : 'the card has no tests section',
        ],
      });
      continue;
    }
    const report = await testModel(record, { ...options, backends });
    const notRun = report.runs.filter((r) => r.status === 'not-run');
    if (notRun.length === report.runs.length) {
      skipped.push({
        model: record.card.name,
        reasons: [...new Set(notRun.map((r) => `${r.backend}: ${r.reason}`))],
      });
    } else reports.push(report);
  }
  return {
    reports,
    skipped,
    ok: reports.length > 0 && reports.every((r) => r.runs.every((x) => x.status !== 'failed')),
  };
}
