// The registry index: the JSON files the site, the Slicer browser and MHub clients read.
// Deterministic: the same registry always gives byte-identical files (sorted, no timestamps).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type PublishOptions, writeAtomic, writeFileChecked } from '../fsafe/index.ts';
import type { ResolvedSegment, Terminology } from './terminology.ts';
import type { Input, ModelCard } from './types.gen.ts';
import type { CardRecord } from './validate.ts';

// 2: dates are published in one shape (PublishedDate) instead of the card's string-or-{text}.
export const INDEX_VERSION = 2;

type DateKey = keyof NonNullable<ModelCard['dates']>;
/** A date as the index publishes it, one type for every date field: `iso` is null when the
 * source's text is ambiguous (such as MHub's `06/07/22`), and `text` is what the source said. */
export interface PublishedDate {
  iso: string | null;
  text: string;
}
/** Where a published catalog serves the model (absolute URLs; only in the catalog's copy). */
export interface ModelUrls {
  page: string;
  json: string;
  slicer: string;
}
/** A card as the index lists it: the card with its dates in the published shape, and its URLs. */
export type IndexedCard = Omit<ModelCard, 'dates'> & {
  dates?: Partial<Record<DateKey, PublishedDate>>;
  urls?: ModelUrls;
};

export interface IndexOptions {
  /** The catalog's URLs of a model, added to its records (the site passes them; the CLI does not). */
  urls?: (card: ModelCard) => ModelUrls;
}

/** A card as the index publishes it: the card, its body, and its segments resolved to codes. */
export interface IndexedModel extends IndexedCard {
  body: string;
  /** Segment details per segmentation output id, in label order (label value = position + 1). */
  segmentDetails: Record<string, ResolvedSegment[]>;
}

export interface RegistryIndex {
  'models.json': { version: number; count: number; models: IndexedCard[] };
  models: Record<string, IndexedModel>;
  'terminology.json': { version: number; segments: Record<string, ResolvedSegment> };
  'mhub-v2-models.json': { data: MhubV2Model[] };
}

/** The shape of MHub.ai's /api/v2/models/detailed entries, as MHub clients read them. */
export interface MhubV2Model {
  id: string;
  name: string;
  label: string;
  description: string;
  modalities: string[];
  segmentations: string[];
  categories: string[];
  cite: string;
  licence: { model: string; weights: string };
  inputs: {
    label: string;
    description: string;
    format: string;
    modality: string;
    bodypartexamined: string;
  }[];
}

const MHUB_FORMAT: Record<Input['format'], string> = {
  dicom: 'DICOM',
  nifti: 'NIFTI',
  nrrd: 'NRRD',
  dicomseg: 'DICOMSEG',
};
const MHUB_CATEGORY = {
  segmentation: 'Segmentation',
  prediction: 'Prediction',
  classification: 'Classification',
};

/** The card as the index lists it (dates in the published shape). */
export function indexedCard(card: ModelCard, options: IndexOptions = {}): IndexedCard {
  const urls = options.urls ? { urls: options.urls(card) } : {};
  if (!card.dates) return { ...(card as IndexedCard), ...urls };
  const dates: Partial<Record<DateKey, PublishedDate>> = {};
  for (const [key, value] of Object.entries(card.dates) as [
    DateKey,
    NonNullable<ModelCard['dates']>[DateKey],
  ][])
    if (value !== undefined)
      dates[key] = typeof value === 'string' ? { iso: value, text: value } : { iso: null, text: value.text };
  return { ...card, dates, ...urls };
}

/** The card again from its indexed form (what `mhub --registry <url>` caches and validates). */
export function cardOfIndexed(indexed: IndexedCard): ModelCard {
  const { urls: _urls, dates: published, ...card } = indexed;
  if (!published) return card as ModelCard;
  const dates: NonNullable<ModelCard['dates']> = {};
  for (const [key, value] of Object.entries(published) as [DateKey, PublishedDate | undefined][])
    if (value) dates[key] = value.iso ?? { text: value.text };
  return { ...card, dates };
}

function segmentDetails(card: ModelCard, terminology: Terminology): Record<string, ResolvedSegment[]> {
  const out: Record<string, ResolvedSegment[]> = {};
  for (const output of card.outputs) {
    if (output.type === 'segmentation')
      out[output.id] = output.segments.map((id) => terminology.resolve(id)!);
  }
  return out;
}

function toMhub(card: ModelCard, segments: Record<string, ResolvedSegment[]>): MhubV2Model {
  return {
    id: card.id ?? card.name,
    name: card.name,
    label: card.title,
    description: card.description,
    modalities: [...new Set(card.inputs.flatMap((i) => i.modality))],
    segmentations: Object.values(segments).flatMap((list) => list.map((s) => s.name)),
    categories: [...new Set(card.outputs.map((o) => MHUB_CATEGORY[o.type]))],
    cite: card.cite ?? '',
    licence: { model: card.license.code, weights: card.license.weights },
    inputs: card.inputs.map((i) => ({
      label: i.label,
      description: i.description ?? i.label,
      format: MHUB_FORMAT[i.format],
      modality: i.modality.join('|'),
      bodypartexamined: i.bodyPart ?? '',
    })),
  };
}

export function buildIndex(
  records: readonly CardRecord[],
  terminology: Terminology,
  options: IndexOptions = {},
): RegistryIndex {
  const sorted = [...records].sort((a, b) => (a.card.name < b.card.name ? -1 : 1));
  const models: Record<string, IndexedModel> = {};
  const used = new Set<string>(terminology.ids());
  const mhub: MhubV2Model[] = [];
  for (const { card, body } of sorted) {
    const details = segmentDetails(card, terminology);
    for (const output of card.outputs)
      if (output.type === 'segmentation') for (const id of output.segments) used.add(id);
    models[card.name] = { ...indexedCard(card, options), body, segmentDetails: details };
    mhub.push(toMhub(card, details));
  }
  const segments: Record<string, ResolvedSegment> = {};
  for (const id of [...used].sort()) segments[id] = terminology.resolve(id)!;
  return {
    'models.json': {
      version: INDEX_VERSION,
      count: sorted.length,
      models: sorted.map((r) => indexedCard(r.card, options)),
    },
    models,
    'terminology.json': { version: INDEX_VERSION, segments },
    'mhub-v2-models.json': { data: mhub },
  };
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** Writes the index into `outDir` through src/fsafe (atomic; refuses a folder it did not write). */
export async function writeIndex(
  index: RegistryIndex,
  outDir: string,
  options: PublishOptions = {},
): Promise<string[]> {
  const files: [string, unknown][] = [
    ['models.json', index['models.json']],
    ['terminology.json', index['terminology.json']],
    ['mhub-v2-models.json', index['mhub-v2-models.json']],
    ...Object.entries(index.models).map(([name, model]): [string, unknown] => [`models/${name}.json`, model]),
  ];
  await writeAtomic(
    outDir,
    (temp) => {
      mkdirSync(path.join(temp, 'models'), { recursive: true });
      for (const [name, value] of files) writeFileChecked(path.join(temp, name), json(value));
    },
    { ...options, marker: true },
  );
  return files.map(([name]) => name);
}
