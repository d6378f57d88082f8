// The JSON Schemas (registry/schema/), precompiled, and ajv's errors turned into diagnostics
// that a contributor can act on: one sentence naming the field and the fix.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { digestProblem, licenceProblem } from './checks.ts';
import { closest } from './closest.ts';
import { type Diagnostic, formatPath } from './diagnostics.ts';

export const schemaDir = new URL('../../registry/schema/', import.meta.url);
export const CARD_SCHEMA_FILE = 'model-card.v1.schema.json';
export const TERMINOLOGY_SCHEMA_FILE = 'terminology.v1.schema.json';

function loadSchema(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(file, schemaDir), 'utf8'));
}

type Validators = { card: ValidateFunction; terminology: ValidateFunction };
let loaded: Validators | undefined;

/**
 * The validators precompiled by scripts/gen-validators.ts (ajv standalone): no schema compiling
 * at start-up. Loaded on first use (commands such as `mhub convert` reach the registry but never
 * validate a card); the file is .ts in a clone and .js once compiled into dist/.
 */
export function validators(): Validators {
  const file = `./validators.gen${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`;
  loaded ??= createRequire(import.meta.url)(file) as Validators;
  return loaded;
}

export function cardSchema(): Record<string, unknown> {
  return loadSchema(CARD_SCHEMA_FILE);
}

/** Field-specific explanations of a value that fails its pattern: what is wrong, and the fix. */
const EXPLAIN: Record<string, (value: string) => { message: string; hint?: string } | undefined> = {
  'runtimes.docker.digest': (v) => {
    const cause = digestProblem(v);
    return cause ? { message: `'${v}' ${cause}` } : undefined;
  },
  'license.code': licenceProblem,
  'license.weights': licenceProblem,
};

type Locate = (path: readonly (string | number)[], key?: boolean) => { line: number; column: number };

function pathSegments(instancePath: string): (string | number)[] {
  if (!instancePath) return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return value.length > 40 ? `a ${value.length}-character text` : `'${value}'`;
  return `${typeof value} ${String(value)}`;
}

/**
 * ajv reports every branch of a oneOf; keep only the branch that matches the value's type,
 * so a wrong date string is told about the date pattern, not about objects.
 */
function pruneBranches(errors: ErrorObject[]): ErrorObject[] {
  const oneOfPaths = new Set(errors.filter((e) => e.keyword === 'oneOf').map((e) => e.instancePath));
  return errors.filter((e) => {
    if (e.keyword === 'oneOf') {
      // Keep the oneOf error only when no branch explained itself.
      return !errors.some(
        (o) =>
          o !== e &&
          o.instancePath.startsWith(e.instancePath) &&
          o.keyword !== 'type' &&
          o.keyword !== 'oneOf',
      );
    }
    if (e.keyword === 'type' && oneOfPaths.has(e.instancePath)) return false;
    return true;
  });
}

export function schemaDiagnostics(
  errors: ErrorObject[] | null | undefined,
  file: string,
  locate: Locate,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const e of pruneBranches(errors ?? [])) {
    const base = pathSegments(e.instancePath);
    let path = base;
    let key = false;
    let message: string;
    let hint = (e.parentSchema as Record<string, unknown> | undefined)?.['x-fix'] as string | undefined;
    const params = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case 'required':
        message = `missing required field '${params.missingProperty}'`;
        hint ??= `add ${String(params.missingProperty)}: (see registry/schema/${CARD_SCHEMA_FILE})`;
        break;
      case 'additionalProperties': {
        const field = String(params.additionalProperty);
        path = [...base, field];
        key = true;
        const known = Object.keys((e.parentSchema as { properties?: object }).properties ?? {});
        const guess = closest(field, known);
        message = `unknown field '${field}'`;
        hint = guess
          ? `did you mean '${guess}'? Otherwise remove it`
          : `remove it; the fields allowed here are ${known.join(', ')}`;
        break;
      }
      case 'type':
        message = `must be ${params.type === 'array' ? 'a list' : params.type === 'object' ? 'a mapping' : `a ${params.type}`}, found ${describe(e.data)}`;
        hint ??=
          params.type === 'string'
            ? 'quote the value in YAML, e.g. "1.0"'
            : `write a ${String(params.type)} here`;
        break;
      case 'enum':
      case 'const': {
        const allowed = (params.allowedValues as unknown[] | undefined) ?? [params.allowedValue];
        const guess = typeof e.data === 'string' ? closest(e.data, allowed.map(String)) : undefined;
        message = `${describe(e.data)} is not allowed`;
        hint = `use ${guess ? `'${guess}'` : `one of ${allowed.join(', ')}`}`;
        break;
      }
      case 'pattern':
      case 'format': {
        // Some fields say what exactly is wrong (a digest: tag left in, prefix, case, length).
        const explained = typeof e.data === 'string' ? EXPLAIN[formatPath(base)]?.(e.data) : undefined;
        message =
          explained?.message ??
          `${describe(e.data)} is not ${e.keyword === 'format' ? `a valid ${params.format}` : 'in the expected form'}`;
        hint = explained?.hint ?? hint ?? `match ${String(params.pattern ?? params.format)}`;
        break;
      }
      case 'maxLength':
        message = `is ${(e.data as string).length} characters long, over the limit of ${params.limit}`;
        hint ??= 'shorten it; put long text in the Markdown body';
        break;
      case 'minLength':
      case 'minItems':
      case 'minProperties':
        message = 'must not be empty';
        hint ??= 'fill it in or remove the field';
        break;
      case 'uniqueItems':
        message = `has a duplicate entry (items ${params.j} and ${params.i})`;
        hint ??= 'remove the repeated entry';
        break;
      case 'discriminator':
        message = `output type ${describe(e.data && (e.data as Record<string, unknown>).type)} is not known`;
        hint = 'use type: segmentation, prediction or classification';
        break;
      default:
        message = e.message ?? `fails ${e.keyword}`;
        hint ??= `see registry/schema/${CARD_SCHEMA_FILE}`;
    }
    const { line, column } = locate(path, key);
    const text = formatPath(path);
    const id = `${text}|${message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({ severity: 'error', file, line, column, path: text, message, hint });
  }
  return out;
}
