// The catalog's view of a card's tests: the verification line read from the committed report
// (registry/reports/<model>.json; no figure typed by hand), the sample input as a download and
// the line that runs the model on it, and the files the site serves for both.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MhubError } from '../errors.ts';
import { writeFileChecked } from '../fsafe/index.ts';
import {
  type CardRecord,
  imageHeader,
  type ModelCard,
  type PreviewFormat,
  type Terminology,
} from '../registry/index.ts';
import {
  readReport,
  referencePath,
  repoFile,
  type SampleInput,
  sampleInput,
  type TestReport,
  verificationSummary,
} from '../verify/index.ts';
import { type PreviewImages, renderPreviews } from './preview.ts';
import { mhubRunArgs, shellQuote } from './run-commands.ts';
import { zipArchive, zipEntry } from './zip.ts';

export interface TestedView {
  verified: boolean;
  /** "reproduced on <date> with <backend>, Dice ..." or "not verified by this registry". */
  text: string;
  /** The committed report, as served by the site. */
  reportUrl?: string;
}

export interface SampleView {
  url: string;
  /** What the download is called ("ct.nii.gz", "classical_ct_mhub-sample.zip"). */
  file: string;
  /** Copy-paste shell line: fetch or unpack where needed, then `mhub run` on it. */
  run: string;
  description?: string;
}

export interface TestExtras {
  reports: Record<string, TestReport>;
  samples: Record<string, SampleInput>;
  previews?: Record<string, PreviewImages>;
  /** Cards' own preview images (card.preview), validated when the registry was loaded. */
  contributed?: Record<string, ContributedPreview>;
}

export interface ContributedPreview {
  /** The image's bytes, read once: their header gave the format, and the site gets them as is. */
  data: Buffer;
  format: PreviewFormat;
}

export interface PreviewImage {
  src: string;
  alt: string;
}

/**
 * A model's preview. `thumbnail` is the one image both the model page and the result card lead
 * with, whichever source filled it: the card's contributed image, else the generated axial slice.
 */
export interface PreviewView {
  thumbnail: PreviewImage;
  /** The generated slices with the reference segmentation; absent for a contributed image. */
  slices?: {
    axial: PreviewImage;
    coronal: PreviewImage;
    /** The segments the two slices show, in the colours drawn. */
    legend: { label: number; name: string; color: string }[];
  };
}

export const previewUrl = (name: string, plane: 'axial' | 'coronal') => `/previews/${name}-${plane}.png`;
const EXTENSION: Record<PreviewFormat, string> = { png: 'png', jpeg: 'jpg', webp: 'webp' };
/** Named by the format read from the file, so the server's content type matches the bytes. */
export const contributedUrl = (name: string, format: PreviewFormat) =>
  `/previews/${name}-contributed.${EXTENSION[format]}`;
const hex = (rgb: readonly number[]) => `#${rgb.map((c) => c.toString(16).padStart(2, '0')).join('')}`;

export const reportUrl = (name: string) => `/reports/${name}.json`;
const sampleDir = (name: string) => `/samples/${name}/`;
const zipName = (name: string) => `${name}-sample.zip`;

/**
 * Reads each card's committed report, finds its downloadable sample and, with `terminology`,
 * renders the preview of a repository sample with its repository reference segmentation.
 */
export async function testExtras(
  records: readonly CardRecord[],
  terminology?: Terminology,
): Promise<TestExtras> {
  const extras: TestExtras = { reports: {}, samples: {}, previews: {}, contributed: {} };
  for (const record of records) {
    const name = record.card.name;
    const report = await readReport(record);
    if (report) extras.reports[name] = report;
    const sample = await sampleInput(record);
    if (sample) extras.samples[name] = sample;
    if (record.card.preview) {
      // The card's own image replaces the generated slices: none are rendered for it.
      const data = await readFile(repoFile(record, record.card.preview.path, 'preview.path'));
      const header = imageHeader(data);
      if (!header)
        throw new MhubError(
          'VALIDATION',
          `${record.file}: preview.path '${record.card.preview.path}' is not a PNG, JPEG or WebP image`,
          'run mhub registry validate and export the preview as PNG, JPEG or WebP',
        );
      extras.contributed![name] = { data, format: header.format };
      continue;
    }
    const reference = referencePath(record);
    const output = record.card.outputs.find((o) => o.id === reference?.output);
    if (terminology && sample && sample.kind !== 'url' && reference && output?.type === 'segmentation') {
      const colours = output.segments.map(
        (id) => terminology.resolve(id)?.color ?? ([128, 128, 128] as const),
      );
      extras.previews![name] = await renderPreviews(sample.path, reference.path, colours);
    }
  }
  return extras;
}

