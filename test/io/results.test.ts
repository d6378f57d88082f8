import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  convert,
  type LabelEntry,
  labelsFromSegments,
  loadLabels,
  pickSeries,
  readDicomSeg,
  readLabelMap,
  readSegNrrd,
  type SeriesSummary,
  scanDicom,
  seriesGeometry,
  type Volume,
  writeDicomSeg,
  writeLabelMapNifti,
  writeSegNrrd,
} from '../../src/io/index.ts';
import { rgbToDicomLab } from '../../src/io/seg/codes.ts';
import type { ProgressEvent } from '../../src/progress.ts';
import { dciodvfyErrors, makeSeries, pythonJson, tempDir, tools } from './support.ts';

interface PySeg {
  modality: string;
  frames: number;
  rows: number;
  columns: number;
  patientId: string;
  studyUid: string;
  referencedSeries: string;
  segments: {
    number: number;
    label: string;
    category: { value: string };
    type: { value: string; meaning: string };
    modifier: { value: string } | null;
    region: { value: string } | null;
    lab: number[];
  }[];
  frameList: { segment: number; position: number[]; source: string; voxels: number }[];
}

// Segments with a modifier (LEFT_KIDNEY), a compound id with an anatomic region
// (KIDNEY+CYST) and one that stays empty in the phantom (AORTA).
const SEGMENTS = ['SPLEEN', 'LEFT_KIDNEY', 'KIDNEY+CYST', 'AORTA'];

/** Boxes of labels 1..3 on a grid; label 4 is left empty. */
function boxes(grid: Omit<Volume, 'data'>): Volume {
  const [nx, ny, nz] = grid.size;
  const data = new Uint8Array(nx * ny * nz);
  for (let k = 1; k < nz - 1; k++)
    for (let j = 2; j < ny - 2; j++)
      for (let i = 2; i < nx - 2; i++)
        data[i + nx * (j + ny * k)] = i < nx / 3 ? 1 : i < (2 * nx) / 3 ? 2 : j < ny / 2 ? 3 : 0;
  return { ...grid, data };
}

