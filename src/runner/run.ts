// `mhub run`: pick a backend, stage the inputs the way the model declares them, run it,
// check its outputs, convert them to what the user asked for, publish atomically.

import { statfs } from 'node:fs/promises';
import path from 'node:path';
import { MhubError } from '../errors.ts';
import { hasSymlinks, refuseOverlap } from '../fsafe/index.ts';
import {
  type GpuDevice,
  gpuChoice,
  hostPath,
  mayHaveNvidia,
  type Probe,
  platformId,
  platformInfo,
  systemProbe,
} from '../platform/index.ts';
import type { ModelCard } from '../registry/index.ts';
import {
  type CardRecord,
  defaultModelsDir,
  defaultWorkflow,
  loadRegistry,
  loadTerminology,
} from '../registry/index.ts';
import { type ExpectedOutput, expectedOutputs, missingOutputs, outputMatches } from './contract/index.ts';
import { type Converter, linkOrCopy, passThroughConverter } from './convert.ts';
import { connectDocker } from './docker/client.ts';
import { type DataFormat, detectInput, stagedInputName, type UserData } from './formats.ts';
import { fsError } from './fs-errors.ts';
import { detectGpu } from './gpu.ts';
import { ioConverter } from './io-converter.ts';
import { noProgress } from './progress-events.ts';
import type { Backend, BackendContext, BackendName, OutputFormat, RunRequest, RunResult } from './types.ts';
import { mhubHome } from './venv/env.ts';
import {
  createWorkspace,
  disposeWorkspace,
  listFiles,
  newRunId,
  publish,
  type Workspace,
} from './workspace.ts';

export async function resolveModel(
  model: string | CardRecord,
  registry?: readonly string[],
): Promise<CardRecord> {
  if (typeof model !== 'string') return model;
  if (!/^[a-z0-9_]+$/.test(model)) {
    throw new MhubError('USAGE', `'${model}' is not a model name`, 'use a registry name such as lungmask');
  }
  const sources = registry ?? [defaultModelsDir];
  // Load just the one card when the registry is a folder: fast, and other cards' errors don't matter.
  const files = sources.map((s) => (s.endsWith('.md') ? s : path.join(s, `${model}.md`)));
  const records = await loadRegistry(files).catch((error: unknown) => {
    if (error instanceof MhubError && /ENOENT|not found|no such/i.test(error.message)) return [];
    throw error;
  });
  const record = records.find((r) => r.card.name === model);
  if (!record) {
    throw new MhubError(
      'NOT_FOUND',
      `no model named ${model} in ${sources.join(', ')}`,
      'see mhub registry validate',
    );
  }
  return record;
}

export async function chooseBackend(
  card: ModelCard,
  wanted: BackendName | 'auto' | undefined,
  dockerSocket?: string,
): Promise<BackendName> {
  const has = (b: BackendName) => Boolean(card.runtimes[b]);
  if (wanted && wanted !== 'auto') {
    if (!has(wanted)) {
      const other = wanted === 'docker' ? 'venv' : 'docker';
      throw new MhubError(
        'USAGE',
        `${card.name} has no ${wanted} runtime`,
        has(other) ? `use --backend ${other}` : 'the card declares no runtime',
      );
    }
    return wanted;
  }
  if (has('docker')) {
    const reachable = await connectDocker(dockerSocket, 2000).then(
      () => true,
      () => false,
    );
    if (reachable || !has('venv')) return 'docker';
  }
  return 'venv';
}

/**
 * The GPU the run gets (src/platform's rule per OS and backend: CUDA where nvidia-smi answers,
 * none in containers on macOS, MPS for venv models on Apple Silicon), or an error when the
 * user or the card insists on one that is not there.
 */
