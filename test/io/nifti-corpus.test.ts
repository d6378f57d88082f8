// The NIfTI corpus: every NIfTI file Debian's python3-nibabel ships as test data, plus files
// derived from them with nibabel (other byte order, NIfTI-2, .hdr/.img pairs, no transform,
// qform only, sheared, MNI), read by mhub, written back as NIfTI-1 and compared with nibabel.
// The table (kind, result, voxel and affine agreement) goes to test-artifacts/io/nifti-corpus.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMhubError } from '../../src/errors.ts';
import { convert, readNifti, writeNifti } from '../../src/io/index.ts';
import { pythonJson, tempDir, tools } from './support.ts';

interface Entry {
  file: string;
  kind: string;
}

interface Comparison {
  shapeRef: number[];
  shapeOurs: number[];
  codesRef: [number, number];
  codesOurs: [number, number];
  method1: boolean;
  maxValueDiff?: number;
  nanAgree?: boolean;
  maxAffineDiff: number;
  qformSformDiff?: number;
}

/** Files nibabel ships that are not a readable NIfTI image, and why mhub refuses them. */
const EXPECTED_REFUSALS: Record<string, RegExp> = {
  'analyze.hdr': /Analyze 7\.5/,
  'nifti1.hdr': /\.img/,
  'nifti2.hdr': /\.img/,
  'row_major.dconn.nii': /CIFTI|dimensions/,
};

const artifacts = fileURLToPath(new URL('../../test-artifacts/io/', import.meta.url));

describe.skipIf(!tools.ok)('NIfTI corpus against nibabel', () => {
  const tmp = tempDir('mhub-nifti-corpus-');
  let corpus: Entry[] = [];
  const rows: string[] = [];
  beforeAll(() => {
    corpus = [
      ...pythonJson<Entry[]>('nifti_corpus.py', ['shipped']),
      ...pythonJson<Entry[]>('nifti_corpus.py', ['derive', path.join(tmp.dir, 'derived')]),
    ];
  });
  afterAll(() => {
    mkdirSync(artifacts, { recursive: true });
    const table = [
      '| file | kind (nibabel) | result | voxels | affine (max diff) | codes q/s written | q vs s (mm) |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      ...rows,
    ].join('\n');
    writeFileSync(path.join(artifacts, 'nifti-corpus.md'), `${table}\n`);
    tmp.cleanup();
  });

  it('reads every NIfTI image nibabel reads, with the same voxels and affine; refuses the rest clearly', async () => {
    expect(corpus.length).toBeGreaterThanOrEqual(28);
    let compared = 0;
    for (const { file, kind } of corpus) {
      const name = path.basename(file);
      const shape = /\d+(x\d+)+/.exec(kind)?.[0].split('x').map(Number) ?? [];
      const volumes = shape.length > 3 ? (shape[3] ?? 1) : 1;
      for (const volume of volumes > 1 ? [0, volumes - 1] : [undefined]) {
        const label = volume === undefined ? name : `${name} [volume ${volume}]`;
        let read: Awaited<ReturnType<typeof readNifti>>;
        try {
          read = await readNifti(file, { volume });
        } catch (error) {
          if (!isMhubError(error)) throw error;
          rows.push(
            `| ${label} | ${kind} | refused: ${error.message.replace(`${file} `, '')} | - | - | - | - |`,
          );
          const expected = EXPECTED_REFUSALS[name];
          expect(expected, `${label} was refused: ${error.message}`).toBeDefined();
          expect(error.message).toMatch(expected!);
          expect(error.code).toBe('INVALID_INPUT');
          expect(error.hint).toBeTruthy();
          continue;
        }
        expect(EXPECTED_REFUSALS[name], `${label} should have been refused`).toBeUndefined();
        const ours = path.join(tmp.dir, `ours-${compared++}.nii`);
        await writeNifti(ours, read);
        const cmp = pythonJson<Comparison>('nifti_corpus.py', ['compare', file, String(volume ?? 0), ours]);
        const voxels = cmp.maxValueDiff === 0 && cmp.nanAgree ? 'identical' : `differ by ${cmp.maxValueDiff}`;
        const affine = `${cmp.maxAffineDiff.toExponential(1)}${cmp.method1 ? ' (method 1)' : ''}`;
        rows.push(
          `| ${label} | ${kind} | read ${read.size.join('x')} | ${voxels} | ${affine} | ${cmp.codesOurs.join('/')} | ${cmp.qformSformDiff?.toExponential(1) ?? '-'} |`,
        );
        expect(cmp.shapeOurs, label).toEqual(cmp.shapeRef);
        expect(cmp.maxValueDiff, label).toBe(0);
        expect(cmp.nanAgree, label).toBe(true);
        expect(cmp.maxAffineDiff, label).toBeLessThan(1e-4);
        // Never claim scanner space for a file without a transform; keep the space it names.
        if (cmp.method1) expect(cmp.codesOurs, label).toEqual([0, 0]);
        else expect(cmp.codesOurs[1], label).toBe(cmp.codesRef[1] || cmp.codesRef[0]);
        // A qform-preferring reader must see the same grid: a matching qform, or none.
        if (cmp.qformSformDiff !== undefined) expect(cmp.qformSformDiff, label).toBeLessThan(1e-3);
        if (name.includes('sheared')) expect(cmp.codesOurs[0], label).toBe(0);
      }
    }
    expect(compared).toBeGreaterThanOrEqual(30);
  });

  it('asks for a volume index instead of guessing one for a 4-D file', async () => {
    const functional = corpus.find((e) => path.basename(e.file) === 'functional.nii')!.file;
    await expect(readNifti(functional)).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/20 volumes/),
      hint: expect.stringMatching(/--volume/),
    });
    await expect(readNifti(functional, { volume: 20 })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/volume 20/),
    });
  });

  it('converts pairs and one volume of a 4-D file through convert(), as the CLI does', async () => {
    const derived = (name: string) => corpus.find((e) => path.basename(e.file) === name)!.file;
    for (const [input, volume] of [
      [derived('anatomical-pair.img').replace(/\.img$/, '.hdr'), undefined],
      [derived('example4d-pair2.img.gz'), 1],
    ] as const) {
      const out = path.join(tmp.dir, `convert-${path.basename(input)}.nii.gz`);
      const result = await convert(input, { to: 'nifti', out, volume });
      expect(result.input).toBe('nifti');
      const cmp = pythonJson<Comparison>('nifti_corpus.py', [
        'compare',
        input.replace(/\.hdr$/, '.img'),
        String(volume ?? 0),
        out,
      ]);
      expect(cmp.shapeOurs).toEqual(cmp.shapeRef);
      expect(cmp.maxValueDiff).toBe(0);
      expect(cmp.maxAffineDiff).toBeLessThan(1e-4);
    }
  });
});
