// Everything the catalog renders, computed once from the registry index: list entries with
// facet values, one view per model page, and the texts search indexes per model. Pages stay dumb.
import {
  cardOfIndexed,
  type IndexedModel,
  type Input,
  type ModelCard,
  type ProjectLinks,
  type PublishedDate,
  projectLinks,
  type RegistryIndex,
  type Terminology,
  type Verification,
} from '../registry/index.ts';
import { toBibtex } from './bibtex.ts';
import {
  bodyPartName,
  FACETS,
  type FacetCounts,
  type FacetValues,
  facetCounts,
  facetValues,
  modalityName,
  StructureGrouper,
} from './facets.ts';
import { firstModel, type GetStartedView, installCommands } from './get-started.ts';
import { type CommercialUse, commercialUse } from './licence.ts';
import { type RenderedBody, renderCardBody } from './markdown.ts';
import { type RunInstructions, runInstructions } from './run-commands.ts';
import {
  type PreviewView,
  previewView,
  type SampleView,
  sampleView,
  type TestExtras,
  type TestedView,
  testedView,
} from './samples.ts';
import type { SearchDoc } from './search-index.ts';
import {
  loadSearchSynonyms,
  type SearchSynonyms,
  segmentSearchWords,
  spellingVariants,
} from './search-terms.ts';

export interface CatalogEntry {
  name: string;
  url: string;
  title: string;
  /** The card's description, cut at 240 characters (cardDescription): what a result card shows. */
  description: string;
  /** Input modalities in the modality facet's order: the name shown and the DICOM code. */
  modalities: { name: string; code: string }[];
  licence: string;
  commercial: CommercialUse;
  gpu: string;
  facets: FacetValues;
  /** The latest of the card's dates that is known (ISO, YYYY[-MM[-DD]]): "Newest" sorts by it. */
  latest?: string;
  /** The axial preview slice as the card's thumbnail, when the model has a preview. */
  thumb?: { src: string; alt: string };
}

export interface SegmentRow {
  label: number;
  id: string;
  name: string;
  /** The structure facet value the segment counts under ("Kidney" for LEFT_KIDNEY). */
  structure: string;
  color: string;
  codes: { role: string; scheme: string; value: string; meaning: string }[];
}

export interface OutputView {
  id: string;
  label: string;
  type: string;
  description?: string;
  detail?: string;
  segments?: SegmentRow[];
}

export interface ModelPageView {
  entry: CatalogEntry;
  card: ModelCard;
  inputs: (Input & { modalityNames: string[]; bodyPartName?: string })[];
  outputs: OutputView[];
  run: RunInstructions;
  body: RenderedBody;
  bibtex?: string;
  /** The card's dates in the index's one shape: `iso` null shows as "unknown" (source text as tooltip). */
  dates: ({ label: string } & PublishedDate)[];
  links: { label: string; url: string }[];
  /** The card file in the repository, its browser editor, and a new issue about this model. */
  source: { view: string; edit: string; report: string };
  verification: { runtime: string; record?: Verification }[];
  /** Read from the committed `mhub test` report, else "not verified by this registry". */
  tested: TestedView;
  /** The card's sample input as a download, with the line that runs the model on it. */
  sample?: SampleView;
  /** Axial and coronal slices of the sample with the reference segmentation, and their legend. */
  preview?: PreviewView;
}

export interface SiteData {
  models: CatalogEntry[];
  pages: ModelPageView[];
  facets: { key: string; label: string; values: { value: string; count: number }[] }[];
  /** Structure facet value -> other names and SNOMED CT meanings that map to it. */
  structureSynonyms: Record<string, string[]>;
  /** Each model's searchable texts, in catalog order (search-index.ts indexes them). */
  search: SearchDoc[];
  /** Where links to the project lead (package.json "repository" and "homepage"). */
  project: ProjectAddresses;
  /** The Get started page: README's install block and the model to run first. */
  start: GetStartedView;
}

