// `--emit wdl` (emitted, not run: no Cromwell or miniwdl here): golden text for a fixed plan,
// and the files the command writes (inputs.json grouped by shard, one tarball per study).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import type { BatchMeta, PlannedItem } from '../../src/batch/index.ts';
import { wdlText } from '../../src/batch/index.ts';
import { readNifti, writeDicomSeries } from '../../src/io/index.ts';
import { resolveModel } from '../../src/runner/index.ts';
import { runCli } from '../support/cli.ts';
import { numpyPython } from '../support/requirements.ts';
import { makeStudies, tempDir } from './support.ts';

const golden = path.join(import.meta.dirname, 'fixtures', 'classical_ct_mhub.wdl');

// Its studies are classical_ct phantoms, written by python3 with numpy.
describe.runIf(numpyPython())('mhub batch --emit wdl', () => {
  test('golden: one task per shard, the image pinned, preemptible, the card resources', async () => {
    const record = await resolveModel('classical_ct_mhub');
    const meta: BatchMeta = {
      format: 'mhub-batch/1',
      model: 'classical_ct_mhub',
      version: record.card.version,
      batchId: '0123456789abcdef',
      inputs: '/data/studies',
      created: '2026-12-01T00:00:00.000Z',
      itemCount: 3,
      shardSize: 2,
      shards: 2,
    };
    const items: PlannedItem[] = ['p1', 'p2', 'p3'].map((id, n) => ({
      id,
      inputs: `/data/studies/${id}`,
      source: id,
      shard: Math.floor(n / 2),
    }));
    const text = wdlText({ meta, items, record });
    if (process.env.UPDATE_GOLDEN) writeFileSync(golden, text);
    expect(text).toBe(readFileSync(golden, 'utf8'));
    // A card that pins its image by digest gets the digest, never the tag.
    const docker = { ...record.card.runtimes.docker!, digest: `sha256:${'a'.repeat(64)}` };
    const pinned = { ...record, card: { ...record.card, runtimes: { ...record.card.runtimes, docker } } };
    expect(wdlText({ meta, items, record: pinned })).toContain(
      `String docker = "mhub-registry/classical_ct_mhub@sha256:${'a'.repeat(64)}"`,
    );
  });

  test('writes batch.wdl, inputs.json by shard and a tarball of each study; refuses files-interface models', async () => {
    const dir = await tempDir('batch-wdl');
    makeStudies(path.join(dir, 'nifti'), 1);
    const volume = await readNifti(path.join(dir, 'nifti', 'case01', 'ct.nii.gz'));
    for (const id of ['p1', 'p2', 'p3']) await writeDicomSeries(path.join(dir, 'in', id), volume);
    const out = path.join(dir, 'out');
    const r = await runCli([
      'batch',
      'classical_ct_mhub',
      '--inputs',
      path.join(dir, 'in'),
      '--out',
      out,
      '--emit',
      'wdl',
      '--shard-size',
      '2',
    ]);
    expect(r.code, r.err).toBe(0);
    const inputs = JSON.parse(readFileSync(path.join(out, 'wdl', 'inputs.json'), 'utf8'));
    const studies = path.join(out, 'wdl', 'studies');
    expect(inputs).toEqual({
      'mhub_classical_ct_mhub.shard_ids': [['p1', 'p2'], ['p3']],
      'mhub_classical_ct_mhub.shard_studies': [
        [path.join(studies, 'p1.tar'), path.join(studies, 'p2.tar')],
        [path.join(studies, 'p3.tar')],
      ],
    });
    const listed = execFileSync('tar', ['-tf', path.join(studies, 'p3.tar')], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.endsWith('.dcm'));
    expect(listed).toHaveLength(volume.size[2]);
    expect(readFileSync(path.join(out, 'wdl', 'batch.wdl'), 'utf8')).toMatch(/^version 1\.0\n/);
    const refused = await runCli([
      'batch',
      'classical_ct',
      '--inputs',
      path.join(dir, 'nifti'),
      '--out',
      path.join(dir, 'o2'),
      '--emit',
      'wdl',
    ]);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/no MHub-contract image/);
  });
});
