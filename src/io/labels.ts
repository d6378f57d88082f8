// Label tables: what each value of a label map means (name, colour, coded concepts). Built from
// a card's ordered segment list (label k = k-th segment) through the terminology, or read from
// a JSON table (our sidecar format, a list of ids, or a {value: id} map).
import { readFile } from 'node:fs/promises';
import { MhubError } from '../errors.ts';
import { type Code, loadTerminology, type ResolvedSegment, type Terminology } from '../registry/index.ts';
import { labelsBySlice } from './seg/pack.ts';
import type { Volume } from './volume.ts';

export type { Code };

/** One label value and what it means: a resolved terminology segment, or a named entry. */
export interface LabelEntry extends Omit<ResolvedSegment, 'id'> {
  /** Label value in the label map (>= 1). */
  value: number;
  /** Terminology id (e.g. SPLEEN, LEFT+KIDNEY) when known. */
  id?: string;
}

/** What a SEG gets for a label without codes: dcmqi's default, "Tissue". */
export const GENERIC_TISSUE: Code = { scheme: 'SCT', value: '85756007', meaning: 'Tissue' };

export function labelsFromSegments(
  ids: readonly string[],
  terminology: Terminology = loadTerminology(),
): LabelEntry[] {
  return ids.map((id, index) => {
    const resolved = terminology.resolve(id);
    if (!resolved) {
      const { part, suggestion } = terminology.explainUnknown(id);
      throw new MhubError(
        'INVALID_INPUT',
        `segment '${id}' is not in the terminology ('${part}' is unknown)`,
        suggestion ? `did you mean '${suggestion}'?` : 'use an id from registry/terminology',
      );
    }
    const { id: _id, ...rest } = resolved;
    return { value: index + 1, id, ...rest };
  });
}

const fallbackColor = (value: number): [number, number, number] => {
  // A fixed, well-spread hue per value so unnamed labels stay distinguishable.
  const h = (value * 137.508) % 360;
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    return Math.round(255 * (0.55 - 0.35 * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
};

interface TableEntryInput {
  value?: number;
  id?: string;
  name?: string;
  color?: number[];
  category?: Code;
  type?: Code;
  modifier?: Code;
  region?: Code;
  regionModifier?: Code;
}

/** A label table from parsed JSON: {labels:[...]}, [...ids or entries], or {"1": "SPLEEN"}. */
export function labelsFromJson(
  json: unknown,
  file: string,
  terminology: Terminology = loadTerminology(),
): LabelEntry[] {
  const bad = (why: string) =>
    new MhubError(
      'INVALID_INPUT',
      `${file}: ${why}`,
      'give {"labels": [{"value": 1, "id": "SPLEEN"}, ...]}, a list of terminology ids, or {"1": "SPLEEN"}',
    );
  let entries: TableEntryInput[];
  const root = json as Record<string, unknown>;
  if (Array.isArray(json)) {
    entries = json.map((e, i) =>
      typeof e === 'string' ? { value: i + 1, id: e } : { value: i + 1, ...(e as object) },
    );
  } else if (root && typeof root === 'object' && Array.isArray(root.labels)) {
    entries = root.labels as TableEntryInput[];
  } else if (root && typeof root === 'object') {
    entries = Object.entries(root).map(([k, v]) =>
      typeof v === 'string' ? { value: Number(k), id: v } : { value: Number(k), ...(v as object) },
    );
  } else throw bad('not a label table');
  const seen = new Set<number>();
  return entries.map((e, i) => {
    const where = `labels[${i}]`;
    if (!Number.isInteger(e.value) || e.value! < 1 || e.value! > 65535)
      throw bad(`${where}.value must be an integer from 1 to 65535`);
    if (seen.has(e.value!)) throw bad(`${where}.value ${e.value} appears twice`);
    seen.add(e.value!);
    const resolved = e.id ? terminology.resolve(e.id) : undefined;
    if (e.id && !resolved && !e.name)
      throw bad(`${where}.id '${e.id}' is not in the terminology; give a name (and codes)`);
    if (!resolved && !e.name) throw bad(`${where} needs an id or a name`);
    const color = e.color ?? resolved?.color ?? fallbackColor(e.value!);
    if (color.length !== 3 || color.some((c) => !Number.isInteger(c) || c < 0 || c > 255)) {
      throw bad(`${where}.color must be three integers 0-255`);
    }
    const entry: LabelEntry = {
      value: e.value!,
      ...(e.id ? { id: e.id } : {}),
      name: e.name ?? resolved!.name,
      color: color as [number, number, number],
      category: e.category ?? resolved?.category ?? GENERIC_TISSUE,
      type: e.type ?? resolved?.type ?? GENERIC_TISSUE,
    };
    const modifier = e.modifier ?? resolved?.modifier;
    const region = e.region ?? resolved?.region;
    const regionModifier = e.regionModifier ?? resolved?.regionModifier;
    if (modifier) entry.modifier = modifier;
    if (region) entry.region = region;
    if (regionModifier) entry.regionModifier = regionModifier;
    return entry;
  });
}

/**
 * Reads `--labels`: a model card (.md: its segmentation output, `outputId` picks one when it
 * has several) or a JSON label table.
 */
export async function loadLabels(file: string, options: { outputId?: string } = {}): Promise<LabelEntry[]> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new MhubError(
      'NOT_FOUND',
      `${file} cannot be read (${error.code})`,
      'give a model card (.md) or a JSON label table',
    );
  });
  if (file.endsWith('.md')) {
    // Loaded on demand: card validation pulls in the schema compiler, which image conversions never need.
    const { validateCardText } = await import('../registry/index.ts');
    const { record, diagnostics } = validateCardText(text, file);
    if (!record) {
      const first = diagnostics.find((d) => d.severity === 'error');
      throw new MhubError(
        'INVALID_INPUT',
        `${file} is not a valid model card${first ? `: ${first.path} ${first.message}` : ''}`,
        first?.hint ?? 'run mhub validate on it',
      );
    }
    const outputs = record.card.outputs.filter((o) => o.type === 'segmentation') as {
      id: string;
      segments: string[];
    }[];
    const chosen = options.outputId ? outputs.find((o) => o.id === options.outputId) : outputs[0];
    if (!chosen) {
      throw new MhubError(
        'INVALID_INPUT',
        `${file} has no segmentation output${options.outputId ? ` '${options.outputId}'` : ''}`,
        outputs.length
          ? `pick one of: ${outputs.map((o) => o.id).join(', ')}`
          : 'give a card with a segmentation output',
      );
    }
    return labelsFromSegments(chosen.segments);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new MhubError(
      'INVALID_INPUT',
      `${file} is not valid JSON (${(error as Error).message})`,
      'fix the JSON syntax',
    );
  }
  return labelsFromJson(json, file);
}

/** Label values present in a label map; throws naming any value the table lacks. */
export function checkLabelValues(
  labelMap: Volume,
  labels: readonly LabelEntry[],
  what = 'the label map',
): Set<number> {
  const bySlice = labelsBySlice(labelMap, labels, what);
  const present = new Set<number>();
  for (const seen of bySlice) for (const l of labels) if (seen[l.value]) present.add(l.value);
  return present;
}
