// How to run a model, generated from its card: the `mhub run` line, the raw `docker run` line of
// the run contract, and the Python-environment (venv) steps. The docker line is the runner's own
// container (src/runner/contract: containerConfig spelled by dockerCliArgs), so the page and the
// runners cannot drift apart.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { moduleName } from '../generator/index.ts';
import type { DockerRuntime, ModelCard, VenvRuntime } from '../registry/index.ts';
import { defaultWorkflow, type Input, projectLinks, repoRoot } from '../registry/index.ts';
import {
  CACHE_SUBDIR,
  containerCommand,
  containerConfig,
  dockerCliArgs,
  ENV,
  envPaths,
  imageReference,
  PIP_INSTALL_FLAGS,
  packageIndexFlags,
} from '../runner/index.ts';
import { slicerZipPath } from './slicer-downloads.ts';

/** Placeholders shown on the catalog; `$PWD/...` so the printed line works as pasted. */
export const DEFAULT_INPUT = '$PWD/input';
export const DEFAULT_OUTPUT = '$PWD/output';

export interface RunPaths {
  input?: string;
  output?: string;
  /** MHub workflow; default: the card's workflow named "default", else its first one. */
  workflow?: string;
}

/** The user the printed line runs the container as: the shell's own uid:gid, as the runners do. */
export const SHELL_USER = '$(id -u):$(id -g)';

/** The workflow `--workflow` gets: the one asked for, the card's "default", its first, or "default". */
export { defaultWorkflow };

/**
 * The argv after `docker run`: `--rm` and the runner's container (no network, read-only input,
 * no capabilities, no new privileges, pids limit, the caller's uid:gid), the image and, for the
 * `mhub` interface, `--workflow <name>`. Without the runner's name and labels.
 */
export function dockerContractArgs(runtime: DockerRuntime, paths: RunPaths = {}, gpu = false): string[] {
  const workflow = runtime.interface === 'mhub' ? defaultWorkflow(runtime, paths.workflow) : undefined;
  const config = containerConfig({
    image: imageReference(runtime),
    cmd: containerCommand(runtime.interface, workflow),
    inputDir: paths.input ?? DEFAULT_INPUT,
    outputDir: paths.output ?? DEFAULT_OUTPUT,
    user: SHELL_USER,
    gpu,
  });
  return ['--rm', ...dockerCliArgs(config)];
}

