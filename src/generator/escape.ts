// One escaper per target language. Every card value that lands in generated Python, CMake, JSON,
// CSV, Markdown or Qt rich text goes through exactly one of these (the templates can only reach
// card values through the Handlebars helpers registered in templates.ts).

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we escape
const PY_SPECIAL = /[\u0000-\u001f"\\\u007f-\u009f\u2028\u2029\ufeff]|\p{Cs}/gu;
const PY_NAMED: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** A Python 3 string literal (double-quoted, never raw), valid on one line. */
export function pyString(value: string): string {
  return `"${value.replace(PY_SPECIAL, (ch) => {
    const named = PY_NAMED[ch];
    if (named) return named;
    const cp = ch.codePointAt(0)!;
    // controls as \xHH; lone surrogates (not writable as UTF-8) and U+2028/2029/FEFF (which
    // confuse editors and tokenizers) as \uXXXX
    return cp <= 0xff ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`;
  })}"`;
}

/**
 * Any JSON-like value as a Python literal (dict, list, str, int/float, True/False/None).
 * Containers that fit on one line stay on one line, and so does each item of a long list
 * (one segment per line), to keep generated modules short and readable.
 */
export function pyLiteral(value: unknown, indent = 0, inline = false): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'string') return pyString(value);
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot write ${value} as a Python literal`);
    return String(value);
  }
  let items: string[];
  let open: string;
  let close: string;
  if (Array.isArray(value)) {
    [open, close] = ['[', ']'];
    // long lists, and lists of several records (segments), get one item per line
    const oneEach = value.length > 8 || (value.length > 2 && value.every((v) => v && typeof v === 'object'));
    items = value.map((v) => pyLiteral(v, indent + 4, inline || oneEach));
  } else if (typeof value === 'object') {
    [open, close] = ['{', '}'];
    items = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${pyString(k)}: ${pyLiteral(v, indent + 4, inline)}`);
  } else throw new Error(`cannot write a ${typeof value} as a Python literal`);
  const oneLine = `${open}${items.join(', ')}${close}`;
  if (inline || (oneLine.length <= 100 && !oneLine.includes('\n'))) return oneLine;
  const pad = ' '.repeat(indent + 4);
  return `${open}\n${items.map((i) => `${pad}${i},`).join('\n')}\n${' '.repeat(indent)}${close}`;
}

/** A CMake quoted argument: no variable references, list separators or line breaks survive. */
export function cmakeString(value: string): string {
  let out = '"';
  for (const ch of value) {
    const cp = ch.codePointAt(0)!;
    // `;` stays: inside a quoted argument it is text (escaping it would keep the backslash)
    if (ch === '\\' || ch === '"' || ch === '$' || ch === '@') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) out += ' ';
    else out += ch;
  }
  return `${out}"`;
}

/** JSON text (pretty, two-space indent). JSON.stringify already escapes everything JSON needs. */
export function jsonText(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/**
 * A field of a Slicer colour table CSV. Slicer's (VTK's) reader accepts quotes only around a whole
 * field and never inside one, so quotes become apostrophes and line breaks spaces.
 */
export function csvField(value: string | number): string {
  if (typeof value === 'number') return String(value);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we remove
  const clean = value.replace(/"/g, "'").replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ');
  return /[,\s']/.test(clean) ? `"${clean}"` : clean;
}

/** Text inside Qt rich text / HTML (module help and acknowledgement). */
export function htmlText(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** One line of Markdown text: no line breaks, markup characters escaped. */
export function markdownText(value: string): string {
  return value
    .replace(/\s+/g, ' ')
    .replace(/[\\`*_{}[\]()<>#+!|~$-]/g, (c) => `\\${c}`)
    .trim();
}

const IDENTIFIER_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A Python/CMake identifier built by the generator; anything else is a generator bug. */
export function identifier(value: string): string {
  if (!IDENTIFIER_RE.test(value)) throw new Error(`'${value}' is not a safe identifier`);
  return value;
}

const FILE_PATH_RE = /^[A-Za-z0-9_][A-Za-z0-9_./-]*$/;

/** A relative file path listed in CMake (file names are generated, never taken from cards). */
export function filePath(value: string): string {
  if (!FILE_PATH_RE.test(value) || value.includes('..')) throw new Error(`'${value}' is not a safe path`);
  return value;
}