export async function resolveDevice(
  card: ModelCard,
  mode: RunRequest['gpu'],
  backend: BackendName = 'docker',
  probe: Probe = systemProbe(),
): Promise<GpuDevice> {
  const need = card.requirements.gpu;
  if (mode === 'off') {
    if (need === 'required') {
      throw new MhubError(
        'USAGE',
        `${card.name} requires a GPU`,
        'run it with --gpu auto or on a machine with a GPU',
      );
    }
    return 'none';
  }
  if (need === 'unsupported' && mode !== 'on') return 'none';
  const nvidia = mayHaveNvidia(probe) && Boolean(await detectGpu());
  const choice = gpuChoice(probe, backend, nvidia);
  if (choice.device === 'none' && (mode === 'on' || need === 'required')) {
    throw new MhubError(
      'ENVIRONMENT',
      `${mode === 'on' ? '--gpu on was given' : `${card.name} requires a GPU`} but ${choice.reason}`,
      platformInfo(platformId(probe)).gpuFix,
    );
  }
  return choice.device;
}

/** Whether the run gets a GPU (resolveDevice's answer as yes or no). */
export async function resolveGpu(
  card: ModelCard,
  mode: RunRequest['gpu'],
  backend: BackendName = 'docker',
  probe: Probe = systemProbe(),
): Promise<boolean> {
  return (await resolveDevice(card, mode, backend, probe)) !== 'none';
}

function mapInputs(card: ModelCard, input: RunRequest['input']): Map<string, string> {
  const given = typeof input === 'string' ? undefined : input;
  const map = new Map<string, string>();
  if (!given) {
    if (card.inputs.length !== 1) {
      const ids = card.inputs.map((i) => i.id).join(', ');
      throw new MhubError(
        'USAGE',
        `${card.name} takes ${card.inputs.length} inputs (${ids})`,
        'give each as --input ID=PATH',
      );
    }
    map.set(card.inputs[0]!.id, input as string);
    return map;
  }
  for (const decl of card.inputs) {
    const p = given[decl.id];
    if (!p)
      throw new MhubError('USAGE', `missing input ${decl.id} (${decl.label})`, `add --input ${decl.id}=PATH`);
    map.set(decl.id, p);
  }
  for (const id of Object.keys(given)) {
    if (!card.inputs.some((i) => i.id === id)) {
      throw new MhubError(
        'USAGE',
        `${card.name} has no input ${id}`,
        `inputs: ${card.inputs.map((i) => i.id).join(', ')}`,
      );
    }
  }
  return map;
}

function declaredFormat(format: string): 'dicom' | 'nifti' | 'nrrd' {
  if (format === 'nifti' || format === 'nrrd') return format;
  return 'dicom'; // dicom, and dicomseg inputs come as DICOM folders
}

const EXTENSIONS: Record<Exclude<OutputFormat, 'native'>, string> = {
  nifti: '.nii.gz',
  nrrd: '.nrrd',
  'seg.nrrd': '.seg.nrrd',
  dicomseg: '.seg.dcm',
};

function stripExtension(rel: string): string {
  return rel.replace(/(\.seg)?\.(nii\.gz|nii|nrrd|dcm)$/i, '');
}

