// How to run a model, generated from its card: the `mhub run` line, the raw `docker run` line of
// the run contract, and the Python-environment (venv) steps. One function set for everyone: the
// catalog prints these lines, and the runner builds its container arguments from
// `dockerContractArgs` so the page and the runner cannot drift apart.

import { moduleName } from '../generator/index.ts';
import type { DockerRuntime, ModelCard, VenvRuntime } from '../registry/index.ts';
import { defaultWorkflow } from '../registry/index.ts';

/** Where the MHub container contract mounts the input and output folders. */
export const CONTAINER_INPUT = '/app/data/input_data';
export const CONTAINER_OUTPUT = '/app/data/output_data';

/** Placeholders shown on the catalog; `$PWD/...` so the printed line works as pasted. */
export const DEFAULT_INPUT = '$PWD/input';
export const DEFAULT_OUTPUT = '$PWD/output';

export interface RunPaths {
  input?: string;
  output?: string;
  /** MHub workflow; default: the card's workflow named "default", else its first one. */
  workflow?: string;
}

/** `image@digest` when the card pins one (Docker ignores a tag beside a digest), else `image:tag`. */
export function dockerImageRef(runtime: DockerRuntime): string {
  if (runtime.digest) return `${runtime.image}@${runtime.digest}`;
  return `${runtime.image}:${runtime.tag ?? 'latest'}`;
}

/** The workflow `--workflow` gets: the one asked for, the card's "default", its first, or "default". */
export { defaultWorkflow };

/**
 * The container part of the run contract as an argv after `docker run`: mounts (input
 * read-only), the image and, for the `mhub` interface, `--workflow <name>` (always passed: any
 * argument replaces the image's default command). The runner adds its own safety flags
 * (capabilities, user, labels, name) before the image; the catalog shows these as they are.
 */
export function dockerContractArgs(runtime: DockerRuntime, paths: RunPaths = {}): string[] {
  const input = paths.input ?? DEFAULT_INPUT;
  const output = paths.output ?? DEFAULT_OUTPUT;
  const args = [
    '--rm',
    '--network',
    'none',
    '-v',
    `${input}:${CONTAINER_INPUT}:ro`,
    '-v',
    `${output}:${CONTAINER_OUTPUT}`,
    dockerImageRef(runtime),
  ];
  if (runtime.interface === 'mhub') args.push('--workflow', defaultWorkflow(runtime, paths.workflow));
  return args;
}

/** POSIX shell quoting; a leading `~` or `$PWD` (the placeholders) stays expandable. */
export function shellQuote(arg: string): string {
  if (/^~?[A-Za-z0-9_./:=@%+,-]+$/.test(arg)) return arg;
  if (/^\$PWD[A-Za-z0-9_./:=@%+,-]*$/.test(arg)) return `"${arg}"`;
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

/** Where `mhub` keeps a model's environment; shown in the manual venv steps. */
export function venvFolder(card: ModelCard): string {
  return `~/.cache/mhub/venvs/${card.name}-${card.version}`;
}

/** The manual Python-environment steps for a `venv` runtime (what `mhub run --backend venv` does). */
export function venvSteps(card: ModelCard, venv: VenvRuntime, paths: RunPaths = {}): string[] {
  const dir = venvFolder(card);
  const steps = [
    `# Python ${venv.python}`,
    `python3 -m venv ${dir}`,
    `cat > requirements.txt <<'EOF'\n${venv.requirements.join('\n')}\nEOF`,
    `${dir}/bin/pip install --require-hashes -r requirements.txt`,
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
            image: dockerImageRef(docker),
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
    slicer: { module, zip: `/slicer/${module}.zip` },
  };
}