/** POSIX shell quoting; a leading `~` or `$PWD` (the placeholders) and SHELL_USER stay expandable. */
export function shellQuote(arg: string): string {
  if (/^~?[A-Za-z0-9_./:=@%+,-]+$/.test(arg)) return arg;
  if (/^\$PWD[A-Za-z0-9_./:=@%+,-]*$/.test(arg) || arg === SHELL_USER) return `"${arg}"`;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

const line = (argv: string[]) => argv.map(shellQuote).join(' ');

/** `mhub run <name> --input <in> --output <out> [--backend b] [--workflow w]`. */
export function mhubRunArgs(card: ModelCard, paths: RunPaths = {}, backend?: 'docker' | 'venv'): string[] {
  const args = [
    'run',
    card.name,
    '--input',
    paths.input ?? DEFAULT_INPUT,
    '--output',
    paths.output ?? DEFAULT_OUTPUT,
  ];
  if (backend) args.push('--backend', backend);
  if (paths.workflow) args.push('--workflow', paths.workflow);
  return args;
}

/** Where `mhub` keeps a model's environment (the contract's layout under the default cache root). */
export function venvFolder(card: ModelCard): string {
  return envPaths(`~/.cache/${CACHE_SUBDIR}`, card.name, card.version).root;
}

/** Where the recipe clones the registry when the model's code is a folder of it. */
const CLONE_DIR = 'mhub-registry';

/**
 * The manual Python-environment steps for a `venv` runtime: what `mhub run --backend venv` does
 * (src/runner/venv/env.ts), by hand: the environment, hash-pinned install (with the package index
 * CPU wheels need), the model's code when it lives in the registry, checked weights in the
 * environment's weights folder, and the entrypoint with the contract's variables.
 */
export function venvSteps(
  card: ModelCard,
  venv: VenvRuntime,
  paths: RunPaths = {},
  cloneUrl = projectLinks().cloneUrl,
): string[] {
  const dir = venvFolder(card);
  const weightsDir = `${dir}/weights`;
  const source = venv.source?.path ? `$PWD/${CLONE_DIR}/${venv.source.path}` : undefined;
  const steps = [`# Python ${venv.python}`];
  if (source)
    steps.push(
      `# the model's code is in the registry's repository`,
      line(['git', 'clone', '--depth', '1', cloneUrl, CLONE_DIR]),
    );
  steps.push(
    `python3 -m venv ${dir}`,
    `cat > requirements.txt <<'EOF'\n${venv.requirements.join('\n')}\nEOF`,
    [
      `${dir}/bin/pip install ${PIP_INSTALL_FLAGS.join(' ')}`,
      ...packageIndexFlags(venv.requirements),
      '-r requirements.txt',
    ].join(' '),
  );
  for (const w of venv.weights ?? []) {
    const target = `${weightsDir}/${w.path}`;
    if (w.url) steps.push(line(['curl', '-fL', '-o', target, '--create-dirs', w.url]));
    else if (source) steps.push(`mkdir -p ${weightsDir} && cp "${source}/weights/${w.path}" ${target}`);
    steps.push(`echo '${w.sha256}  ${target}' | sha256sum -c -`);
  }
  const env = [
    ...(source ? [`PYTHONPATH="${source}"`] : []),
    ...(venv.weights?.length ? [`${ENV.weights}=${weightsDir}`] : []),
  ];
  steps.push(
    [
      ...env,
      line([
        `${dir}/bin/python`,
        '-m',
        venv.entrypoint,
        paths.input ?? DEFAULT_INPUT,
        paths.output ?? DEFAULT_OUTPUT,
      ]),
    ].join(' '),
  );
  return steps;
}

/** What an input must be, in one phrase: "a folder holding one DICOM series (CT)". */
export function inputRequirement(input: Input): string {
  const modality = input.modality.join(' or ');
  const what = {
    dicom: `a folder holding one DICOM series (${modality})`,
    nifti: `a NIfTI file, .nii or .nii.gz (${modality})`,
    nrrd: `an NRRD file, .nrrd (${modality})`,
    dicomseg: 'a DICOM SEG file',
  }[input.format];
  return `${input.label}: ${what}`;
}

export interface RunInstructions {
  /** `mhub run ...` (backend chosen automatically). */
  mhub: string;
  /** What each input must be (mhub converts DICOM, NIfTI and NRRD; the docker line takes this as is). */
  inputs: string[];
  docker?: {
    image: string;
    /** Pinned by digest; else the tag, whose image may change. */
    pinned: boolean;
    interface: DockerRuntime['interface'];
    /** With `--gpus all` when the card requires a GPU. */
    command: string;
    /** The same with an NVIDIA GPU, when the card can use one but does not require it. */
    gpuCommand?: string;
    /** How to build the image locally (reference models, whose images are not on a registry). */
    build?: string[];
    /** The workflow the command runs (mhub interface only). */
    workflow?: string;
    workflows: string[];
  };
  venv?: { python: string; mhub: string; steps: string[] };
  slicer: { module: string; zip: string };
}

/** Everything the catalog's "Run it" section shows, from the card alone. */
export function runInstructions(
  card: ModelCard,
  paths: RunPaths = {},
  options: { cloneUrl?: string } = {},
): RunInstructions {
  const { docker, venv } = card.runtimes;
  const module = moduleName(card.name);
  const gpu = card.requirements.gpu;
  return {
    mhub: line(['mhub', ...mhubRunArgs(card, paths)]),
    inputs: card.inputs.map(inputRequirement),
    ...(docker
      ? {
          docker: {
            image: imageReference(docker),
            pinned: Boolean(docker.digest),
            interface: docker.interface,
            command: line(['docker', 'run', ...dockerContractArgs(docker, paths, gpu === 'required')]),
            ...(gpu === 'recommended' || gpu === 'optional'
              ? { gpuCommand: line(['docker', 'run', ...dockerContractArgs(docker, paths, true)]) }
              : {}),
            ...(card.status === 'reference' ? { build: referenceBuild(card.name, options.cloneUrl) } : {}),
            ...(docker.interface === 'mhub' ? { workflow: defaultWorkflow(docker, paths.workflow) } : {}),
            workflows: (docker.workflows ?? []).map((w) => w.name),
          },
        }
      : {}),
    ...(venv
      ? {
          venv: {
            python: venv.python,
            mhub: line(['mhub', ...mhubRunArgs(card, paths, 'venv')]),
            steps: venvSteps(card, venv, paths, options.cloneUrl),
          },
        }
      : {}),
    slicer: { module, zip: slicerZipPath(card.name) },
  };
}

/**
 * Reference models' images are built, not pulled, by the scripts CI uses: the model's own
 * models/<name>/build-image.sh where it has one, else models/build-images.sh (the base image, by
 * debootstrap so as root, and the numpy reference images), with the tags the cards name.
 */
function referenceBuild(name: string, cloneUrl = projectLinks().cloneUrl): string[] {
  const own = `models/${name}/build-image.sh`;
  const script = existsSync(path.join(repoRoot, own)) ? own : 'models/build-images.sh';
  return [
    line(['git', 'clone', '--depth', '1', cloneUrl, CLONE_DIR]),
    `sudo bash ${CLONE_DIR}/${script}   # needs Debian's debootstrap for the base image`,
  ];
}
