// What `mhub run` hands a model is checked like a conversion: a hostile NIfTI passed through
// unconverted is refused before any model starts; a .hdr/.img pair is given to the model as the
// same volume as its .nii.gz; warnings from the conversions (undecodable DICOM text) reach the
// caller. Real venv runs of the classical_ct reference model.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { runModel } from '../../src/runner/index.ts';
import { makeSeries, PYTHON, python, tools } from '../io/support.ts';
import { makePhantom, niftiVoxels, tempDir, testHome } from '../runner/support.ts';
import { venvPython } from '../support/requirements.ts';
import { mhub } from './support.ts';

const canRun = venvPython() && tools.ok;

describe.runIf(canRun)('mhub run checks what it gives the model', () => {
  let phantom: string;
  beforeAll(async () => {
    process.env.MHUB_HOME = testHome; // the CLI runs reuse the suites' environment cache
    phantom = await tempDir('run-inputs-phantom');
    makePhantom(phantom);
  });

  it('refuses a hostile NIfTI it would pass through unconverted, before any model runs', async () => {
    const dir = await tempDir('run-inputs-hostile');
    const raw = gunzipSync(readFileSync(path.join(phantom, 'ct.nii.gz')));
    raw.writeFloatLE(100, 108); // vox_offset inside the 348-byte header: header bytes read as voxels
    const input = path.join(dir, 'ct.nii.gz');
    writeFileSync(input, gzipSync(raw));
    const out = path.join(dir, 'out');
    const r = await mhub('run', 'classical_ct', '-i', input, '-o', out, '--backend', 'venv');
    expect(r.code, r.err).toBe(3);
    expect(r.err).toMatch(/vox_offset/);
    expect(r.err).not.toMatch(/model \d/); // the model never started
    expect(existsSync(out)).toBe(false);
  }, 300_000);

  it('gives the model a .hdr/.img pair as the same volume as its .nii.gz', async () => {
    const dir = await tempDir('run-inputs-pair');
    // nibabel writes the pair, independently of our reader.
    execFileSync(PYTHON, [
      '-c',
      'import sys, nibabel as nib; i = nib.load(sys.argv[1]); ' +
        'nib.save(nib.Nifti1Pair(i.dataobj, i.affine, i.header), sys.argv[2])',
      path.join(phantom, 'ct.nii.gz'),
      path.join(dir, 'ct.hdr'),
    ]);
    const run = (input: string, out: string) =>
      runModel({
        model: 'classical_ct',
        input,
        output: path.join(dir, out),
        backend: 'venv',
        home: testHome,
      });
    const fromPair = await run(path.join(dir, 'ct.hdr'), 'pair');
    const fromNii = await run(path.join(phantom, 'ct.nii.gz'), 'nii');
    expect(niftiVoxels(fromPair.outputs[0]!).equals(niftiVoxels(fromNii.outputs[0]!))).toBe(true);
    expect(niftiVoxels(fromNii.outputs[0]!).equals(niftiVoxels(path.join(phantom, 'expected.nii.gz')))).toBe(
      true,
    );
  }, 300_000);

  it("returns the conversions' warnings: a patient name that is not valid UTF-8", async () => {
    const dir = await tempDir('run-inputs-charset');
    const series = makeSeries(path.join(dir, 'ct'), { size: [32, 32, 8] });
    python('set_text.py', [
      series,
      JSON.stringify({
        charset: 'ISO_IR 192',
        raw: { PatientName: Buffer.from('M\xfcller^J\xfcrgen', 'latin1').toString('hex') },
      }),
    ]);
    const result = await runModel({
      model: 'classical_ct',
      input: series,
      output: path.join(dir, 'out'),
      backend: 'venv',
      home: testHome,
    });
    expect(result.warnings.join('\n')).toMatch(/PatientName holds bytes that are not valid ISO_IR 192/);
    const cli = await mhub(
      'run',
      'classical_ct',
      '-i',
      series,
      '-o',
      path.join(dir, 'cli'),
      '--backend',
      'venv',
    );
    expect(cli.code, cli.err).toBe(0);
    expect(cli.err).toMatch(/^warning: .*PatientName/m);
  }, 300_000);
});
