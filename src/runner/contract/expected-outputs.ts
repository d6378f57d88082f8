// What a successful run must leave in the model's output folder. MHub containers can exit 0
// after a failed case, so success is "exit 0 AND every expected output exists". Each rule is a
// regular expression over the output's path relative to the output folder ('/'-separated),
// written in the subset JavaScript and Python read alike, so the Slicer launcher checks the
// very patterns computed here (carried in its generated module spec).
import type { DockerRuntime, ModelCard } from '../../registry/index.ts';

export interface ExpectedOutput {
  /** Shown when missing, e.g. "segmentation.nii.gz" or "[i:sid]/lungmask.seg.dcm". */
  description: string;
  /** The card output it holds, when the interface says (files interface). */
  outputId?: string;
  /** Format of the file, as the model writes it. */
  format: 'nifti' | 'json' | 'dicomseg' | 'other';
  /** Anchored regular expression over the relative path. */
  pattern: string;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `files` interface: one file per declared output (a label map may be .nii.gz, .nii or .nrrd). */
export function filesInterfaceOutputs(card: Pick<ModelCard, 'outputs'>): ExpectedOutput[] {
  return card.outputs.map((output) => {
    const id = escapeRegExp(output.id);
    return output.type === 'segmentation'
      ? {
          description: `${output.id}.nii.gz`,
          outputId: output.id,
          format: 'nifti',
          pattern: `^${id}\\.(nii\\.gz|nii|nrrd)$`,
        }
      : { description: `${output.id}.json`, outputId: output.id, format: 'json', pattern: `^${id}\\.json$` };
  });
}

const FORMATS: Record<string, ExpectedOutput['format']> = {
  dicomseg: 'dicomseg',
  nifti: 'nifti',
  json: 'json',
};

/**
 * `mhub` interface: the workflow's declared outputs, MHub's `format:filter-->path` lines
 * (e.g. `dicomseg:mod=seg-->[i:sid]/lungmask.seg.dcm`); [placeholders] match one path part.
 * A workflow that declares nothing must still produce some file.
 */
export function mhubInterfaceOutputs(
  runtime: DockerRuntime | Pick<DockerRuntime, 'workflows'>,
  workflow: string,
): ExpectedOutput[] {
  const declared = runtime.workflows?.find((w) => w.name === workflow)?.outputs ?? [];
  const expected = declared.map((line): ExpectedOutput => {
    const [kind = '', target = ''] = line.split('-->');
    const pattern = target
      .trim()
      .split(/(\[[^\]]*\])/)
      .map((part) => (part.startsWith('[') ? '[^/]+' : escapeRegExp(part)))
      .join('');
    return {
      description: target.trim() || line,
      format: FORMATS[kind.split(':')[0]?.trim() ?? ''] ?? 'other',
      pattern: `^${pattern}$`,
    };
  });
  return expected.length > 0 ? expected : [{ description: 'any file', format: 'other', pattern: '^.+$' }];
}

/** The expected outputs of a runtime: by its interface. */
export function expectedOutputs(
  card: Pick<ModelCard, 'outputs'>,
  runtime: { interface: 'mhub' | 'files'; workflows?: DockerRuntime['workflows'] },
  workflow: string,
): ExpectedOutput[] {
  return runtime.interface === 'mhub' ? mhubInterfaceOutputs(runtime, workflow) : filesInterfaceOutputs(card);
}

export function outputMatches(expected: ExpectedOutput, relPath: string): boolean {
  return new RegExp(expected.pattern).test(relPath.split('\\').join('/'));
}

export function missingOutputs(
  expected: readonly ExpectedOutput[],
  files: readonly string[],
): ExpectedOutput[] {
  return expected.filter((e) => !files.some((f) => outputMatches(e, f)));
}