describe.skipIf(!tools.ok)('results: DICOM SEG, .seg.nrrd, NIfTI + sidecar', () => {
  const tmp = tempDir();
  const root = tmp.dir;
  let reference: SeriesSummary;
  let refDir: string;
  let labelMap: Volume;
  let labels: LabelEntry[];
  beforeAll(async () => {
    // Odd width (45 x 30 = 1350 voxels per frame, not a multiple of 8): frames run on mid-byte.
    refDir = makeSeries(path.join(root, 'ref'), {
      size: [45, 30, 7],
      orientation: [0.95, 0.2, 0, -0.2, 0.95, 0.1],
      origin: [-11.5, 20.25, -3],
    });
    reference = pickSeries(await scanDicom(refDir));
    labelMap = boxes(seriesGeometry(reference));
    labels = labelsFromSegments(SEGMENTS);
  });
  afterAll(() => tmp.cleanup());

  it('writes a DICOM SEG that dciodvfy accepts and pydicom reads with codes, colours and references', async () => {
    const file = path.join(root, 'seg.dcm');
    const events: ProgressEvent[] = [];
    const result = await writeDicomSeg(file, labelMap, labels, reference, {
      algorithm: 'phantom',
      progress: (e) => events.push(e),
    });
    expect(dciodvfyErrors(file)).toEqual([]);
    const py = pythonJson<PySeg>('read_seg.py', [file]);
    expect(py.modality).toBe('SEG');
    expect(py.patientId).toBe('PHANTOM1');
    expect(py.studyUid).toBe(reference.studyInstanceUid);
    expect(py.referencedSeries).toBe(reference.seriesInstanceUid);
    expect([py.columns, py.rows]).toEqual([45, 30]);
    expect(py.segments.map((s) => s.label)).toEqual(labels.map((l) => l.name));
    expect(py.segments[0]!.type.value).toBe('78961009'); // spleen
    expect(py.segments[1]!.modifier?.value).toBe('7771000'); // left
    expect(py.segments[2]!.region?.value).toBe(labels[2]!.region!.value); // kidney, region of the cyst
    expect(py.segments[2]!.type.value).toBe(labels[2]!.type.value);
    expect(py.segments[0]!.lab).toEqual(rgbToDicomLab(labels[0]!.color));
    // 3 non-empty segments x 5 slices, the empty one has no frames.
    expect(py.frames).toBe(15);
    expect(result.frames).toBe(15);
    const sourceUids = new Set(reference.instances.map((i) => i.sopInstanceUid));
    for (const f of py.frameList) {
      expect(sourceUids.has(f.source)).toBe(true);
      expect(f.voxels).toBeGreaterThan(0);
      const k = reference.instances.findIndex((i) => i.sopInstanceUid === f.source);
      expect(f.position).toEqual(reference.instances[k]!.position);
    }
    const total = py.frameList.reduce((n, f) => n + f.voxels, 0);
    expect(total).toBe(labelMap.data.filter((v) => v > 0).length);
    expect(events.some((e) => e.phase === 'seg')).toBe(true);
  });

  it('drops empty segments on request, still valid', async () => {
    const file = path.join(root, 'seg-drop.dcm');
    const result = await writeDicomSeg(file, labelMap, labels, reference, { dropEmpty: true });
    expect(result.segments).toBe(3);
    expect(dciodvfyErrors(file)).toEqual([]);
    expect(pythonJson<PySeg>('read_seg.py', [file]).segments.map((s) => s.number)).toEqual([1, 2, 3]);
  });

  it('reads a SEG back into the same label map and label table', async () => {
    const file = path.join(root, 'seg.dcm');
    const back = await readDicomSeg(file, { reference: seriesGeometry(reference) });
    expect(Buffer.from(back.labelMap.data.buffer).equals(Buffer.from(labelMap.data.buffer))).toBe(true);
    expect(back.labels.map((l) => l.id)).toEqual(SEGMENTS);
    expect(back.labels.map((l) => l.name)).toEqual(labels.map((l) => l.name));
    back.labels.forEach((l, i) => {
      l.color.forEach((c, n) => {
        expect(Math.abs(c - labels[i]!.color[n]!)).toBeLessThanOrEqual(1);
      });
    });
    expect(back.overlaps).toBe(0);
  });

  it('refuses a label map on another grid and values beyond the segment list', async () => {
    const shifted = { ...labelMap, origin: [0, 0, 0] as [number, number, number] };
    await expect(writeDicomSeg(path.join(root, 'bad1.dcm'), shifted, labels, reference)).rejects.toThrow(
      /does not lie on the reference series' grid/,
    );
    const extra = Uint8Array.from(labelMap.data);
    extra[10] = 9;
    await expect(
      writeDicomSeg(path.join(root, 'bad2.dcm'), { ...labelMap, data: extra }, labels, reference),
    ).rejects.toThrow(/label values 9 beyond the 4 labels/);
    expect(readdirSync(root).filter((f) => f.includes('bad'))).toEqual([]);
  });

  it('writes Slicer .seg.nrrd with segment metadata and terminology, and reads it back', async () => {
    const file = path.join(root, 'out.seg.nrrd');
    await writeSegNrrd(file, labelMap, labels);
    const header = readFileSync(file, 'latin1').slice(0, 8000);
    expect(header).toContain('Segment0_Name:=Spleen');
    expect(header).toContain('Segment0_LabelValue:=1');
    expect(header).toContain('Segment0_Layer:=0');
    expect(header).toContain('Segment3_Extent:=0 -1 0 -1 0 -1');
    expect(header).toContain('Segment0_Extent:=2 14 2 27 1 5');
    expect(header).toMatch(
      /Segment1_Tags:=Segmentation\.Status:inprogress\|TerminologyEntry:Segmentation category and type - 3D Slicer General Anatomy list~SCT\^123037004\^[^~]+~SCT\^64033007\^[^~]+~SCT\^7771000\^Left~Anatomic codes - DICOM master list~\^\^~\^\^\|/,
    );
    expect(header).toContain('Segmentation_MasterRepresentation:=Binary labelmap');
    expect(header).toContain('space: left-posterior-superior');
    const back = await readSegNrrd(file);
    expect(Buffer.from(back.labelMap.data.buffer).equals(Buffer.from(labelMap.data.buffer))).toBe(true);
    expect(back.labels[2]!.region).toEqual(labels[2]!.region);
    expect(back.labels[1]!.modifier).toEqual(labels[1]!.modifier);
  });

  it('writes a NIfTI label map with a JSON sidecar that reads back as the label table', async () => {
    const file = path.join(root, 'labels.nii.gz');
    const { sidecar } = await writeLabelMapNifti(file, labelMap, labels);
    const json = JSON.parse(readFileSync(sidecar, 'utf8'));
    expect(json.labels[0]).toMatchObject({ value: 1, id: 'SPLEEN', name: 'Spleen' });
    const back = await readLabelMap(file, { reference: seriesGeometry(reference) });
    expect(back.labels).toEqual(labels);
    expect(Buffer.from(back.labelMap.data.buffer).equals(Buffer.from(labelMap.data.buffer))).toBe(true);
  });

  it('converts a label map NIfTI + model card to SEG and .seg.nrrd through convert()', async () => {
    const nii = path.join(root, 'plain.nii.gz');
    await writeLabelMapNifti(nii, labelMap, labels);
    // Without a sidecar: the labels come from a card (its first segmentation output).
    const card = 'registry/models/lungmask.md';
    const cardLabels = await loadLabels(card);
    expect(cardLabels.slice(0, 2).map((l) => [l.value, l.id])).toEqual([
      [1, 'RIGHT_LUNG'],
      [2, 'LEFT_LUNG'],
    ]);
    const fromCard = path.join(root, 'card.seg.nrrd');
    await convert(nii, { to: 'seg.nrrd', out: fromCard, labels: card });
    expect((await readSegNrrd(fromCard)).labels[0]!.name).toBe(cardLabels[0]!.name);
    const table = path.join(root, 'table.json');
    writeFileSync(
      table,
      JSON.stringify({ '1': 'SPLEEN', '2': 'LEFT_KIDNEY', '3': 'KIDNEY+CYST', '4': 'AORTA' }),
    );
    const seg = path.join(root, 'cli.dcm');
    const r = await convert(nii, {
      to: 'dicomseg',
      out: seg,
      reference: refDir,
      labels: table,
      dropEmpty: true,
    });
    expect(r.segments).toBe(3);
    expect(dciodvfyErrors(seg)).toEqual([]);
    const segNrrd = path.join(root, 'from-seg.seg.nrrd');
    await convert(seg, { to: 'seg.nrrd', out: segNrrd, reference: refDir });
    const back = await readSegNrrd(segNrrd);
    expect(back.labels.map((l) => l.name)).toEqual(['Spleen', 'Left kidney', labels[2]!.name]);
    await expect(
      convert(nii, { to: 'dicomseg', out: path.join(root, 'x.dcm'), labels: table }),
    ).rejects.toMatchObject({
      hint: expect.stringContaining('--reference'),
    });
    expect(existsSync(path.join(root, 'x.dcm'))).toBe(false);
  });
});
