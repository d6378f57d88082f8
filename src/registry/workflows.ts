// Which MHub workflow a run uses when none is asked for: the one named `default`, else the
// card's first. The runner, the catalog's run lines and the Slicer modules all call this.
import type { DockerRuntime } from './types.gen.ts';

export function defaultWorkflow(runtime: Pick<DockerRuntime, 'workflows'>, asked?: string): string {
  if (asked) return asked;
  const names = (runtime.workflows ?? []).map((w) => w.name);
  return names.includes('default') ? 'default' : (names[0] ?? 'default');
}
