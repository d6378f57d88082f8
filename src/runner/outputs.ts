// What a successful run must leave in the model's output folder. MHub containers can exit 0
// after a failed case, so success is "exit 0 AND every expected output exists".
import type { DockerRuntime, ModelCard } from '../registry/index.ts';

export interface ExpectedOutput {
  /** Shown when missing, e.g. "segmentation.nii.gz" or "[i:sid]/lungmask.seg.dcm". */
  description: string;
  /** The card output it holds (files interface), when known. */
  outputId?: string;
  /** Format of the file, as the model writes it. */
  format: 'nifti' | 'nrrd' | 'json' | 'dicomseg' | 'other';
  matches(relPath: string): boolean;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|\\]/g, '\\$&');

/** `files` interface: one file per declared output. */
export function filesInterfaceOutputs(card: ModelCard): ExpectedOutput[] {
  return card.outputs.map((output) => {
    const id = output.id;
    if (output.type === 'segmentation') {
      return {
        description: `${id}.nii.gz`,
        outputId: id,
        format: 'nifti' as const,
        matches: (rel: string) => rel === `${id}.nii.gz` || rel === `${id}.nii` || rel === `${id}.nrrd`,
      };
    }
    return {
      description: `${id}.json`,
      outputId: id,
      format: 'json' as const,
      matches: (rel) => rel === `${id}.json`,
    };
  });
}

/**
 * `mhub` interface: the workflow's declared outputs, MHub's `format:filter-->path` lines
 * (e.g. `dicomseg:mod=seg-->[i:sid]/lungmask.seg.dcm`); [placeholders] match one path part.
 */
export function mhubInterfaceOutputs(runtime: DockerRuntime, workflow: string): ExpectedOutput[] {
  const declared = runtime.workflows?.find((w) => w.name === workflow)?.outputs ?? [];
  const expected = declared.map((line): ExpectedOutput => {
    const [kind = '', target = ''] = line.split('-->');
    const format = kind.split(':')[0]?.trim() ?? '';
    const pattern = target
      .trim()
      .split(/(\[[^\]]*\])/)
      .map((part) => (part.startsWith('[') ? '[^/]+' : escapeRegExp(part)))
      .join('');
    const re = new RegExp(`^${pattern}$`);
    return {
      description: target.trim() || line,
      format:
        format === 'dicomseg'
          ? 'dicomseg'
          : format === 'nifti'
            ? 'nifti'
            : format === 'json'
              ? 'json'
              : 'other',
      matches: (rel) => re.test(rel.split('\\').join('/')),
    };
  });
  // A workflow that declares nothing must still produce something.
  return expected.length > 0 ? expected : [{ description: 'any file', format: 'other', matches: () => true }];
}

export function missingOutputs(
  expected: readonly ExpectedOutput[],
  files: readonly string[],
): ExpectedOutput[] {
  return expected.filter((e) => !files.some((f) => e.matches(f)));
}
