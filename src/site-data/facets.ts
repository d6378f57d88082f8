// The catalog's facets: which values a model has for each, as shown on the page, put in the
// facet table (facet-table.ts) and in the URL. Structures are grouped by their SNOMED CT
// code, so different segment ids for one concept (LEFT_KIDNEY, RIGHT_KIDNEY, KIDNEY) are one
// value, and every name and meaning that maps to it is kept as a synonym, with the words the
// search synonyms table adds for its segments (hepatic for the liver).
import type { IndexedModel, ResolvedSegment, Terminology } from '../registry/index.ts';
import { commercialUse } from './licence.ts';
import { type SearchSynonyms, segmentSearchWords } from './search-terms.ts';

export const FACETS = [
  { key: 'modality', label: 'Input modality' },
  { key: 'bodypart', label: 'Body part' },
  { key: 'output', label: 'Output type' },
  { key: 'structure', label: 'Segmented structure' },
  { key: 'gpu', label: 'GPU' },
  { key: 'commercial', label: 'Commercial use' },
  { key: 'runtime', label: 'Runtime' },
  // The card's `status`: reference models exist to test the registry's runners, not for use.
  { key: 'status', label: 'Model kind' },
] as const;

export type FacetKey = (typeof FACETS)[number]['key'];
export type FacetValues = Record<FacetKey, string[]>;

const MODALITY_NAMES: Record<string, string> = {
  CT: 'CT',
  MR: 'MR',
  PT: 'PET',
  CR: 'X-ray (CR)',
  DX: 'X-ray (DX)',
  MG: 'Mammography',
  US: 'Ultrasound',
  NM: 'Nuclear medicine',
  XA: 'Angiography',
  SM: 'Slide microscopy',
  SEG: 'Segmentation',
  RTSTRUCT: 'RT structure set',
  OT: 'Other',
};

/** The one name of a DICOM modality code on cards, facets and model pages (the code as tooltip). */
export const modalityName = (code: string) => MODALITY_NAMES[code] ?? code;

const STATUS_NAMES: Record<string, string> = {
  published: 'Published',
  submitted: 'Submitted',
  reference: 'Reference (for testing)',
};

/** The "Model kind" facet value of a card's status. */
export const statusName = (status: string) => STATUS_NAMES[status] ?? sentence(status);

const sentence = (text: string) => text.charAt(0).toUpperCase() + text.slice(1).toLowerCase();

/** DICOM BodyPartExamined (`WHOLEBODY`, `HEADNECK`) as words. */
export function bodyPartName(code: string): string {
  const special: Record<string, string> = { WHOLEBODY: 'Whole body', HEADNECK: 'Head and neck' };
  return special[code] ?? sentence(code.replaceAll('_', ' '));
}

/** SNOMED CT meanings without their hierarchy tags: "Kidney structure" -> "Kidney". */
function plainMeaning(meaning: string): string {
  return meaning
    .replace(/\s*\((body structure|morphologic abnormality|disorder|finding|qualifier value)\)$/i, '')
    .replace(/ structure$/i, '');
}

export interface StructureValue {
  label: string;
  /** SNOMED CT (or other scheme) code of the concept: `SCT:64033007`, `@region` for compounds. */
  code: string;
  synonyms: string[];
}

/**
 * Groups resolved segments by coded concept. A plain structure's label is the name of the
 * terminology segment with the same code and no modifier (LEFT_KIDNEY -> "Kidney"); a compound
 * REGION+STRUCTURE keeps its own name ("Cyst of kidney").
 */
export class StructureGrouper {
  private readonly baseNames = new Map<string, string>();
  readonly seen = new Map<string, StructureValue>();

  private readonly searchSynonyms?: SearchSynonyms;

  constructor(terminology: Terminology, searchSynonyms?: SearchSynonyms) {
    this.searchSynonyms = searchSynonyms;
    for (const id of terminology.ids()) {
      const s = terminology.resolve(id);
      if (!s || s.modifier || s.region) continue;
      const key = codeKey(s);
      if (!this.baseNames.has(key)) this.baseNames.set(key, s.name);
    }
  }

  value(segment: ResolvedSegment): StructureValue {
    const key = codeKey(segment);
    let entry = this.seen.get(key);
    if (!entry) {
      const label = segment.region
        ? segment.name
        : (this.baseNames.get(key) ?? sentence(plainMeaning(segment.type.meaning)));
      entry = { label, code: key, synonyms: [] };
      this.seen.set(key, entry);
    }
    const extra = this.searchSynonyms ? segmentSearchWords(segment.id, this.searchSynonyms) : [];
    for (const synonym of [segment.name, segment.type.meaning, plainMeaning(segment.type.meaning), ...extra])
      if (synonym !== entry.label && !entry.synonyms.includes(synonym)) entry.synonyms.push(synonym);
    return entry;
  }
}

function codeKey(s: ResolvedSegment): string {
  const base = `${s.type.scheme}:${s.type.value}`;
  return s.region ? `${base}@${s.region.scheme}:${s.region.value}` : base;
}

const uniqueSorted = (values: Iterable<string>) => [...new Set(values)].sort((a, b) => a.localeCompare(b));

/** The facet values of one model. */
export function facetValues(model: IndexedModel, structures: StructureGrouper): FacetValues {
  const segments = Object.values(model.segmentDetails).flat();
  const commercial = commercialUse(model.license);
  return {
    modality: uniqueSorted(model.inputs.flatMap((i) => i.modality.map(modalityName))),
    bodypart: uniqueSorted(model.inputs.flatMap((i) => (i.bodyPart ? [bodyPartName(i.bodyPart)] : []))),
    output: uniqueSorted(model.outputs.map((o) => sentence(o.type))),
    structure: uniqueSorted(segments.map((s) => structures.value(s).label)),
    gpu: [sentence(model.requirements.gpu)],
    commercial: [commercial === 'yes' ? 'Allowed' : commercial === 'no' ? 'Not allowed' : 'Unknown'],
    runtime: uniqueSorted(
      Object.keys(model.runtimes).map((r) => (r === 'docker' ? 'Docker' : 'Python environment')),
    ),
    status: [statusName(model.status)],
  };
}

export type FacetCounts = Record<FacetKey, { value: string; count: number }[]>;

/** Counts per facet value over all models, most frequent first (ties by name). */
export function facetCounts(all: readonly FacetValues[]): FacetCounts {
  const counts = {} as FacetCounts;
  for (const { key } of FACETS) {
    const tally = new Map<string, number>();
    for (const values of all) for (const v of values[key]) tally.set(v, (tally.get(v) ?? 0) + 1);
    counts[key] = [...tally]
      .map(([value, count]) => ({ value, count }))
      .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
  }
  return counts;
}
