// The label vocabulary (registry/terminology/*.json, SegDB-compatible): segment ids that cards
// name, resolved to coded concepts (SNOMED CT category / type / modifier, anatomic region).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MhubError } from '../errors.ts';
import { closest } from './closest.ts';
import type { Diagnostic } from './diagnostics.ts';
import { schemaDiagnostics, validators } from './schema.ts';
import type { Code, TerminologyFile } from './types.gen.ts';

export type { Code };

/** The terminology file scripts/import-segdb.ts writes from MHub's SegDB. */
export const SEGDB_FILE = 'segdb.json';

/**
 * The catalog's search synonyms, generated from this folder's vocabulary by
 * scripts/gen-synonyms.ts: a table about the terminology, not a terminology file.
 */
export const SEARCH_SYNONYMS_FILE = 'search-synonyms.json';

export const defaultTerminologyDir = fileURLToPath(new URL('../../registry/terminology/', import.meta.url));

/** A segment id resolved to its codes, ready for DICOM SEG, Slicer and the catalog. */
export interface ResolvedSegment {
  id: string;
  name: string;
  color: [number, number, number];
  category: Code;
  type: Code;
  modifier?: Code;
  /** Set for compound ids REGION+STRUCTURE: where the structure is. */
  region?: Code;
  regionModifier?: Code;
}

export class Terminology {
  readonly files: readonly string[];
  private readonly segments = new Map<string, TerminologyFile['segments'][string]>();
  private readonly codes = new Map<string, Code>();
  private readonly cache = new Map<string, ResolvedSegment | undefined>();
  private readonly synonymsOf = new Map<string, string[]>();

  constructor(entries: { file: string; data: TerminologyFile }[]) {
    this.files = entries.map((e) => e.file);
    for (const { data } of entries) {
      for (const table of [data.categories, data.types, data.modifiers]) {
        for (const [id, code] of Object.entries(table)) this.codes.set(id, code);
      }
      for (const [id, segment] of Object.entries(data.segments)) this.segments.set(id, segment);
      for (const [id, names] of Object.entries(data.synonyms ?? {}))
        this.synonymsOf.set(id, [...(this.synonymsOf.get(id) ?? []), ...names]);
    }
  }

  ids(): string[] {
    return [...this.segments.keys()];
  }

  /** Other names of a segment (abbreviations, upstream class ids). */
  synonyms(id: string): string[] {
    return this.synonymsOf.get(id) ?? [];
  }

  /**
   * Segment ids that `text` names exactly (any case): an id, a name, a synonym, or the code value
   * of its type (a SNOMED CT code). Plain segments only, in vocabulary order.
   */
  lookup(text: string): string[] {
    const q = text.trim().toLowerCase();
    if (!q) return [];
    const out: string[] = [];
    for (const [id, s] of this.segments) {
      const names = [id, s.name, ...this.synonyms(id), this.codes.get(s.type)?.value ?? ''];
      if (names.some((n) => n.toLowerCase() === q)) out.push(id);
    }
    return out;
  }

  code(id: string): Code | undefined {
    return this.codes.get(id);
  }

  /** Resolves `ID` or `REGION+STRUCTURE`; undefined when any part is unknown. */
  resolve(id: string): ResolvedSegment | undefined {
    if (this.cache.has(id)) return this.cache.get(id);
    const resolved = this.resolveUncached(id);
    this.cache.set(id, resolved);
    return resolved;
  }

  /** The unknown part of an id and a close known id, for error messages. */
  explainUnknown(id: string): { part: string; suggestion?: string } {
    const part = id.split('+').find((p) => !this.segments.has(p)) ?? id;
    return { part, suggestion: this.lookup(part)[0] ?? closest(part, this.segments.keys()) };
  }

  private resolveUncached(id: string): ResolvedSegment | undefined {
    const parts = id.split('+');
    if (parts.length > 2) return undefined;
    const structureId = parts.at(-1)!;
    const structure = this.segments.get(structureId);
    if (!structure) return undefined;
    const base: ResolvedSegment = {
      id,
      name: structure.name,
      color: structure.color as [number, number, number],
      category: this.codes.get(structure.category)!,
      type: this.codes.get(structure.type)!,
      ...(structure.modifier ? { modifier: this.codes.get(structure.modifier)! } : {}),
    };
    if (parts.length === 1) return base;
    const region = this.segments.get(parts[0]!);
    if (!region) return undefined;
    return {
      ...base,
      name: `${structure.name} of ${region.name.toLowerCase()}`,
      region: this.codes.get(region.type)!,
      ...(region.modifier ? { regionModifier: this.codes.get(region.modifier)! } : {}),
    };
  }
}

