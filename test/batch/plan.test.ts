// Planning and bad input: manifests (CSV, JSON lines), folders (NIfTI, DICOM by series),
// duplicate ids, missing inputs, wrong columns, an output folder that is not this batch's.
// Nothing here runs a model.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseCsvManifest, parseJsonlManifest, planBatch } from '../../src/batch/index.ts';
import { writeDicomSeries } from '../../src/io/index.ts';
import { runCli } from '../support/cli.ts';
import { numpyPython } from '../support/requirements.ts';
import { makePhantom, tempDir } from './support.ts';

describe('manifests', () => {
  test('CSV: paths relative to the manifest, per-item options, the line of each item', () => {
    const items = parseCsvManifest(
      'id,input,timeout,output_format\ncase1,a/ct.nii.gz,60,seg.nrrd nifti\n\ncase2,"/abs/b,c.nrrd",,\n',
      '/data/m.csv',
      ['ct'],
    ).map((i) => ({ ...i }));
    expect(items[0]).toEqual({
      id: 'case1',
      inputs: '/data/a/ct.nii.gz',
      options: { timeoutMs: 60_000, outputFormats: ['seg.nrrd', 'nifti'] },
      source: 'm.csv line 2',
    });
    expect(items[1]).toEqual({
      id: 'case2',
      inputs: '/abs/b,c.nrrd',
      options: undefined,
      source: 'm.csv line 4',
    });
    expect(() => parseCsvManifest('id,input\n"case,2",/x\n', '/m.csv', ['ct'])).toThrow(
      /line 2: item id 'case,2'/,
    );
  });

  test('CSV: wrong columns name the line and the column', () => {
    expect(() => parseCsvManifest('id,image\nc1,x\n', '/m.csv', ['ct'])).toThrow(
      /m\.csv line 1: unknown column image/,
    );
    expect(() => parseCsvManifest('name,input\nc1,x\n', '/m.csv', ['ct'])).toThrow(
      /line 1: unknown column name/,
    );
    expect(() => parseCsvManifest('id,ct\nc1,x\n', '/m.csv', ['ct', 'pet'])).toThrow(
      /line 1: no column for input pet/,
    );
    expect(() => parseCsvManifest('id,input\nc1,x\nc2,y,z\n', '/m.csv', ['ct'])).toThrow(
      /line 3: 3 fields where the header has 2/,
    );
    expect(() => parseCsvManifest('id,input,gpu\nc1,x,maybe\n', '/m.csv', ['ct'])).toThrow(
      /line 2: gpu 'maybe'/,
    );
  });

  test('a PACS address in a row stays as written (retrieved when the item runs)', () => {
    const [a, b] = parseCsvManifest(
      'id,input\ns1,dicomweb+http://pacs:8042/dicom-web/studies/1.2.3\ns2,dimse://ORTHANC@pacs:4242/1.2.4\n',
      '/d/m.csv',
      ['ct'],
    );
    expect(a!.inputs).toBe('dicomweb+http://pacs:8042/dicom-web/studies/1.2.3');
    expect(b!.inputs).toBe('dimse://ORTHANC@pacs:4242/1.2.4');
  });

  test('CSV: one column per input for a multi-input model', () => {
    const [item] = parseCsvManifest('id,ct,pet\np1,c.nii.gz,p.nii.gz\n', '/d/m.csv', ['ct', 'pet']);
    expect(item!.inputs).toEqual({ ct: '/d/c.nii.gz', pet: '/d/p.nii.gz' });
  });

  test('JSON lines: fields checked per line', () => {
    const text =
      '{"id":"a","input":"x.nii.gz","options":{"workflow":"default"}}\n\n{"id":"b","input":{"ct":"y"}}\n';
    const items = parseJsonlManifest(text, '/d/m.jsonl', ['ct']);
    expect(items.map((i) => [i.id, i.inputs, i.source])).toEqual([
      ['a', '/d/x.nii.gz', 'm.jsonl line 1'],
      ['b', { ct: '/d/y' }, 'm.jsonl line 3'],
    ]);
    expect(() =>
      parseJsonlManifest('{"id":"a","input":"x"}\n{"id":"b","inptu":"y"}\n', '/m.jsonl', ['ct']),
    ).toThrow(/m\.jsonl line 2: unknown field inptu/);
    expect(() => parseJsonlManifest('{"id":"a",\n', '/m.jsonl', ['ct'])).toThrow(/line 1: not JSON/);
    expect(() => parseJsonlManifest('{"id":"a","input":{"pet":"p"}}\n', '/m.jsonl', ['ct'])).toThrow(
      /line 1: no path for input ct/,
    );
  });
});

