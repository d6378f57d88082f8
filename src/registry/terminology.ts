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

  constructor(entries: { file: string; data: TerminologyFile }[]) {
    this.files = entries.map((e) => e.file);
    for (const { data } of entries) {
      for (const table of [data.categories, data.types, data.modifiers]) {
        for (const [id, code] of Object.entries(table)) this.codes.set(id, code);
      }
      for (const [id, segment] of Object.entries(data.segments)) this.segments.set(id, segment);
    }
  }

  ids(): string[] {
    return [...this.segments.keys()];
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
    return { part, suggestion: closest(part, this.segments.keys()) };
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
  const where = new Map<string, string>();
  const codeIds = new Set<string>();
  const valid: { file: string; data: TerminologyFile }[] = [];
  const noLocation = () => ({ line: 0, column: 0 });
  for (const { file, data } of entries) {
    const validate = validators().terminology;
    if (!validate(data)) {
      diagnostics.push(...schemaDiagnostics(validate.errors, file, noLocation));
      continue;
    }
    valid.push({ file, data: data as TerminologyFile });
    const t = data as TerminologyFile;
    for (const table of [t.categories, t.types, t.modifiers])
      for (const id of Object.keys(table)) codeIds.add(id);
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
          diagnostics.push({
            severity: 'error',
            file,
            line: 0,
            column: 0,
            path: `${group}.${id}`,
            message: `'${id}' is already defined in ${first}`,
            hint: 'define each id once; change the existing entry instead',
          });
        } else where.set(key, file);
      }
    }
    for (const [id, segment] of Object.entries(data.segments)) {
      for (const ref of [segment.category, segment.type, segment.modifier]) {
        if (ref && !codeIds.has(ref)) {
          diagnostics.push({
            severity: 'error',
            file,
            line: 0,
            column: 0,
            path: `segments.${id}`,
            message: `refers to code '${ref}', which no terminology file defines`,
            hint: `add '${ref}' to categories, types or modifiers with its SNOMED CT code`,
          });
        }
      }
    }
  }
  return diagnostics;
}

export function readTerminologyFiles(dir: string): { file: string; data: unknown }[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
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