/** The link-preview image every page names (og:image), written by the site build. */
export const PREVIEW_IMAGE = 'preview.png';

export interface ProjectAddresses {
  /** Absolute URL of the link-preview image. */
  previewImage: string;
  repository: string;
  cloneUrl: string;
  catalog: string;
  api: string;
  reportProblem: string;
  contributing: string;
  doctorReport: string;
}

const hex = (rgb: readonly number[]) => `#${rgb.map((c) => c.toString(16).padStart(2, '0')).join('')}`;

const DATE_LABELS: Record<string, string> = {
  code: 'Date (code)',
  weights: 'Date (weights)',
  publication: 'Date (publication)',
};

const LINK_LABELS: Record<string, string> = {
  code: 'Source code',
  website: 'Website',
  weights: 'Weights',
  testData: 'Test data',
  zenodo: 'Zenodo',
  colab: 'Colab notebook',
};

export const modelUrl = (name: string) => `/models/${name}/`;

function outputView(
  model: IndexedModel,
  output: ModelCard['outputs'][number],
  structures: StructureGrouper,
): OutputView {
  const base = {
    id: output.id,
    label: output.label ?? output.id,
    type: output.type,
    description: output.description,
  };
  if (output.type === 'segmentation') {
    const segments = (model.segmentDetails[output.id] ?? []).map((s, i) => ({
      label: i + 1,
      id: s.id,
      name: s.name,
      structure: structures.value(s).label,
      color: hex(s.color),
      codes: [
        { role: 'Type', ...s.type },
        ...(s.modifier ? [{ role: 'Modifier', ...s.modifier }] : []),
        ...(s.region ? [{ role: 'Region', ...s.region }] : []),
        ...(s.regionModifier ? [{ role: 'Region modifier', ...s.regionModifier }] : []),
        { role: 'Category', ...s.category },
      ],
    }));
    return { ...base, segments, detail: `${segments.length} segment${segments.length === 1 ? '' : 's'}` };
  }
  if (output.type === 'prediction')
    return { ...base, detail: [output.valueType, output.unit].filter(Boolean).join(', ') };
  return { ...base, detail: `classes: ${output.classes.join(', ')}` };
}

/** A description as result cards and search records show it: at most 240 characters. */
export const cardDescription = (text: string) => (text.length > 240 ? `${text.slice(0, 237)}...` : text);

function entryOf(model: IndexedModel, structures: StructureGrouper): CatalogEntry {
  const facets = facetValues(model, structures);
  const codes = new Map(model.inputs.flatMap((i) => i.modality).map((c) => [modalityName(c), c]));
  const latest = Object.values(model.dates ?? {})
    .flatMap((d) => (d?.iso ? [d.iso] : []))
    .sort()
    .at(-1);
  return {
    name: model.name,
    url: modelUrl(model.name),
    title: model.title,
    description: cardDescription(model.description),
    modalities: facets.modality.map((name) => ({ name, code: codes.get(name)! })),
    licence:
      model.license.code === model.license.weights
        ? model.license.code
        : `${model.license.code} / ${model.license.weights}`,
    commercial: commercialUse(model.license),
    gpu: model.requirements.gpu,
    facets,
    ...(latest ? { latest } : {}),
  };
}

function searchDoc(model: IndexedModel, entry: CatalogEntry, synonyms: SearchSynonyms): SearchDoc {
  const segments = Object.values(model.segmentDetails).flat();
  const meanings = new Set<string>();
  for (const s of segments)
    for (const code of [s.type, s.region, s.modifier]) if (code) meanings.add(code.meaning);
  const fields = {
    title: model.title,
    name: model.name.replaceAll('_', ' '),
    structures: segments.map((s) => s.name).join('. '),
    meanings: [...meanings].join('. '),
    tags: (model.tags ?? []).join('. '),
    modalities: entry.modalities.flatMap((m) => [m.name, m.code]).join(' '),
    description: model.description,
  };
  // What the model is also searched by: its structures' synonyms (hepatic, tumour, neoplasm) and
  // the other spellings of the words above.
  const also = new Set(segments.flatMap((s) => segmentSearchWords(s.id, synonyms)));
  for (const w of spellingVariants(Object.values(fields).join('\n'), synonyms)) also.add(w);
  return { url: entry.url, fields: { ...fields, also: [...also].join('. ') } };
}

