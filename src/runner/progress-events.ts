// Progress events for runs: the same shape as the I/O engineer's src/progress.ts (issue 3),
// kept here until that module lands on main; then this file should become re-exports of it.

export interface ProgressEvent {
  /** What is happening, short and stable (e.g. 'pull', 'install', 'model', 'convert'). */
  phase: string;
  /** Units done so far, and the total when known. */
  done: number;
  total?: number;
  message?: string;
}

export type Progress = (event: ProgressEvent) => void;

export const noProgress: Progress = () => {};

/**
 * A model's stdout line as a progress event, when it is one: a JSON object with a string
 * `phase` and a numeric `done` (the files interface lets models print these).
 */
export function parseProgressLine(line: string): ProgressEvent | undefined {
  const text = line.trim();
  if (!text.startsWith('{') || !text.endsWith('}')) return undefined;
  try {
    const value = JSON.parse(text) as Record<string, unknown>;
    if (typeof value.phase !== 'string' || typeof value.done !== 'number') return undefined;
    return {
      phase: value.phase,
      done: value.done,
      ...(typeof value.total === 'number' ? { total: value.total } : {}),
      ...(typeof value.message === 'string' ? { message: value.message } : {}),
    };
  } catch {
    return undefined;
  }
}

/** Splits a byte stream into lines (UTF-8), calling `onLine` for each complete line. */
export function lineSplitter(onLine: (line: string) => void): {
  push(chunk: Buffer | string): void;
  end(): void;
} {
  let rest = '';
  return {
    push(chunk) {
      rest += chunk.toString();
      let nl = rest.indexOf('\n');
      while (nl >= 0) {
        onLine(rest.slice(0, nl).replace(/\r$/, ''));
        rest = rest.slice(nl + 1);
        nl = rest.indexOf('\n');
      }
    },
    end() {
      if (rest) onLine(rest);
      rest = '';
    },
  };
}

export interface ProgressRenderer {
  progress: Progress;
  /** Ends the current line (bar) so later output starts clean. */
  close(): void;
}

const describe = (e: ProgressEvent): string =>
  `${e.phase}${e.total !== undefined ? ` ${e.done}/${e.total}` : ''}${e.message ? ` ${e.message}` : ''}`;

/** Plain lines (pipes, CI) or JSON lines (--json), one per event. */
export function lineRenderer(write: (line: string) => void, json = false): ProgressRenderer {
  return { progress: (e) => write(json ? JSON.stringify(e) : describe(e)), close: () => {} };
}

/** A bar redrawn in place on a terminal. */
export function barRenderer(stream: { write(s: string): unknown; columns?: number }): ProgressRenderer {
  let open = false;
  return {
    progress(e) {
      const width = Math.max(10, Math.min(30, (stream.columns ?? 80) - 50));
      const ratio = e.total ? Math.min(1, e.done / e.total) : 0;
      const filled = Math.round(ratio * width);
      const bar = e.total
        ? `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${Math.round(ratio * 100)}%`
        : '';
      stream.write(`\r\x1b[K${`${e.phase} ${bar} ${e.message ?? ''}`.trimEnd()}`);
      open = true;
    },
    close() {
      if (open) stream.write('\n');
      open = false;
    },
  };
}
