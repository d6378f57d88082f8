// The "Docker or Python environment?" page's figures: SVG bar charts and table rows built at
// site build time from site/src/data/backends.json (written by `npm run bench:backends`).
// Every number shown comes from that file; nothing here is typed by hand.

export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}
export interface RunFigures {
  firstOutputMs: number;
  totalMs: number;
  peakRssBytes: number;
}
export interface BackendFigures {
  provision: { ms: number; bytes: number; method: string } | null;
  imageOrEnvBytes: number;
  cold: RunFigures;
  warm: { firstOutputMs: Spread; totalMs: Spread; peakRssBytes: Spread };
}
export interface BackendsData {
  generated: string;
  command: string;
  machine: { os: string; kernel: string; arch: string; cpu: string; cores: number; memoryBytes: number };
  versions: { node: string; docker: string; python: string; torch: string | null };
  settings: { warmRuns: number; phantom: string; gpu: boolean };
  models: { model: string; version: string; backends: Record<string, BackendFigures> }[];
}

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
export const mebibytes = (bytes: number): string => `${Math.round(bytes / 2 ** 20).toLocaleString('en')} MiB`;

interface Bar {
  label: string;
  value: number;
  min?: number;
  max?: number;
  text: string;
}
export interface Chart {
  id: string;
  title: string;
  note: string;
  svg: string;
  /** The formatted values the chart shows, in order (tests check them against the JSON). */
  texts: string[];
}

const COLORS: Record<string, string> = { docker: '#1d63ed', venv: '#d97706' };
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const FONT = 14;
/** Wide enough for a rounded system-ui glyph at FONT (digits ~0.55 em, "M" ~0.85 em): errs large. */
const textWidth = (text: string) => [...text].reduce((w, c) => w + (/[MW–—]/.test(c) ? 0.9 : 0.62), 0) * FONT;
/**
 * The SVG's natural width. It is drawn at this size and shrinks with the column on a phone
 * (max-width: 100%): 400 keeps the text at 12 px or more in the 350 px column at 390 px.
 */
const MIN_WIDTH = 400;

/**
 * A horizontal bar chart: one group per model, and per backend a line of text (backend and
 * value) above its bar, with an optional min-max whisker. Text sits on its own line rather than
 * beside the bar, so no label competes with the bars for width and none is cut at any scale;
 * the width grows when the longest line would not fit.
 */
export function barChart(title: string, groups: { label: string; bars: Bar[] }[]): string {
  const labelW = Math.max(...groups.flatMap((g) => g.bars.map((b) => textWidth(b.label)))) + 10;
  const lines = groups.flatMap((g) => [textWidth(g.label), ...g.bars.map((b) => labelW + textWidth(b.text))]);
  const width = Math.ceil(Math.max(MIN_WIDTH, ...lines));
  const line = FONT + 6;
  const barH = 14;
  const gap = 10;
  const groupGap = 12;
  const max = Math.max(...groups.flatMap((g) => g.bars.map((b) => b.max ?? b.value)), 1e-9);
  // Whisker caps are 1.5 px strokes: the scale stops short of the edge so they stay inside.
  const scale = (v: number) => ((width - 2) * v) / max;
  const parts: string[] = [];
  let y = 0;
  for (const group of groups) {
    y += line;
    parts.push(`<text x="0" y="${y - 5}" font-weight="600">${esc(group.label)}</text>`);
    for (const bar of group.bars) {
      y += line;
      const fill = COLORS[bar.label] ?? '#6b7280';
      parts.push(
        `<text x="0" y="${y - 5}">${esc(bar.label)}</text>`,
        `<text x="${labelW.toFixed(0)}" y="${y - 5}">${esc(bar.text)}</text>`,
        `<rect x="0" y="${y}" width="${Math.max(scale(bar.value), 1).toFixed(1)}" height="${barH}" fill="${fill}"><title>${esc(`${group.label}, ${bar.label}: ${bar.text}`)}</title></rect>`,
      );
      if (bar.min !== undefined && bar.max !== undefined) {
        const x1 = scale(bar.min).toFixed(1);
        const x2 = scale(bar.max).toFixed(1);
        const cy = y + barH / 2;
        parts.push(
          `<path d="M${x1} ${cy}H${x2}M${x1} ${cy - 5}V${cy + 5}M${x2} ${cy - 5}V${cy + 5}" stroke="currentColor" stroke-width="1.5" fill="none"/>`,
        );
      }
      y += barH + gap;
    }
    y += groupGap;
  }
  const height = y - groupGap - gap + 2;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" style="max-width:100%;height:auto" role="img" aria-label="${esc(title)}" font-family="system-ui, sans-serif" font-size="${FONT}" fill="currentColor">${parts.join('')}</svg>`;
}

function chart(
  data: BackendsData,
  id: string,
  title: string,
  note: string,
  pick: (f: BackendFigures) => { value: number; min?: number; max?: number } | null,
  format: (v: number) => string,
): Chart {
  const texts: string[] = [];
  const groups = data.models.map((m) => ({
    label: m.model,
    bars: Object.entries(m.backends).flatMap(([backend, figures]) => {
      const v = pick(figures);
      if (!v) return [];
      // The range only when it shows: a spread that rounds to nothing is left out.
      const text =
        v.min !== undefined && v.max !== undefined && format(v.min) !== format(v.max)
          ? `${format(v.value)} (${format(v.min)}–${format(v.max)})`
          : format(v.value);
      texts.push(text);
      return [{ label: backend, ...v, text }];
    }),
  }));
  return { id, title, note, svg: barChart(title, groups), texts };
}

const range = (s: { median: number; min: number; max: number }) => ({
  value: s.median,
  min: s.min,
  max: s.max,
});

export function backendCharts(data: BackendsData): Chart[] {
  const n = data.settings.warmRuns;
  return [
    chart(
      data,
      'provision',
      'First-run provisioning time',
      'Docker: building the model image without layer cache on the local base image. venv: creating the environment and installing the pinned wheels from a local package index.',
      (f) => (f.provision ? { value: f.provision.ms } : null),
      seconds,
    ),
    chart(
      data,
      'disk',
      'Bytes on disk',
      'Docker: the image size (including the shared base image). venv: the environment folder with the weights.',
      (f) => ({ value: f.imageOrEnvBytes }),
      mebibytes,
    ),
    chart(
      data,
      'cold',
      'Cold run: time to completion',
      'The first run after provisioning, through mhub run (the file-system cache was not dropped).',
      (f) => ({ value: f.cold.totalMs }),
      seconds,
    ),
    chart(
      data,
      'warm',
      `Warm runs: time to completion (median of ${n}, min–max)`,
      'Through mhub run, including Node start-up of the runner library, staging and output checks.',
      (f) => range(f.warm.totalMs),
      seconds,
    ),
    chart(
      data,
      'first',
      `Warm runs: time to the first model output (median of ${n}, min–max)`,
      'From the call until the model prints its first line: container or interpreter start-up and imports.',
      (f) => range(f.warm.firstOutputMs),
      seconds,
    ),
    chart(
      data,
      'memory',
      `Peak memory of the model (median of ${n}, min–max)`,
      'Sum of the peak resident memory (VmHWM) of the model’s processes, read from /proc the same way for both backends.',
      (f) => range(f.warm.peakRssBytes),
      mebibytes,
    ),
  ];
}