export async function runModel(asked: RunRequest, converter?: Converter): Promise<RunResult> {
  const started = Date.now();
  const probe = systemProbe();
  // Inside WSL2 a typed Windows path (C:\data) is the drive under /mnt.
  const request: RunRequest = { ...asked, output: hostPath(asked.output, probe) };
  const progress = request.progress ?? noProgress;
  const log = request.log ?? (() => {});
  const record = await resolveModel(request.model, request.registry);
  const card = record.card;
  const backendName = await chooseBackend(card, request.backend, request.dockerSocket);
  const runtime = card.runtimes[backendName]!;
  const iface = runtime.interface;
  const workflows = backendName === 'docker' ? (card.runtimes.docker?.workflows ?? []) : [];
  const workflow = iface === 'mhub' ? defaultWorkflow({ workflows }, request.workflow) : request.workflow;
  if (iface === 'mhub' && workflows.length > 0 && !workflows.some((w) => w.name === workflow)) {
    throw new MhubError(
      'USAGE',
      `${card.name} has no workflow ${workflow}`,
      `use one of: ${workflows.map((w) => w.name).join(', ')}`,
    );
  }
  const formats: OutputFormat[] = [...new Set<OutputFormat>(request.outputFormats ?? ['native'])];
  const inputs = new Map<string, UserData>();
  for (const [id, p] of mapInputs(card, request.input))
    inputs.set(id, await detectInput(path.resolve(hostPath(p, probe))));
  refuseOverlap(
    request.output,
    [...inputs.values()].map((i) => i.path),
    { flag: '--output', inputInsideOk: true },
  );
  const device = await resolveDevice(card, request.gpu, backendName, probe);
  const convert = converter ?? passThroughConverter(ioConverter());
  const backend: Backend =
    backendName === 'docker'
      ? (await import('./docker/backend.ts')).dockerBackend()
      : (await import('./venv/backend.ts')).venvBackend();
  const runId = newRunId();
  const cancel = request.signal ?? new AbortController().signal;
  const warnings = new Set<string>();

  const base: Omit<BackendContext, 'inputDir' | 'outputDir' | 'signal'> = {
    record,
    workflow,
    gpu: device !== 'none',
    device,
    timeoutMs: request.timeoutMs,
    memoryBytes: request.memoryBytes,
    progress,
    log,
    labels: request.labels ?? {},
    runId,
    home: request.home ?? mhubHome(),
    dockerSocket: request.dockerSocket,
    pull: request.pull,
    // Said at once (a model that fails under emulation still shows why it may have), and again
    // among the result's warnings.
    warn: (text) => {
      if (!warnings.has(text)) log(`warning: ${text}`);
      warnings.add(text);
    },
  };
  // Pull the image / build the environment before touching the output folder.
  await backend.prepare({ ...base, inputDir: '', outputDir: '', signal: cancel });

  const { workspace, createdOutput } = await createWorkspace(request.output, runId, base.home);
  let succeeded = false;
  try {
    const inputDir = await stageInputs(
      card,
      iface,
      inputs,
      workspace,
      convert,
      progress,
      request.tiltCorrect,
      warnings,
    );
    const timer = new AbortController();
    const timeout = request.timeoutMs
      ? setTimeout(() => timer.abort({ timeoutMs: request.timeoutMs }), request.timeoutMs)
      : undefined;
    const signal = AbortSignal.any([cancel, timer.signal]);
    try {
      await backend.run({ ...base, inputDir, outputDir: workspace.output, signal });
    } catch (error) {
      // A model that died because the output disk filled up should say so, not just "exit 1".
      if (error instanceof MhubError && error.code === 'RUN_FAILED' && (await diskFull(workspace.root))) {
        throw fsError({ code: 'ENOSPC' }, path.resolve(request.output), 'write results into');
      }
      throw error;
    } finally {
      clearTimeout(timeout);
    }
    const files = await listFiles(workspace.output);
    const runtime = iface === 'mhub' ? card.runtimes.docker! : { interface: iface };
    const expected = expectedOutputs(card, runtime, workflow ?? 'default');
    const missing = missingOutputs(expected, files);
    if (missing.length > 0) {
      throw new MhubError(
        'RUN_FAILED',
        `${card.name} finished without writing ${missing.map((m) => m.description).join(', ')}${files.length ? ` (it wrote: ${files.slice(0, 5).join(', ')})` : ' (it wrote nothing)'}`,
        'read the model output above: the case probably failed inside the model',
      );
    }
    await convertOutputs(card, expected, files, formats, workspace, inputs, convert, progress, warnings);
    const outputs = await publish(workspace, request.output, { force: request.force });
    succeeded = true;
    return {
      model: card.name,
      backend: backendName,
      outputs,
      durationMs: Date.now() - started,
      warnings: [...warnings],
    };
  } finally {
    await disposeWorkspace(workspace, request.output, createdOutput, succeeded);
  }
}

