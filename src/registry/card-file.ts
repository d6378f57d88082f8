// Reads one model card file: front matter (YAML) + Markdown body. Every problem becomes a
// Diagnostic with file:line:column; nothing here throws on bad input.
import { type Document, parseDocument } from 'yaml';
import type { Diagnostic } from './diagnostics.ts';
import { LineIndex, offsetOf } from './source-map.ts';

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

  // The core schema keeps dates as strings; unique keys and the alias limit guard hostile input.
  const doc: Document = parseDocument(yamlText, { schema: 'core', uniqueKeys: true });
  for (const error of doc.errors) {
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
  if (doc.errors.length > 0) return { diagnostics };

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 50 });
  } catch (error) {
    return fail(
      `invalid YAML: ${firstLine(String((error as Error).message))}`,
      'remove YAML aliases (*name)',
    );
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
      locate: (path, key) => at(offsetOf(doc, path, key)),
    },
    diagnostics,
  };
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}
