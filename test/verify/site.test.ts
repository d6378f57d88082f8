// The catalog's view of the cards' tests: the "Tested" line read from the committed reports,
// the sample download with its run line, and the files the site serves for them.
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLabelMap } from '../../src/io/index.ts';
import { buildIndex, loadRegistry, loadTerminology, type Terminology } from '../../src/registry/index.ts';
import { encodePng } from '../../src/site-data/preview.ts';
import { type TestExtras, testExtras, writeTestFiles } from '../../src/site-data/samples.ts';
import { buildSiteData, type SiteData } from '../../src/site-data/site-model.ts';

describe('the catalog and the committed test reports', () => {
  let data: SiteData;
  let extras: TestExtras;
  let out: string;
  let terminology: Terminology;
  beforeAll(async () => {
    terminology = loadTerminology();
    const records = await loadRegistry();
    extras = await testExtras(records, terminology);
    data = buildSiteData(buildIndex(records, terminology), terminology, undefined, extras);
    out = await mkdtemp(path.join(tmpdir(), 'mhub-verify-site-'));
  });
  afterAll(() => rm(out, { recursive: true, force: true }));

  const page = (name: string) => data.pages.find((p) => p.entry.name === name)!;

  it('shows the date, backends and Dice of the committed report, and no figure without one', async () => {
    const report = JSON.parse(await readFile('registry/reports/classical_ct.json', 'utf8'));
    const backends = report.runs
      .filter((r: { status: string }) => r.status === 'passed')
      .map((r: { backend: string }) => r.backend);
    expect(page('classical_ct').tested).toEqual({
      verified: true,
      text: `reproduced on ${report.generated.slice(0, 10)} with ${backends.join(' and ')}, Dice 1.0 (identical) on 4 segments`,
      reportUrl: '/reports/classical_ct.json',
    });
    expect(page('totalsegmentator').tested).toEqual({
      verified: false,
      text: 'not verified by this registry',
    });
  });

  it('offers the sample input with a line that runs the model on it', () => {
    expect(page('classical_ct').sample).toEqual({
      url: '/samples/classical_ct/ct.nii.gz',
      file: 'ct.nii.gz',
      description: 'The small synthetic chest phantom (64 x 48 x 40 voxels); the model is deterministic',
      run: 'mhub run classical_ct --input ct.nii.gz --output classical_ct-output',
    });
    expect(page('classical_ct_mhub').sample).toMatchObject({
      url: '/samples/classical_ct_mhub/classical_ct_mhub-sample.zip',
      run: 'unzip -o classical_ct_mhub-sample.zip && mhub run classical_ct_mhub --input ct --output classical_ct_mhub-output --workflow default',
    });
    // An IDC series or MHub's unpinned archive is no download.
    expect(page('totalsegmentator').sample).toBeUndefined();
  });

  it('writes the sample file, the folder as a zip of its files, and the reports', async () => {
    await writeTestFiles(extras, path.join(out, 'samples'), path.join(out, 'reports'));
    const ct = await readFile(path.join(out, 'samples/classical_ct/ct.nii.gz'));
    expect(ct.equals(await readFile('models/classical_ct/tests/sample/ct.nii.gz'))).toBe(true);
    const zip = await readFile(path.join(out, 'samples/classical_ct_mhub/classical_ct_mhub-sample.zip'));
    expect(zip.readUInt32LE(0)).toBe(0x04034b50);
    // 40 slices: one central-directory record each.
    let entries = 0;
    for (
      let i = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
      i >= 0;
      i = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), i + 4)
    )
      entries++;
    expect(entries).toBe(40);
    expect(zip.includes(Buffer.from('ct/0001.dcm'))).toBe(true);
    expect((await stat(path.join(out, 'reports/classical_ct_mhub.json'))).size).toBeGreaterThan(100);
  });
});

/** RGB pixels of a PNG as encodePng writes it (8-bit RGB, filter 0 on every row). */
function decodePng(png: Buffer): { width: number; height: number; rgb: Buffer } {
  expect(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  const idat: Buffer[] = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    if (png.toString('ascii', at + 4, at + 8) === 'IDAT') idat.push(png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const rgb = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (width * 3 + 1)]).toBe(0);
    raw.copy(rgb, y * width * 3, y * (width * 3 + 1) + 1, (y + 1) * (width * 3 + 1));
  }
  return { width, height, rgb };
}

