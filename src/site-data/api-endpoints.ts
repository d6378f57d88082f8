// The catalog's JSON API endpoints, described once: the /api/ guide page lists them, and the
// build writes them as /api/v1/index.json and /api/v1/index.html (what /api/v1/ answers).
import { escapeHtml } from './html.ts';

export interface ApiEndpoint {
  /** Path on the site; `<name>` stands for a model name. */
  path: string;
  description: string;
}

export const API_ENDPOINTS: readonly ApiEndpoint[] = [
  {
    path: '/api/v1/models.json',
    description:
      'Every model card (front matter), sorted by name: { version, count, models }. Each record carries urls { page, json, slicer }; dates have one shape, { iso, text }, iso null when the source date is ambiguous.',
  },
  {
    path: '/api/v1/models/<name>.json',
    description:
      'One model: the card, its urls, its Markdown body, and segmentDetails (per segmentation output, in label order: id, name, colour, SNOMED CT category / type / modifier / region codes).',
  },
  {
    path: '/api/v1/terminology.json',
    description:
      'The label vocabulary: { version, segments: { <id>: resolved segment } } for every segment id used.',
  },
  {
    path: '/api/v1/mhub-v2-models.json',
    description:
      "The same models in the shape of MHub.ai's /api/v2/models/detailed, for existing MHub clients (e.g. SlicerMHubRunner).",
  },
];

/** /api/v1/index.json: the endpoints, with absolute URLs under `catalog`. */
export function apiIndexJson(catalog: string): string {
  const endpoints = API_ENDPOINTS.map((e) => ({ ...e, url: new URL(e.path.slice(1), catalog).href }));
  return `${JSON.stringify({ version: 1, endpoints, documentation: new URL('api/', catalog).href }, null, 2)}\n`;
}

/** /api/v1/index.html: the same list for a browser (links relative to the site). */
export function apiIndexHtml(): string {
  const items = API_ENDPOINTS.map((e) => {
    const path = escapeHtml(e.path);
    const link = e.path.includes('<') ? `<code>${path}</code>` : `<a href="${path}"><code>${path}</code></a>`;
    return `<li>${link}: ${escapeHtml(e.description)}</li>`;
  }).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>JSON API v1 · MHub registry</title></head>
<body><h1>JSON API v1</h1>
<p>Machine-readable: <a href="/api/v1/index.json">index.json</a>. Documentation: <a href="/api/">the JSON API page</a>.</p>
<ul>
${items}
</ul></body></html>
`;
}
