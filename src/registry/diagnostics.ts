import path from 'node:path';

// A diagnostic is one problem in one file, located as precisely as the source allows.
export type Severity = 'error' | 'warning';

export interface Diagnostic {
  severity: Severity;
  file: string;
  line: number; // 1-based; 0 when the problem is the file as a whole
  column: number; // 1-based; 0 when unknown
  /** Field path in the card, e.g. outputs[0].segments[2]; empty for file-level problems. */
  path: string;
  message: string;
  /** How to fix it, in one sentence. */
  hint: string;
}

/** `file:line:column path: message. Fix: hint`, the one format every tool prints. */
export function formatDiagnostic(d: Diagnostic, cwd = process.cwd()): string {
  const file = path.isAbsolute(d.file) ? path.relative(cwd, d.file) || d.file : d.file;
  const where = d.line > 0 ? `${file}:${d.line}:${d.column}` : file;
  const field = d.path ? ` ${d.path}:` : '';
  const label = d.severity === 'warning' ? ' warning:' : '';
  return `${where}${label}${field} ${d.message}${d.hint ? `. Fix: ${d.hint}` : ''}`;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** JSON-pointer-ish segments to the display form `a.b[0].c`. */
export function formatPath(segments: readonly (string | number)[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += out ? `.${s}` : s;
  }
  return out;
}