export function buildSiteData(
  index: RegistryIndex,
  terminology: Terminology,
  project: ProjectLinks = projectLinks(),
  extras: TestExtras = { reports: {}, samples: {} },
  synonyms: SearchSynonyms = loadSearchSynonyms(),
): SiteData {
  const structures = new StructureGrouper(terminology, synonyms);
  const pages: ModelPageView[] = [];
  for (const model of Object.values(index.models)) {
    const { body, segmentDetails: _details, ...indexed } = model;
    const card = cardOfIndexed(indexed);
    const entry = entryOf(model, structures);
    const bibtex = toBibtex(card);
    const sample = sampleView(card, extras.samples[card.name]);
    const preview = previewView(
      card,
      extras.previews?.[card.name],
      terminology,
      extras.contributed?.[card.name],
    );
    if (preview) entry.thumb = preview.thumbnail;
    pages.push({
      entry,
      card,
      inputs: card.inputs.map((i) => ({
        ...i,
        modalityNames: i.modality.map(modalityName),
        ...(i.bodyPart ? { bodyPartName: bodyPartName(i.bodyPart) } : {}),
      })),
      outputs: card.outputs.map((o) => outputView(model, o, structures)),
      run: runInstructions(card),
      body: renderCardBody(body),
      ...(bibtex ? { bibtex } : {}),
      dates: Object.entries(indexed.dates ?? {}).map(([k, d]) => ({ label: DATE_LABELS[k] ?? k, ...d! })),
      source: {
        view: project.file(`registry/models/${card.name}.md`),
        edit: project.file(`registry/models/${card.name}.md`, 'edit'),
        report: project.newIssue(`${card.name}: `),
      },
      links: Object.entries(card.links ?? {}).map(([k, url]) => ({ label: LINK_LABELS[k] ?? k, url: url! })),
      verification: Object.entries(card.runtimes).map(([runtime, rt]) => ({
        runtime: runtime === 'docker' ? 'Docker' : 'Python environment',
        ...(rt?.verified ? { record: rt.verified } : {}),
      })),
      tested: testedView(card.name, extras.reports[card.name]),
      ...(sample ? { sample } : {}),
      ...(preview ? { preview } : {}),
    });
  }
  pages.sort((a, b) => a.entry.title.localeCompare(b.entry.title));
  const models = pages.map((p) => p.entry);
  const first = firstModel(pages, modelUrl);
  const counts: FacetCounts = facetCounts(models.map((m) => m.facets));
  const structureSynonyms: Record<string, string[]> = {};
  for (const v of structures.seen.values())
    structureSynonyms[v.label] = [...new Set([...(structureSynonyms[v.label] ?? []), ...v.synonyms])];
  return {
    models,
    pages,
    facets: FACETS.map((f) => ({ key: f.key, label: f.label, values: counts[f.key] })),
    structureSynonyms,
    search: pages.map((p) => searchDoc(index.models[p.entry.name]!, p.entry, synonyms)),
    start: {
      install: installCommands(),
      ...(first ? { first } : {}),
    },
    project: {
      repository: project.repository,
      cloneUrl: project.cloneUrl,
      catalog: project.catalog,
      api: project.api,
      reportProblem: project.newIssue(''),
      contributing: project.file('CONTRIBUTING.md'),
      doctorReport: project.newIssue('doctor report: '),
      previewImage: new URL(PREVIEW_IMAGE, project.catalog).href,
    },
  };
}
