// Progress for runs: the shared event shape and renderers (src/progress.ts), plus what only
// the runner needs: reading a model's JSON progress lines from its output stream.
import type { Progress, ProgressEvent } from '../progress.ts';

export { noProgress, type Progress, type ProgressEvent } from '../progress.ts';

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

/**
 * A model's two output streams: JSON progress lines on stdout become events, every other
 * line goes to `log`; the last lines are kept for the error message when the model fails.
 */
export function modelOutput(progress: Progress, log: (line: string) => void) {
  const tail: string[] = [];
  const other = (line: string) => {
    tail.push(line);
    if (tail.length > 20) tail.shift();
    log(line);
  };
  const stdout = lineSplitter((line) => {
    const event = parseProgressLine(line);
    if (event) progress(event);
    else other(line);
  });
  const stderr = lineSplitter(other);
  return {
    stdout,
    stderr,
    end() {
      stdout.end();
      stderr.end();
    },
    /** "; last output:" and the model's last lines, for error messages. */
    lastLines(): string {
      return tail.length ? `; last output:\n    ${tail.slice(-8).join('\n    ')}` : '';
    },
  };
}
