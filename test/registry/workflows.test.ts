import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../src/registry/validate.ts';
import { defaultWorkflow } from '../../src/registry/workflows.ts';

describe('defaultWorkflow', () => {
  it('prefers the workflow named default over the first listed', async () => {
    const [record] = await loadRegistry([
      new URL('../../registry/models/bamf_pet_ct_breast_tumor.md', import.meta.url).pathname,
    ]);
    const docker = record!.card.runtimes.docker!;
    expect(docker.workflows![0]!.name).not.toBe('default');
    expect(defaultWorkflow(docker)).toBe('default');
    expect(defaultWorkflow(docker, 'composite')).toBe('composite');
    expect(defaultWorkflow({ workflows: [{ name: 'slicer' }] })).toBe('slicer');
    expect(defaultWorkflow({})).toBe('default');
  });
});
