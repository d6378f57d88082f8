// The catalog's view of a card's tests: the verification line read from the committed report
// (registry/reports/<model>.json; no figure typed by hand), the sample input as a download and
// the line that runs the model on it, and the files the site serves for both.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CardRecord, ModelCard, Terminology } from '../registry/index.ts';
import {
  readReport,
  referencePath,
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
}

export interface PreviewView {
  axial: string;
  coronal: string;
  /** The images' alternative text (the model page; the axial one also on the catalog's thumbnail). */
  alt: { axial: string; coronal: string };
  /** The segments the two slices show, in the colours drawn. */
  legend: { label: number; name: string; color: string }[];
}

export const previewUrl = (name: string, plane: 'axial' | 'coronal') => `/previews/${name}-${plane}.png`;
const previewAlt = (name: string, plane: string) =>
  `${plane} slice of the sample input with the reference segmentation of ${name}`;
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
  const extras: TestExtras = { reports: {}, samples: {}, previews: {} };
  for (const record of records) {
    const name = record.card.name;
    const report = await readReport(record);
    if (report) extras.reports[name] = report;
    const sample = await sampleInput(record);
    if (sample) extras.samples[name] = sample;
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
): PreviewView | undefined {
  const output = card.outputs.find((o) => o.type === 'segmentation');
  if (!preview || output?.type !== 'segmentation') return undefined;
  return {
    axial: previewUrl(card.name, 'axial'),
    coronal: previewUrl(card.name, 'coronal'),
    alt: { axial: previewAlt(card.name, 'Axial'), coronal: previewAlt(card.name, 'Coronal') },
    legend: preview.labels.map((label) => {
      const segment = terminology.resolve(output.segments[label - 1] ?? '');
      return {
        label,
        name: segment?.name ?? `label ${label}`,
        color: hex(segment?.color ?? [128, 128, 128]),
      };
    }),
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
    for (const [name, p] of Object.entries(extras.previews ?? {})) {
      await writeFile(path.join(previewsOut, `${name}-axial.png`), p.axial);
      await writeFile(path.join(previewsOut, `${name}-coronal.png`), p.coronal);
    }
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
