// Reads one model card file: front matter (YAML) + Markdown body. Every problem becomes a
// Diagnostic with file:line:column; nothing here throws on bad input.
import type { Document } from 'yaml';
import type { Diagnostic } from './diagnostics.ts';
import { LineIndex, offsetOf } from './source-map.ts';
import { jsYaml, yaml } from './yaml-lib.ts';

export const MAX_CARD_BYTES = 256 * 1024;

export interface CardSource {
  file: string;
  /** The front matter as plain data (not yet validated). */
  data: unknown;
  /** The Markdown body. */
  body: string;
  /** Locates a field path in the file, for diagnostics. */
  locate(path: readonly (string | number)[], key?: boolean): { line: number; column: number };
}

export interface CardReadResult {
  source?: CardSource;
  diagnostics: Diagnostic[];
}

const FENCE = /^---[ \t]*$/;

export function readCardText(raw: string, file: string): CardReadResult {
  const diagnostics: Diagnostic[] = [];
  const fail = (message: string, hint: string, line = 0, column = 0): CardReadResult => {
    diagnostics.push({ severity: 'error', file, line, column, path: '', message, hint });
    return { diagnostics };
  };

  const bytes = Buffer.byteLength(raw, 'utf8');
  if (bytes > MAX_CARD_BYTES) {
    return fail(
      `card is ${(bytes / 1024).toFixed(0)} KiB, over the ${MAX_CARD_BYTES / 1024} KiB limit`,
      'shorten the text; link long material instead of including it',
    );
  }
  let text = raw;
  if (text.startsWith('\uFEFF')) {
    text = text.slice(1);
    diagnostics.push({
      severity: 'warning',
      file,
      line: 1,
      column: 1,
      path: '',
      message: 'file starts with a byte-order mark, which was ignored',
      hint: 'save the file as UTF-8 without BOM',
    });
  }
  // CRLF files are accepted as they are: Windows editors write them.
  text = text.replace(/\r\n?/g, '\n');
  if (text.trim() === '')
    return fail('file is empty', 'start from `npx mhub registry new` or copy an existing card');

  const lines = text.split('\n');
  if (!FENCE.test(lines[0] ?? '')) {
    return fail(
      'file does not start with front matter',
      "put the card's metadata between a first line `---` and a closing `---`",
      1,
      1,
    );
  }
  const close = lines.findIndex((line, i) => i > 0 && FENCE.test(line));
  if (close < 0) return fail('front matter is never closed', 'add a line `---` after the metadata', 1, 1);

  const yamlStart = lines[0]!.length + 1;
  const yamlText = lines.slice(1, close).join('\n');
  const body = lines
    .slice(close + 1)
    .join('\n')
    .replace(/^\n+/, '');
  const index = new LineIndex(text);
  const at = (offset: number) => index.position(yamlStart + offset);

  // Fast path: js-yaml (core schema, so dates stay strings) for the data. The position-aware
  // `yaml` document is built only when a diagnostic needs a line number, or when the text has
  // aliases (whose expansion `yaml` bounds) or a syntax error (whose message `yaml` words best).
  let data: unknown;
  let doc: Document | undefined;
  const document = () => {
    doc ??= yaml().parseDocument(yamlText, { schema: 'core', uniqueKeys: true });
    return doc;
  };
  let fast = !ALIAS_RE.test(yamlText);
  if (fast) {
    try {
      data = jsYaml().load(yamlText, { schema: jsYaml().CORE_SCHEMA });
    } catch {
      fast = false;
    }
  }
  if (!fast) {
    for (const error of document().errors) {
      const { line, column } = at(error.pos[0]);
      diagnostics.push({
        severity: 'error',
        file,
        line,
        column,
        path: '',
        message: `invalid YAML: ${firstLine(error.message)}`,
        hint: 'check indentation, quoting and the `key: value` syntax at that place',
      });
    }
    if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics };
    try {
      data = document().toJS({ maxAliasCount: 50 });
    } catch (error) {
      return fail(
        `invalid YAML: ${firstLine(String((error as Error).message))}`,
        'remove YAML aliases (*name)',
      );
    }
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return fail(
      'front matter is not a mapping of fields',
      'write the metadata as `field: value` lines',
      2,
      1,
    );
  }
  return {
    source: {
      file,
      data,
      body,
      locate: (path, key) => at(offsetOf(document(), path, key)),
    },
    diagnostics,
  };
}

// An alias (*name) where a YAML value can start; prose like "*emphasis*" may match, which only
// sends that card down the slower, equally correct path.
const ALIAS_RE = /(^|[\s[{,:-])\*[^\s,\]}]/m;

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}
