// How to run a model, generated from its card: the `mhub run` line, the raw `docker run` line of
// the run contract, and the Python-environment (venv) steps. The docker line is the runner's own
// container (src/runner/contract: containerConfig spelled by dockerCliArgs), so the page and the
// runners cannot drift apart.

import { moduleName } from '../generator/index.ts';
import type { DockerRuntime, ModelCard, VenvRuntime } from '../registry/index.ts';
import { defaultWorkflow } from '../registry/index.ts';
import {
  CACHE_SUBDIR,
  containerCommand,
  containerConfig,
  dockerCliArgs,
  envPaths,
  imageReference,
  PIP_INSTALL_FLAGS,
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
export function dockerContractArgs(runtime: DockerRuntime, paths: RunPaths = {}): string[] {
  const workflow = runtime.interface === 'mhub' ? defaultWorkflow(runtime, paths.workflow) : undefined;
  const config = containerConfig({
    image: imageReference(runtime),
    cmd: containerCommand(runtime.interface, workflow),
    inputDir: paths.input ?? DEFAULT_INPUT,
    outputDir: paths.output ?? DEFAULT_OUTPUT,
    user: SHELL_USER,
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

/** The manual Python-environment steps for a `venv` runtime (what `mhub run --backend venv` does). */
export function venvSteps(card: ModelCard, venv: VenvRuntime, paths: RunPaths = {}): string[] {
  const dir = venvFolder(card);
  const steps = [
    `# Python ${venv.python}`,
    `python3 -m venv ${dir}`,
    `cat > requirements.txt <<'EOF'\n${venv.requirements.join('\n')}\nEOF`,
    `${dir}/bin/pip install ${PIP_INSTALL_FLAGS.join(' ')} -r requirements.txt`,
  ];
  for (const w of venv.weights ?? []) {
    if (w.url) steps.push(line(['curl', '-fL', '-o', `weights/${w.path}`, '--create-dirs', w.url]));
    steps.push(`echo '${w.sha256}  weights/${w.path}' | sha256sum -c -`);
  }
  steps.push(
    line([
      `${dir}/bin/python`,
      '-m',
      venv.entrypoint,
      paths.input ?? DEFAULT_INPUT,
      paths.output ?? DEFAULT_OUTPUT,
    ]),
  );
  return steps;
}

export interface RunInstructions {
  /** `mhub run ...` (backend chosen automatically). */
  mhub: string;
  docker?: {
    image: string;
    interface: DockerRuntime['interface'];
    command: string;
    /** The workflow the command runs (mhub interface only). */
    workflow?: string;
    workflows: string[];
  };
  venv?: { python: string; mhub: string; steps: string[] };
  slicer: { module: string; zip: string };
}

/** Everything the catalog's "Run it" section shows, from the card alone. */
export function runInstructions(card: ModelCard, paths: RunPaths = {}): RunInstructions {
  const { docker, venv } = card.runtimes;
  const module = moduleName(card.name);
  return {
    mhub: line(['mhub', ...mhubRunArgs(card, paths)]),
    ...(docker
      ? {
          docker: {
            image: imageReference(docker),
            interface: docker.interface,
            command: line(['docker', 'run', ...dockerContractArgs(docker, paths)]),
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
            steps: venvSteps(card, venv, paths),
          },
        }
      : {}),
    slicer: { module, zip: slicerZipPath(card.name) },
  };
}