/** Checks terminology files: schema, code references, ids defined twice. */
export function checkTerminology(entries: { file: string; data: unknown }[]): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  // Terminology files are JSON: diagnostics name the field path, not a line.
  const error = (file: string, path: string, message: string, hint: string) =>
    diagnostics.push({ severity: 'error', file, line: 0, column: 0, path, message, hint });
  const where = new Map<string, string>();
  const codeIds = new Set<string>();
  /** scheme:value -> the first code id defining it; code id -> scheme:value. */
  const codeOwner = new Map<string, { id: string; file: string }>();
  const codeValues = new Map<string, string>();
  /** category|type|modifier values -> the first segment with them. */
  const concepts = new Map<string, { id: string; file: string }>();
  const valid: { file: string; data: TerminologyFile }[] = [];
  const noLocation = () => ({ line: 0, column: 0 });
  // SegDB's import is the reference vocabulary: an entry elsewhere that repeats one of its
  // concepts is the duplicate (checked in this order).
  const ordered = [...entries].sort(
    (a, b) => Number(path.basename(b.file) === SEGDB_FILE) - Number(path.basename(a.file) === SEGDB_FILE),
  );
  for (const { file, data } of ordered) {
    const validate = validators().terminology;
    if (!validate(data)) {
      diagnostics.push(...schemaDiagnostics(validate.errors, file, noLocation));
      continue;
    }
    valid.push({ file, data: data as TerminologyFile });
    const t = data as TerminologyFile;
    for (const table of [t.categories, t.types, t.modifiers])
      for (const [id, code] of Object.entries(table)) {
        codeIds.add(id);
        // A second code id for a code another one already names.
        const value = `${code.scheme}:${code.value}`;
        const first = codeOwner.get(value);
        if (first && first.id !== id)
          error(
            file,
            `${table === t.categories ? 'categories' : table === t.types ? 'types' : 'modifiers'}.${id}`,
            `code ${code.scheme} ${code.value} is already defined as '${first.id}' in ${first.file}`,
            `refer to '${first.id}' instead of defining the code again`,
          );
        else codeOwner.set(value, { id, file });
        codeValues.set(id, value);
      }
  }
  const segmentIds = new Set(valid.flatMap(({ data }) => Object.keys(data.segments)));
  for (const { file, data } of valid) {
    for (const [id, names] of Object.entries(data.synonyms ?? {})) {
      if (!segmentIds.has(id))
        error(
          file,
          `synonyms.${id}`,
          `names synonyms of '${id}', which no terminology file defines`,
          'give synonyms of an existing segment id, or define the segment',
        );
      for (const name of names)
        if (segmentIds.has(name) && name !== id)
          error(
            file,
            `synonyms.${id}`,
            `'${name}' is a segment id of its own, not a synonym of '${id}'`,
            `remove '${name}' from the synonyms`,
          );
    }
  }
  for (const { file, data } of valid) {
    for (const [group, table] of Object.entries({
      categories: data.categories,
      types: data.types,
      modifiers: data.modifiers,
      segments: data.segments,
    })) {
      for (const id of Object.keys(table)) {
        const key = `${group}:${id}`;
        const first = where.get(key);
        if (first) {
          error(
            file,
            `${group}.${id}`,
            `'${id}' is already defined in ${first}`,
            'define each id once; change the existing entry instead',
          );
        } else where.set(key, file);
      }
    }
    for (const [id, segment] of Object.entries(data.segments)) {
      // The same concept under a second id: cards would name one thing two ways (the upstream
      // SegDB's own duplicates within its file are left to it).
      const key = [segment.category, segment.type, segment.modifier]
        .map((ref) => (ref ? codeValues.get(ref) : ''))
        .join('|');
      const twin = concepts.get(key);
      if (twin && twin.file !== file && !key.includes('undefined'))
        error(
          file,
          `segments.${id}`,
          `has the codes of '${twin.id}' (${twin.file}): the same concept under a second id`,
          `use '${twin.id}' in cards (add '${id}' to synonyms: { ${twin.id}: [...] } if cards upstream call it that), or correct the codes`,
        );
      else if (!twin) concepts.set(key, { id, file });
      for (const ref of [segment.category, segment.type, segment.modifier]) {
        if (ref && !codeIds.has(ref)) {
          error(
            file,
            `segments.${id}`,
            `refers to code '${ref}', which no terminology file defines`,
            `add '${ref}' to categories, types or modifiers with its SNOMED CT code`,
          );
        }
      }
    }
  }
  return diagnostics;
}

export function readTerminologyFiles(dir: string): { file: string; data: unknown }[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json') && f !== SEARCH_SYNONYMS_FILE)
    .sort();
  return files.map((f) => {
    const file = path.join(dir, f);
    try {
      return { file, data: JSON.parse(readFileSync(file, 'utf8')) as unknown };
    } catch (error) {
      throw new MhubError(
        'VALIDATION',
        `${file}: not valid JSON (${(error as Error).message})`,
        'fix the JSON syntax at that place',
      );
    }
  });
}

const loaded = new Map<string, Terminology>();

/** Loads and checks the vocabulary once per folder; bad terminology is a VALIDATION error. */
export function loadTerminology(dir: string = defaultTerminologyDir): Terminology {
  const cached = loaded.get(dir);
  if (cached) return cached;
  const entries = readTerminologyFiles(dir);
  const problems = checkTerminology(entries);
  if (problems.length > 0) {
    const first = problems[0]!;
    throw new MhubError('VALIDATION', `${first.file} ${first.path}: ${first.message}`, first.hint);
  }
  const terminology = new Terminology(entries as { file: string; data: TerminologyFile }[]);
  loaded.set(dir, terminology);
  return terminology;
}