export function previewView(
  card: ModelCard,
  preview: PreviewImages | undefined,
  terminology: Terminology,
  contributed?: ContributedPreview,
): PreviewView | undefined {
  if (card.preview && contributed)
    return { thumbnail: { src: contributedUrl(card.name, contributed.format), alt: card.preview.alt } };
  const output = card.outputs.find((o) => o.type === 'segmentation');
  if (!preview || output?.type !== 'segmentation') return undefined;
  const slice = (plane: 'axial' | 'coronal') => ({
    src: previewUrl(card.name, plane),
    alt: `${plane === 'axial' ? 'Axial' : 'Coronal'} slice of the sample input with the reference segmentation of ${card.name}`,
  });
  const axial = slice('axial');
  return {
    thumbnail: axial,
    slices: {
      axial,
      coronal: slice('coronal'),
      legend: preview.labels.map((label) => {
        const segment = terminology.resolve(output.segments[label - 1] ?? '');
        return {
          label,
          name: segment?.name ?? `label ${label}`,
          color: hex(segment?.color ?? [128, 128, 128]),
        };
      }),
    },
  };
}

export function testedView(name: string, report: TestReport | undefined): TestedView {
  const summary = verificationSummary(report);
  return {
    verified: summary.verified,
    text: summary.text,
    ...(report ? { reportUrl: reportUrl(name) } : {}),
  };
}

export function sampleView(card: ModelCard, sample: SampleInput | undefined): SampleView | undefined {
  if (!sample) return undefined;
  const test = card.tests?.[0];
  const output = `${card.name}-output`;
  const run = (input: string) =>
    ['mhub', ...mhubRunArgs(card, { input, output, ...(test?.workflow ? { workflow: test.workflow } : {}) })]
      .map(shellQuote)
      .join(' ');
  const description = test?.description;
  const common = description ? { description } : {};
  if (sample.kind === 'url') {
    return {
      ...common,
      url: sample.url,
      file: sample.name,
      run: `curl -fLO ${shellQuote(sample.url)} && echo ${shellQuote(`${sample.sha256}  ${sample.name}`)} | sha256sum -c - && ${run(sample.name)}`,
    };
  }
  if (sample.kind === 'folder') {
    const zip = zipName(card.name);
    return {
      ...common,
      url: `${sampleDir(card.name)}${zip}`,
      file: zip,
      run: `unzip -o ${zip} && ${run(sample.name)}`,
    };
  }
  return {
    ...common,
    url: `${sampleDir(card.name)}${sample.name}`,
    file: sample.name,
    run: run(sample.name),
  };
}

async function filesBelow(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesBelow(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out.sort();
}

/** Writes /samples/<model>/ (the file, or the folder as one zip), /reports/<model>.json and /previews/. */
export async function writeTestFiles(
  extras: TestExtras,
  samplesOut: string,
  reportsOut: string,
  previewsOut?: string,
): Promise<void> {
  await mkdir(samplesOut, { recursive: true });
  await mkdir(reportsOut, { recursive: true });
  if (previewsOut) {
    await mkdir(previewsOut, { recursive: true });
    const site = path.dirname(previewsOut);
    for (const [name, p] of Object.entries(extras.previews ?? {})) {
      writeFileChecked(path.join(site, previewUrl(name, 'axial')), p.axial);
      writeFileChecked(path.join(site, previewUrl(name, 'coronal')), p.coronal);
    }
    for (const [name, c] of Object.entries(extras.contributed ?? {}))
      writeFileChecked(path.join(site, contributedUrl(name, c.format)), c.data);
  }
  for (const [name, sample] of Object.entries(extras.samples)) {
    if (sample.kind === 'url') continue;
    const dir = path.join(samplesOut, name);
    await mkdir(dir, { recursive: true });
    if (sample.kind === 'file') {
      await writeFile(path.join(dir, sample.name), await readFile(sample.path));
      continue;
    }
    const entries = [];
    for (const file of await filesBelow(sample.path)) {
      const rel = path.relative(path.dirname(sample.path), file).split(path.sep).join('/');
      entries.push(zipEntry(rel, await readFile(file)));
    }
    await writeFile(path.join(dir, zipName(name)), zipArchive(entries));
  }
  for (const [name, report] of Object.entries(extras.reports))
    await writeFile(path.join(reportsOut, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
}
