// `--emit k8s`: a Kubernetes Indexed Job for clusters we cannot reach from here (emitted, not
// run). One index per item (shard size 1), so that each pod mounts exactly its item's input
// and output folders from one PersistentVolumeClaim through subPathExpr on the completion
// index. The pods get the Docker backend's security settings: no network (a NetworkPolicy
// that denies all traffic), every capability dropped, no privilege escalation, a non-root
// user, HOME=/tmp, and the org.mhub-registry.* labels.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { MhubError } from '../errors.ts';
import type { CardRecord } from '../registry/index.ts';
import { imageReference, LABEL_PREFIX } from '../runner/index.ts';
import { writeOwnFile } from './own-file.ts';
import { requireLocalInputs } from './remote.ts';
import type { BatchMeta, PlannedItem } from './types.ts';

export interface K8sRequest {
  meta: BatchMeta;
  items: readonly PlannedItem[];
  record: CardRecord;
  /** Pods at once (Job parallelism). */
  parallelism: number;
  /** Retries per index (backoffLimitPerIndex). */
  retries: number;
  workflow?: string;
  /** Size of the claim, e.g. "50Gi" (default: the card's diskGb per item plus the inputs' 1 GiB each). */
  storage?: string;
  namespace?: string;
}

/** Where each item's input goes on the claim: inputs/<index>/<name the image expects>. */
export function stagedInputs(
  request: K8sRequest,
): { index: number; id: string; source: string; target: string }[] {
  const iface = request.record.card.runtimes.docker!.interface;
  requireLocalInputs(request.items, '--emit k8s');
  return request.items.flatMap((item, index) => {
    const inputs =
      typeof item.inputs === 'string' ? { [request.record.card.inputs[0]!.id]: item.inputs } : item.inputs;
    return Object.entries(inputs).map(([id, source]) => {
      // files interface: <input id>.nii.gz / .nrrd / DICOM folder <input id>; mhub: the folder itself.
      const ext = /\.nii(\.gz)?$/i.test(source) ? '.nii.gz' : /\.nrrd$/i.test(source) ? '.nrrd' : '';
      const name = iface === 'mhub' && Object.keys(inputs).length === 1 ? '' : `${id}${ext}`;
      return { index, id: item.id, source, target: path.posix.join('inputs', String(index), name) };
    });
  });
}

export function k8sObjects(request: K8sRequest): Record<string, unknown>[] {
  const { meta, record } = request;
  const docker = record.card.runtimes.docker;
  if (!docker)
    throw new MhubError(
      'USAGE',
      `${meta.model} has no Docker image to run on Kubernetes`,
      'use --engine slurm with --backend venv',
    );
  const name = `mhub-${meta.model.replace(/_/g, '-')}-${meta.batchId.slice(0, 8)}`;
  const labels = {
    [`${LABEL_PREFIX}run`]: meta.batchId,
    [`${LABEL_PREFIX}model`]: meta.model,
    [`${LABEL_PREFIX}version`]: meta.version,
  };
  const metadata = (kind: string) => ({
    name: kind ? `${name}-${kind}` : name,
    labels,
    ...(request.namespace ? { namespace: request.namespace } : {}),
  });
  const req = record.card.requirements;
  const perItemGb = (req.diskGb ?? 1) + 1;
  const storage = request.storage ?? `${Math.ceil(perItemGb * request.items.length)}Gi`;
  const memory = `${Math.ceil((req.ramGb ?? 2) * 1024)}Mi`;
  const gpu = req.gpu === 'required' ? { 'nvidia.com/gpu': '1' } : {};
  const indexEnv = {
    name: 'MHUB_INDEX',
    valueFrom: {
      fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" },
    },
  };
  const args = docker.interface === 'mhub' ? ['--workflow', request.workflow ?? 'default'] : undefined;
  const claim = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: metadata('data'),
    spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage } } },
  };
  const network = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: metadata('no-network'),
    spec: {
      podSelector: { matchLabels: labels },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [],
      egress: [],
    },
  };
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: metadata(''),
    spec: {
      completionMode: 'Indexed',
      completions: request.items.length,
      parallelism: Math.min(request.parallelism, request.items.length),
      backoffLimitPerIndex: request.retries,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 1000,
            runAsGroup: 1000,
            fsGroup: 1000,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: 'model',
              image: imageReference(docker),
              ...(args ? { args } : {}),
              env: [{ name: 'HOME', value: '/tmp' }, indexEnv],
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
              resources: {
                requests: { cpu: '1', memory, ...gpu },
                limits: { memory, ...gpu },
              },
              volumeMounts: [
                {
                  name: 'data',
                  mountPath: '/app/data/input_data',
                  subPathExpr: 'inputs/$(MHUB_INDEX)',
                  readOnly: true,
                },
                { name: 'data', mountPath: '/app/data/output_data', subPathExpr: 'outputs/$(MHUB_INDEX)' },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
          volumes: [
            { name: 'data', persistentVolumeClaim: { claimName: claim.metadata.name } },
            { name: 'tmp', emptyDir: {} },
          ],
        },
      },
    },
  };
  return [claim, network, job];
}

/** The manifest as one YAML stream, and the staging table (index, id, source, target). */
export function k8sFiles(request: K8sRequest): { yaml: string; staging: string } {
  const header = `# mhub batch of ${request.meta.model} ${request.meta.version} (batch ${request.meta.batchId}): emitted, not run by mhub.\n# Copy each input to its target on the claim (staging.tsv), kubectl apply -f this file;\n# index i writes outputs/i (staging.tsv maps indices to item ids).\n`;
  const yaml =
    header +
    k8sObjects(request)
      .map((o) => stringify(o, { aliasDuplicateObjects: false }))
      .join('---\n');
  const rows = stagedInputs(request).map((r) => [r.index, r.id, r.source, r.target].join('\t'));
  return { yaml, staging: `${['index', 'id', 'source', 'target'].join('\t')}\n${rows.join('\n')}\n` };
}

/** Writes <out>/k8s/job.yaml and <out>/k8s/staging.tsv; returns their paths. */
export async function emitK8s(out: string, request: K8sRequest): Promise<string[]> {
  const files = k8sFiles(request);
  const dir = path.join(path.resolve(out), 'k8s');
  const written: string[] = [];
  for (const [name, text] of [
    ['job.yaml', files.yaml],
    ['staging.tsv', files.staging],
  ] as const) {
    await writeOwnFile(path.join(dir, name), (tmp) => writeFile(tmp, text));
    written.push(path.join(dir, name));
  }
  return written;
}