describe('the model page preview', () => {
  let terminology: Terminology;
  let extras: TestExtras;
  beforeAll(async () => {
    terminology = loadTerminology();
    extras = await testExtras(await loadRegistry(), terminology);
  });

  /** Columns of the pixels drawn in `colour` over grey (alpha 0.55): the PNG keeps the card's colours. */
  function columnsOf(png: Buffer, colour: readonly number[]): { columns: number[]; width: number } {
    const { width, rgb } = decodePng(png);
    const columns: number[] = [];
    for (let p = 0; p < rgb.length / 3; p++) {
      const grey = [0, 1, 2].map((c) => (rgb[p * 3 + c]! - 0.55 * colour[c]!) / 0.45);
      if (grey.every((g) => g >= -1.5 && g <= 256.5) && Math.max(...grey) - Math.min(...grey) < 3)
        columns.push(p % width);
    }
    return { columns, width };
  }

  it("draws every segment in the card's colours", () => {
    for (const model of ['classical_ct', 'classical_ct_mhub']) {
      const preview = extras.previews![model]!;
      expect(preview.labels, model).toEqual([1, 2, 3, 4]);
      const colour = (id: string) => terminology.resolve(id)!.color;
      // The spine lies behind the coronal mid-plane: bone shows in the axial slice only.
      for (const [id, planes] of [
        ['BODY', [preview.axial, preview.coronal]],
        ['RIGHT_LUNG', [preview.axial, preview.coronal]],
        ['LEFT_LUNG', [preview.axial, preview.coronal]],
        ['BONE', [preview.axial]],
      ] as const)
        for (const png of planes)
          expect(columnsOf(png, colour(id)).columns.length, `${model} ${id}`).toBeGreaterThan(10);
      expect(columnsOf(preview.coronal, colour('BONE')).columns).toEqual([]);
    }
  });

  it("shows the patient's right on the image's left (radiological), wherever the file's axes run", async () => {
    // Which lung label lies on the patient's right is read from the reference file's geometry
    // (smaller LPS x), not from the segment names.
    const { labelMap } = await readLabelMap('models/classical_ct/tests/reference/segmentation.nii.gz');
    const meanX = (label: number) => {
      let sum = 0;
      let n = 0;
      for (let i = 0; i < labelMap.data.length; i++)
        if (labelMap.data[i] === label) {
          sum += labelMap.origin[0] + labelMap.axes[0][0] * (i % labelMap.size[0]) * labelMap.spacing[0];
          n++;
        }
      return sum / n;
    };
    const [patientRight, patientLeft] = meanX(2) < meanX(3) ? [2, 3] : [3, 2];
    const card = ['BODY', 'RIGHT_LUNG', 'LEFT_LUNG', 'BONE'];
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const colour = (label: number) => terminology.resolve(card[label - 1]!)!.color;
    const png = extras.previews!.classical_ct!.axial;
    const right = columnsOf(png, colour(patientRight));
    const left = columnsOf(png, colour(patientLeft));
    expect(mean(right.columns)).toBeLessThan(right.width / 2);
    expect(mean(left.columns)).toBeGreaterThan(left.width / 2);
  });

  it('gives the page both images and a legend in the same colours', async () => {
    const records = await loadRegistry();
    const data = buildSiteData(buildIndex(records, terminology), terminology, undefined, extras);
    const page = data.pages.find((p) => p.entry.name === 'classical_ct')!;
    const axial = {
      src: '/previews/classical_ct-axial.png',
      alt: 'Axial slice of the sample input with the reference segmentation of classical_ct',
    };
    expect(page.preview).toEqual({
      thumbnail: axial,
      slices: {
        axial,
        coronal: {
          src: '/previews/classical_ct-coronal.png',
          alt: 'Coronal slice of the sample input with the reference segmentation of classical_ct',
        },
        legend: ['BODY', 'RIGHT_LUNG', 'LEFT_LUNG', 'BONE'].map((id, i) => {
          const s = terminology.resolve(id)!;
          return {
            label: i + 1,
            name: s.name,
            color: `#${s.color.map((c) => c.toString(16).padStart(2, '0')).join('')}`,
          };
        }),
      },
    });
    expect(data.pages.find((p) => p.entry.name === 'totalsegmentator')!.preview).toBeUndefined();
  });
});

describe('a contributed preview', () => {
  it('replaces the generated slices on the page and is copied into the site as is', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'mhub-contributed-'));
    try {
      await mkdir(path.join(root, 'registry', 'models'), { recursive: true });
      await mkdir(path.join(root, 'models', 'classical_ct'), { recursive: true });
      const image = encodePng(64, 48, new Uint8Array(64 * 48 * 3).fill(200));
      await writeFile(path.join(root, 'models/classical_ct/preview.png'), image);
      const card = path.join(root, 'registry/models/classical_ct.md');
      const alt = 'Axial CT slice with the lungs outlined';
      const text = (await readFile('registry/models/classical_ct.md', 'utf8')).replace(
        /\n---\n\n/,
        `\npreview:\n  path: models/classical_ct/preview.png\n  alt: ${alt}\n---\n\n`,
      );
      await writeFile(card, text);
      const terminology = loadTerminology();
      const records = await loadRegistry([card]);
      const extras = await testExtras(records, terminology);
      // The committed sample and reference would give generated slices: none are made.
      expect(extras.previews).toEqual({});
      const data = buildSiteData(buildIndex(records, terminology), terminology, undefined, extras);
      const src = '/previews/classical_ct-contributed.png';
      expect(data.pages[0]!.preview).toEqual({ thumbnail: { src, alt } });
      const site = path.join(root, 'site');
      await writeTestFiles(
        extras,
        path.join(site, 'samples'),
        path.join(site, 'reports'),
        path.join(site, 'previews'),
      );
      expect(await readFile(path.join(site, src))).toEqual(image);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
