// `--emit wdl`: a WDL 1.0 workflow in the pattern the Imaging Data Commons uses on Terra
// (emitted, not run: no Cromwell here): one task per shard scattered over the plan, the MHub
// image pinned by digest when the card has one, preemptible VMs. WDL 1.0 has no Directory
// type, so each DICOM study travels as a tarball that the task unpacks into
// /app/data/input_data before `mhub.run` (the MHub contract's runner, on PATH in MHub images).
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { MhubError } from '../errors.ts';
import type { CardRecord } from '../registry/index.ts';
import { imageReference } from '../runner/index.ts';
import { writeOwnFile } from './own-file.ts';
import { requireLocalInputs } from './remote.ts';
import type { BatchMeta, PlannedItem } from './types.ts';

export interface WdlRequest {
  meta: BatchMeta;
  items: readonly PlannedItem[];
  record: CardRecord;
  workflow?: string;
  preemptible?: number;
}

const wdlName = (s: string) => s.replace(/[^A-Za-z0-9_]/g, '_');

export function wdlText(request: WdlRequest): string {
  const { meta, record } = request;
  const docker = record.card.runtimes.docker;
  if (docker?.interface !== 'mhub') {
    throw new MhubError(
      'USAGE',
      `${meta.model} has no MHub-contract image (interface: mhub) to run from WDL`,
      'use --engine slurm with --backend venv, or --emit k8s',
    );
  }
  const req = record.card.requirements;
  const disk = Math.ceil((req.diskGb ?? 1) * meta.shardSize) + 10;
  return `version 1.0

# mhub batch of ${meta.model} ${meta.version} (batch ${meta.batchId}): emitted, not run by mhub.
# One task per shard (${meta.shards} shards of up to ${meta.shardSize} studies); run with inputs.json,
# whose tarballs (one DICOM study each) mhub wrote beside this file.

workflow mhub_${wdlName(meta.model)} {
  input {
    Array[Array[String]] shard_ids
    Array[Array[File]] shard_studies
    String docker = "${imageReference(docker)}"
    String mhub_workflow = "${request.workflow ?? 'default'}"
    Int preemptible = ${request.preemptible ?? 3}
    Int cpus = 1
    Int memory_gb = ${Math.ceil(req.ramGb ?? 2)}
    Int disk_gb = ${disk}
  }

  scatter (n in range(length(shard_ids))) {
    call mhub_shard {
      input:
        ids = shard_ids[n],
        studies = shard_studies[n],
        docker = docker,
        mhub_workflow = mhub_workflow,
        preemptible = preemptible,
        cpus = cpus,
        memory_gb = memory_gb,
        disk_gb = disk_gb
    }
  }

  output {
    Array[File] results = mhub_shard.results
    Array[File] logs = mhub_shard.log
  }
}

task mhub_shard {
  input {
    Array[String] ids
    Array[File] studies
    String docker
    String mhub_workflow
    Int preemptible
    Int cpus
    Int memory_gb
    Int disk_gb
  }

  command <<<
    set -euo pipefail
    ids=(~{sep=" " ids})
    studies=(~{sep=" " studies})
    mkdir -p results
    for n in "\${!ids[@]}"; do
      rm -rf /app/data/input_data /app/data/output_data
      mkdir -p /app/data/input_data /app/data/output_data
      tar -xf "\${studies[$n]}" -C /app/data/input_data
      if mhub.run --workflow "~{mhub_workflow}" >>mhub.log 2>&1; then
        mkdir -p "results/\${ids[$n]}"
        cp -r /app/data/output_data/. "results/\${ids[$n]}/"
        echo "\${ids[$n]} done" >>mhub.log
      else
        echo "\${ids[$n]} failed" >>mhub.log
      fi
    done
    tar -czf results.tar.gz results
  >>>

  output {
    File results = "results.tar.gz"
    File log = "mhub.log"
  }

  runtime {
    docker: docker
    cpu: cpus
    memory: "~{memory_gb} GiB"
    disks: "local-disk ~{disk_gb} HDD"
    preemptible: preemptible
  }
}
`;
}

/** inputs.json: the items grouped by shard, each study as <dir>/studies/<id>.tar. */
export function wdlInputs(request: WdlRequest, studiesDir: string): Record<string, unknown> {
  const shards: PlannedItem[][] = [];
  for (const item of request.items) {
    shards[item.shard] ??= [];
    shards[item.shard]!.push(item);
  }
  const name = `mhub_${wdlName(request.meta.model)}`;
  return {
    [`${name}.shard_ids`]: shards.map((s) => s.map((i) => i.id)),
    [`${name}.shard_studies`]: shards.map((s) => s.map((i) => path.join(studiesDir, `${i.id}.tar`))),
  };
}

const run = promisify(execFile);

/** Writes <out>/wdl/batch.wdl, inputs.json and one tarball per study; returns the paths. */
export async function emitWdl(out: string, request: WdlRequest): Promise<string[]> {
  requireLocalInputs(request.items, '--emit wdl');
  const text = wdlText(request);
  const dir = path.join(path.resolve(out), 'wdl');
  const studies = path.join(dir, 'studies');
  await mkdir(studies, { recursive: true });
  for (const item of request.items) {
    const source = typeof item.inputs === 'string' ? item.inputs : Object.values(item.inputs)[0]!;
    const target = path.join(studies, `${item.id}.tar`);
    await writeOwnFile(target, async (tmp) => {
      await run('tar', ['-cf', tmp, '-C', source, '.']).catch((error: Error) => {
        throw new MhubError(
          'ENVIRONMENT',
          `cannot pack ${source} for WDL: ${error.message}`,
          'check that tar is installed',
        );
      });
    });
  }
  const files: [string, string][] = [
    [path.join(dir, 'batch.wdl'), text],
    [path.join(dir, 'inputs.json'), `${JSON.stringify(wdlInputs(request, studies), null, 2)}\n`],
  ];
  for (const [file, content] of files) await writeOwnFile(file, (tmp) => writeFile(tmp, content));
  return files.map(([f]) => f);
}
