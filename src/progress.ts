// Progress events shared by every long task (series scans, conversions, SEG writing, image
// pulls, environment installs, model runs). A task reports through a `Progress` callback; the
// CLI picks a renderer: a redrawn bar on a terminal, plain lines otherwise (pipes, --json).

export interface ProgressEvent {
  /** What is happening, short and stable (e.g. 'scan', 'read', 'write', 'pull'). */
  phase: string;
  /** Units done so far, and the total when known. */
  done: number;
  total?: number;
  message?: string;
}

export type Progress = (event: ProgressEvent) => void;

/** A callback that ignores everything: the default for library calls. */
export const noProgress: Progress = () => {};

/**
 * Calls `progress` at most every `everyMs` milliseconds per phase, plus always for the first
 * event and the last (done === total), so hot loops can report every unit cheaply.
 */
export function throttle(progress: Progress, everyMs = 100): Progress {
  const last = new Map<string, number>();
  return (event) => {
    const now = Date.now();
    const prev = last.get(event.phase);
    const final = event.total !== undefined && event.done >= event.total;
    if (prev === undefined || final || now - prev >= everyMs) {
      last.set(event.phase, now);
      progress(event);
    }
  };
}

export interface ProgressRenderer {
  progress: Progress;
  /** Ends the current line (bar) so later output starts clean. */
  close(): void;
}

const describe = (e: ProgressEvent): string =>
  `${e.phase}${e.total !== undefined ? ` ${e.done}/${e.total}` : ` ${e.done}`}${e.message ? ` ${e.message}` : ''}`;

/** One line per event, throttled per phase; for logs, pipes and CI. */
export function lineRenderer(write: (line: string) => void, everyMs = 1000): ProgressRenderer {
  return { progress: throttle((e) => write(describe(e)), everyMs), close: () => {} };
}

/** A bar redrawn in place with carriage returns; for terminals. */
export function barRenderer(stream: { write(s: string): unknown; columns?: number }): ProgressRenderer {
  let open = false;
  const draw = (e: ProgressEvent) => {
    const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - 50));
    const ratio = e.total ? Math.min(1, e.done / e.total) : 0;
    const filled = Math.round(ratio * width);
    const bar = e.total
      ? `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${Math.round(ratio * 100)}%`
      : '';
    stream.write(`\r\x1b[K${e.phase} ${bar} ${e.message ?? ''}`.trimEnd());
    open = true;
  };
  return {
    progress: throttle(draw, 80),
    close: () => {
      if (open) stream.write('\n');
      open = false;
    },
  };
}

/** The renderer the CLI uses: a bar on a TTY, plain lines otherwise. */
export function progressRenderer(options: {
  isTTY: boolean;
  json?: boolean;
  err: (line: string) => void;
}): ProgressRenderer {
  if (options.isTTY && !options.json) return barRenderer(process.stderr);
  return lineRenderer(options.err);
}