async function diskFull(dir: string): Promise<boolean> {
  const s = await statfs(dir).catch(() => undefined);
  return s !== undefined && s.bavail * s.bsize < 256 * 1024;
}

async function stageInputs(
  card: ModelCard,
  iface: 'mhub' | 'files',
  inputs: Map<string, UserData>,
  workspace: Workspace,
  convert: Converter,
  progress: RunRequest['progress'] & {},
  tiltCorrect: boolean | undefined,
  warnings: Set<string>,
): Promise<string> {
  // An MHub image with one DICOM input reads the user's folder itself (mounted read-only).
  if (iface === 'mhub' && card.inputs.length === 1) {
    const only = inputs.get(card.inputs[0]!.id)!;
    if (only.format === 'dicom' && tiltCorrect) {
      throw new MhubError(
        'USAGE',
        `--tilt-correct resamples while converting, but ${card.name} reads the DICOM folder ${only.path} itself`,
        'drop --tilt-correct, or pass a NIfTI made with mhub convert --tilt-correct if the model accepts one',
      );
    }
    // Mounted as it is, unless it holds symlinks: their targets are not in the container.
    if (only.format === 'dicom' && !(await hasSymlinks(only.path))) return only.path;
  }
  for (const decl of card.inputs) {
    const source = inputs.get(decl.id)!;
    const targetFormat = declaredFormat(decl.format);
    const name = iface === 'mhub' && card.inputs.length === 1 ? '.' : stagedInputName(decl.id, targetFormat);
    progress({ phase: 'convert', done: 0, message: `${decl.id}: ${source.format} -> ${targetFormat}` });
    const said = await convert.convertInput({
      source,
      target: path.join(workspace.input, name),
      targetFormat,
      tiltCorrect,
      progress,
    });
    for (const w of said ?? []) warnings.add(w);
  }
  return workspace.input;
}

async function convertOutputs(
  card: ModelCard,
  expected: ExpectedOutput[],
  files: string[],
  formats: OutputFormat[],
  workspace: Workspace,
  inputs: Map<string, UserData>,
  convert: Converter,
  progress: RunRequest['progress'] & {},
  warnings: Set<string>,
): Promise<void> {
  const reference = [...inputs.values()].find((i) => i.format === 'dicom');
  const terminology = formats.some((f) => f !== 'native') ? loadTerminology() : undefined;
  for (const rel of files) {
    const source = path.join(workspace.output, rel);
    const match = expected.find((e) => outputMatches(e, rel));
    for (const format of formats) {
      if (format === 'native' || !match) {
        if (format === 'native') await linkOrCopy(source, path.join(workspace.final, rel));
        continue;
      }
      const output =
        card.outputs.find((o) => o.id === match.outputId) ??
        card.outputs.find((o) => o.type === 'segmentation');
      const segments =
        output?.type === 'segmentation' && terminology
          ? output.segments.flatMap((s) => terminology.resolve(s) ?? [])
          : [];
      const sourceFormat: DataFormat =
        match.format === 'dicomseg' ? 'dicomseg' : rel.endsWith('.nrrd') ? 'nrrd' : 'nifti';
      if (match.format === 'json' || match.format === 'other') continue;
      const target = path.join(workspace.final, `${stripExtension(rel)}${EXTENSIONS[format]}`);
      if (formats.includes('native') && target === path.join(workspace.final, rel)) continue;
      progress({ phase: 'convert', done: 0, message: `${rel} -> ${format}` });
      const said = await convert.convertOutput({
        source,
        sourceFormat,
        target,
        targetFormat: format === 'nifti' ? 'nifti' : format === 'nrrd' ? 'nrrd' : format,
        segments,
        reference,
        progress,
      });
      for (const w of said ?? []) warnings.add(w);
    }
  }
}
