// `--emit k8s` (emitted, not run: no Kubernetes here): the Indexed Job, its claim and its
// NetworkPolicy validated against the Kubernetes API schemas shipped in kubernetes-models.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { describe, expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { runCli } from '../support/cli.ts';
import { numpyPython } from '../support/requirements.ts';
import { makeStudies, tempDir } from './support.ts';

const MODELS = { Job, NetworkPolicy, PersistentVolumeClaim } as const;

function validate(doc: Record<string, unknown>): void {
  const Model = MODELS[doc.kind as keyof typeof MODELS];
  expect(Model, String(doc.kind)).toBeDefined();
  new Model(doc as never).validate();
}

// Its studies are classical_ct phantoms, written by python3 with numpy.
describe.runIf(numpyPython())('mhub batch --emit k8s', () => {
  test('an Indexed Job, one index per item, with the Docker backend security settings; valid against the API schema', async () => {
    const dir = await tempDir('batch-k8s');
    makeStudies(path.join(dir, 'in'), 3);
    const out = path.join(dir, 'out');
    const r = await runCli([
      'batch',
      'classical_ct',
      '--inputs',
      path.join(dir, 'in'),
      '--out',
      out,
      '--emit',
      'k8s',
      '--jobs',
      '2',
      '--retries',
      '1',
    ]);
    expect(r.code, r.err).toBe(0);
    const docs = parseAllDocuments(readFileSync(path.join(out, 'k8s', 'job.yaml'), 'utf8')).map((d) =>
      d.toJS(),
    );
    expect(docs.map((d) => d.kind)).toEqual(['PersistentVolumeClaim', 'NetworkPolicy', 'Job']);
    for (const doc of docs) validate(doc);
    const job = docs[2];
    expect(job.spec).toMatchObject({
      completionMode: 'Indexed',
      completions: 3,
      parallelism: 2,
      backoffLimitPerIndex: 1,
    });
    const pod = job.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true });
    expect(pod.automountServiceAccountToken).toBe(false);
    const [container] = pod.containers;
    expect(container.image).toBe('mhub-registry/classical_ct:1.0.0');
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.env).toContainEqual({ name: 'HOME', value: '/tmp' });
    expect(container.resources.limits).toEqual({ memory: '2048Mi' });
    expect(container.volumeMounts).toContainEqual({
      name: 'data',
      mountPath: '/app/data/input_data',
      subPathExpr: 'inputs/$(MHUB_INDEX)',
      readOnly: true,
    });
    expect(pod.volumes[0].persistentVolumeClaim.claimName).toBe(docs[0].metadata.name);
    // No network: the policy selects the pods by their labels and allows nothing.
    expect(docs[1].spec).toEqual({
      podSelector: { matchLabels: job.spec.template.metadata.labels },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [],
      egress: [],
    });
    const staging = readFileSync(path.join(out, 'k8s', 'staging.tsv'), 'utf8')
      .trim()
      .split('\n');
    expect(staging[0]).toBe('index\tid\tsource\ttarget');
    expect(staging[2]).toBe(`1\tcase02\t${path.join(dir, 'in', 'case02', 'ct.nii.gz')}\tinputs/1/ct.nii.gz`);
  });

  test('the schema check is real: a malformed Job is rejected', () => {
    const bad = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'x' },
      spec: { completions: 'three', template: {} },
    };
    expect(() => validate(bad)).toThrow(/completions/);
  });
});
