import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MhubError } from '../../src/errors.ts';
import { pickSeries, readDicomSeries, scanDicom } from '../../src/io/index.ts';
import type { ProgressEvent } from '../../src/progress.ts';
import { makeSeries, phantomValue, python, tempDir, tools } from './support.ts';

describe.skipIf(!tools.ok)('DICOM discovery', () => {
  const tmp = tempDir();
  const root = tmp.dir;
  let axial: string;
  beforeAll(() => {
    axial = makeSeries(path.join(root, 'tree', 'a', 'axial'), { size: [16, 12, 6], seriesNumber: 1 });
    makeSeries(path.join(root, 'tree', 'b', 'gappy'), { size: [16, 12, 8], skip: [3, 4], seriesNumber: 2 });
    writeFileSync(path.join(root, 'tree', 'README.txt'), 'not dicom');
    writeFileSync(path.join(root, 'tree', 'a', 'DICOMDIR-ish.bin'), Buffer.alloc(300, 7));
    mkdirSync(path.join(root, 'special'));
    python('make_special.py', ['mpeg4', path.join(root, 'special', 'mpeg4.dcm')]);
    python('make_special.py', ['multiframe', path.join(root, 'special', 'mf.dcm')]);
  });
  afterAll(() => tmp.cleanup());

  it('groups files by study and series, skips and counts non-DICOM files, reports progress', async () => {
    const events: ProgressEvent[] = [];
    const scan = await scanDicom(path.join(root, 'tree'), { progress: (e) => events.push(e) });
    expect(scan.fileCount).toBe(6 + 6 + 2);
    expect(scan.skipped.map((f) => path.basename(f)).sort()).toEqual(['DICOMDIR-ish.bin', 'README.txt']);
    expect(scan.series).toHaveLength(2);
    expect(scan.studies).toHaveLength(2);
    const [first, second] = scan.series;
    expect(first!.instanceCount).toBe(6);
    expect(first!.modality).toBe('CT');
    expect(first!.description).toBe('phantom 16x12x6');
    expect(first!.problems).toEqual([]);
    expect(second!.problems.join()).toMatch(/uneven.*about 2 slice\(s\) missing/);
    expect(events.at(-1)).toMatchObject({ phase: 'scan', done: 14, total: 14 });
  });

  it('sorts shuffled slices along the slice normal and reads exact voxel values', async () => {
    const series = pickSeries(await scanDicom(axial));
    // Files were written in shuffled order: the sorted instance numbers run 1..6.
    expect(series.instances.map((i) => i.instanceNumber)).toEqual([1, 2, 3, 4, 5, 6]);
    const v = await readDicomSeries(series);
    expect(v.size).toEqual([16, 12, 6]);
    expect(v.spacing).toEqual([0.8, 0.7, 2.5]);
    expect(v.rescale).toEqual({ slope: 1, intercept: -1024 });
    for (const [i, j, k] of [
      [0, 0, 0],
      [15, 11, 5],
      [7, 3, 2],
    ] as const) {
      expect(v.data[i + 16 * (j + 12 * k)]).toBe(phantomValue(i, j, k));
    }
  });

  it('names several series and lets --series pick one', async () => {
    const scan = await scanDicom(path.join(root, 'tree'));
    const err = (() => {
      try {
        pickSeries(scan);
      } catch (e) {
        return e as MhubError;
      }
    })();
    expect(err).toBeInstanceOf(MhubError);
    expect(err!.message).toContain('2 image series');
    expect(err!.message).toContain(scan.series[1]!.seriesInstanceUid);
    expect(err!.hint).toContain('--series');
    expect(pickSeries(scan, scan.series[1]!.seriesInstanceUid)).toBe(scan.series[1]);
    await expect(readDicomSeries(scan.series[1]!)).rejects.toThrow(/uneven/);
  });

  it('detects mixed orientations within one series', async () => {
    const dir = path.join(root, 'mixed');
    makeSeries(path.join(dir, 'ax'), { size: [16, 12, 4], seriesUid: '1.2.3.4.5' });
    makeSeries(path.join(dir, 'sag'), {
      size: [16, 12, 3],
      seriesUid: '1.2.3.4.5',
      orientation: [0, 1, 0, 0, 0, -1],
    });
    const scan = await scanDicom(dir);
    expect(scan.series).toHaveLength(1);
    expect(scan.series[0]!.problems.join()).toMatch(/mixes 2 slice orientations/);
  });

  it('lists multi-frame and compressed series with the reason they cannot be read', async () => {
    const scan = await scanDicom(path.join(root, 'special'));
    const video = scan.series.find((s) => s.description === 'mpeg4')!;
    const mf = scan.series.find((s) => s.description === 'multiframe')!;
    expect(video.decodable).toBe(false);
    expect(video.problems.join()).toMatch(
      /MPEG-4 AVC\/H\.264 \(1\.2\.840\.10008\.1\.2\.4\.102\).*cannot decode/,
    );
    expect(mf.multiFrame).toBe(true);
    expect(mf.frameCount).toBe(3);
    expect(mf.problems.join()).toMatch(/multi-frame/);
  });

  it('reads implicit VR little endian series', async () => {
    const dir = makeSeries(path.join(root, 'implicit'), { size: [8, 8, 3], implicit: true });
    const v = await readDicomSeries(pickSeries(await scanDicom(dir)));
    expect(v.data[7 + 8 * (7 + 8 * 2)]).toBe(phantomValue(7, 7, 2));
  });

  it('names a corrupt file, and says so for an empty folder', async () => {
    const dir = path.join(root, 'corrupt');
    mkdirSync(dir);
    const good = readdirSync(axial)[0]!;
    const bytes = readFileSync(path.join(axial, good));
    writeFileSync(path.join(dir, 'broken.dcm'), bytes.subarray(0, 600));
    // A damaged file is left out and named, never fatal for the scan.
    const scan = await scanDicom(dir);
    expect(scan.unreadable).toHaveLength(1);
    expect(scan.unreadable[0]!.file).toMatch(/broken\.dcm$/);
    expect(() => pickSeries(scan)).toThrow(/holds no readable DICOM files.*broken\.dcm/);
    const empty = path.join(root, 'empty');
    mkdirSync(empty);
    await expect(scanDicom(empty).then((s) => pickSeries(s))).rejects.toThrow(
      /holds no readable DICOM files/,
    );
  });
});