// Its studies are classical_ct phantoms, written by python3 with numpy.
describe.runIf(numpyPython())('planning and bad input (exit 3, nothing lost)', () => {
  test('duplicate ids name both rows', async () => {
    const dir = await tempDir('batch-dup');
    writeFileSync(path.join(dir, 'ct.nii.gz'), 'x');
    writeFileSync(path.join(dir, 'm.csv'), 'id,input\nc1,ct.nii.gz\nc2,ct.nii.gz\nc1,ct.nii.gz\n');
    const r = await runCli([
      'batch',
      'classical_ct',
      '--inputs',
      path.join(dir, 'm.csv'),
      '--out',
      path.join(dir, 'out'),
    ]);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/duplicate item id 'c1': m\.csv line 2 and m\.csv line 4/);
  });

  test('missing and unreadable inputs are listed with their line before anything runs', async () => {
    const dir = await tempDir('batch-missing');
    writeFileSync(path.join(dir, 'ct.nii.gz'), 'x');
    writeFileSync(
      path.join(dir, 'm.jsonl'),
      // Root reads every file, so "unreadable" here is a path under a file (ENOTDIR).
      '{"id":"ok","input":"ct.nii.gz"}\n{"id":"gone","input":"nope.nii.gz"}\n{"id":"blocked","input":"ct.nii.gz/x.nii.gz"}\n',
    );
    const r = await runCli([
      'batch',
      'classical_ct',
      '--inputs',
      path.join(dir, 'm.jsonl'),
      '--out',
      path.join(dir, 'out'),
    ]);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(
      /2 items have a missing or unreadable input: m\.jsonl line 2 \(item gone\): .*nope\.nii\.gz does not exist; m\.jsonl line 3 \(item blocked\): .*ct\.nii\.gz\/x\.nii\.gz cannot be read \(ENOTDIR\)/,
    );
    expect(readFileSync(path.join(dir, 'out', 'batch.json'), 'utf8')).toMatch(/classical_ct/);
  });

  test('an output folder of another model, another batch, or not a batch is refused, untouched', async () => {
    const dir = await tempDir('batch-owner');
    makePhantom(path.join(dir, 'in', 'c1'));
    makePhantom(path.join(dir, 'in2', 'c1'));
    const out = path.join(dir, 'out');
    await planBatch({ model: 'classical_ct', inputs: path.join(dir, 'in'), out });
    const before = readFileSync(path.join(out, 'batch.json'), 'utf8');
    const other = await runCli(['batch', 'unet_ct', '--inputs', path.join(dir, 'in'), '--out', out]);
    expect(other.code).toBe(3);
    expect(other.err).toMatch(/belongs to a batch of classical_ct, not unet_ct/);
    const otherInputs = await runCli([
      'batch',
      'classical_ct',
      '--inputs',
      path.join(dir, 'in2'),
      '--out',
      out,
    ]);
    expect(otherInputs.code).toBe(3);
    expect(otherInputs.err).toMatch(/belongs to another batch of classical_ct/);
    expect(readFileSync(path.join(out, 'batch.json'), 'utf8')).toBe(before);
    const notBatch = path.join(dir, 'notbatch');
    mkdirSync(notBatch);
    writeFileSync(path.join(notBatch, 'precious.txt'), 'mine');
    const r = await runCli(['batch', 'classical_ct', '--inputs', path.join(dir, 'in'), '--out', notBatch]);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/not empty and holds no batch\.json/);
    expect(readFileSync(path.join(notBatch, 'precious.txt'), 'utf8')).toBe('mine');
  });

  test('a folder: NIfTI files, study folders, and DICOM found by series (shared folders linked apart)', async () => {
    const dir = await tempDir('batch-folder');
    const inputs = path.join(dir, 'in');
    makePhantom(path.join(inputs, 'study_a'));
    writeFileSync(path.join(inputs, 'loose.nrrd'), 'x');
    // Two CT series written into one folder: each becomes an item of its own.
    const { readNifti } = await import('../../src/io/index.ts');
    const volume = await readNifti(path.join(inputs, 'study_a', 'ct.nii.gz'));
    const mixed = path.join(inputs, 'mixed');
    mkdirSync(mixed);
    for (const n of [3, 4]) {
      const files = await writeDicomSeries(path.join(dir, `s${n}`), volume, { seriesNumber: n });
      for (const f of files) writeFileSync(path.join(mixed, `${n}-${path.basename(f)}`), readFileSync(f));
    }
    await writeDicomSeries(path.join(inputs, 'alone'), volume, { seriesNumber: 7 });
    const plan = await planBatch({ model: 'classical_ct', inputs, out: path.join(dir, 'out'), shardSize: 2 });
    const byId = Object.fromEntries(plan.items.map((i) => [i.id, i]));
    expect(Object.keys(byId).sort()).toEqual(['alone', 'loose', 'mixed_s3', 'mixed_s4', 'study_a']);
    expect(byId.study_a!.inputs).toBe(path.join(inputs, 'study_a', 'ct.nii.gz'));
    expect(byId.alone!.inputs).toBe(path.join(inputs, 'alone'));
    expect(byId.mixed_s3!.inputs).toBe(path.join(dir, 'out', 'inputs', 'mixed_s3'));
    expect(plan.meta.shards).toBe(3);
    expect(plan.items.map((i) => i.shard)).toEqual([0, 0, 1, 1, 2]);
  });
});
