// The questions of `mhub registry new`, in card order. Each is a prompt AND a flag: the same
// definition drives the interactive wizard and the non-interactive command line.

import type { ModelCard } from '../registry/index.ts';
import { formatPath } from '../registry/index.ts';

/** A card being built: a partial ModelCard held as plain data. */
export type Draft = Record<string, unknown>;

export type FieldKind = 'text' | 'select' | 'list' | 'segments';
export type Answer = string | string[];

export interface Field {
  /** Commander's camelCase option key, e.g. licenseCode for --license-code. */
  key: string;
  flag: string;
  message: string;
  kind: FieldKind;
  choices?: readonly string[];
  /** Separator of list answers typed on one line (authors contain commas, so they use ;). */
  separator?: string;
  optional?: boolean;
  /** Extra help shown under the prompt. */
  help?: string;
  when?: (draft: Draft) => boolean;
  /** The card paths this field writes (diagnostics there are this field's problems). */
  paths: (draft: Draft) => string[];
  /** The current value in the draft (imported or computed), offered as the default. */
  initial: (draft: Draft) => Answer | undefined;
  apply: (draft: Draft, value: Answer) => void;
}

type Path = (string | number)[];

export function getPath(obj: unknown, path: Path): unknown {
  let cur = obj;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[key];
  }
  return cur;
}

/** Sets a value, creating objects and arrays on the way; empty values delete the field. */
export function setPath(obj: Draft, path: Path, value: unknown): void {
  let cur: Record<string | number, unknown> = obj;
  path.slice(0, -1).forEach((key, i) => {
    if (cur[key] === null || typeof cur[key] !== 'object')
      cur[key] = typeof path[i + 1] === 'number' ? [] : {};
    cur = cur[key] as Record<string | number, unknown>;
  });
  const last = path.at(-1)!;
  const empty = value === undefined || value === '' || (Array.isArray(value) && value.length === 0);
  if (empty) delete cur[last];
  else cur[last] = value;
}

const str = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);
const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : undefined);
const one = (v: Answer) => (Array.isArray(v) ? v.join(',') : v).trim();
const many = (v: Answer) =>
  (Array.isArray(v) ? v : [v])
    .filter((s) => typeof s === 'string')
    .map((s) => s.trim())
    .filter(Boolean);

/** A field stored at one path as a string (or list, for list kinds). */
function at(key: string, flag: string, message: string, path: Path, extra: Partial<Field> = {}): Field {
  const kind = extra.kind ?? 'text';
  return {
    key,
    flag,
    message,
    kind,
    paths: () => [formatPath(path)],
    initial: (d) => (kind === 'list' || kind === 'segments' ? list(getPath(d, path)) : str(getPath(d, path))),
    apply: (d, v) => setPath(d, path, kind === 'list' || kind === 'segments' ? many(v) : one(v)),
    ...extra,
  };
}

const output = (d: Draft) => (getPath(d, ['outputs', 0]) ?? {}) as Record<string, unknown>;
const outputType = (d: Draft) => str(output(d).type);
const runtime = (d: Draft): string | undefined => str(d['x-runtime']);

export const MODALITIES = ['CT', 'MR', 'PT', 'CR', 'DX', 'MG', 'US', 'NM', 'XA', 'SM', 'SEG', 'OT'] as const;

export const FIELDS: Field[] = [
  at('name', '--name <name>', 'Registry name (lowercase letters, digits, _; also the file name)', ['name']),
  at('title', '--title <text>', 'Title', ['title']),
  at('description', '--description <text>', 'One-paragraph description', ['description']),
  at('cardVersion', '--card-version <version>', 'Version of the model', ['version'], {
    initial: (d) => str(d.version) ?? '1.0.0',
  }),
  at('status', '--status <status>', 'Status', ['status'], {
    kind: 'select',
    choices: ['submitted', 'published', 'reference'],
    initial: (d) => str(d.status) ?? 'submitted',
  }),
  at('tags', '--tags <list>', 'Tags (comma-separated)', ['tags'], {
    kind: 'list',
    separator: ',',
    optional: true,
  }),
  {
    ...at('modality', '--modality <code>', 'Input modality (DICOM code)', ['inputs', 0, 'modality']),
    kind: 'select',
    choices: MODALITIES,
    initial: (d) => list(getPath(d, ['inputs', 0, 'modality']))?.[0],
    apply: (d, v) => setPath(d, ['inputs', 0, 'modality'], [one(v).toUpperCase()]),
  },
  at('format', '--format <format>', 'Input format the model reads', ['inputs', 0, 'format'], {
    kind: 'select',
    choices: ['dicom', 'nifti', 'nrrd', 'dicomseg'],
    initial: (d) => str(getPath(d, ['inputs', 0, 'format'])) ?? 'dicom',
  }),
  at('inputId', '--input-id <id>', 'Input id', ['inputs', 0, 'id'], {
    help: 'a short lowercase name such as ct; the converted input is handed to the model under it',
    initial: (d) =>
      str(getPath(d, ['inputs', 0, 'id'])) ?? list(getPath(d, ['inputs', 0, 'modality']))?.[0]?.toLowerCase(),
  }),
  at('inputLabel', '--input-label <text>', 'Input label', ['inputs', 0, 'label'], {
    initial: (d) => {
      const m = list(getPath(d, ['inputs', 0, 'modality']))?.[0];
      return str(getPath(d, ['inputs', 0, 'label'])) ?? (m ? `${m} scan` : undefined);
    },
  }),
  at(
    'bodyPart',
    '--body-part <part>',
    'Body part examined (DICOM BodyPartExamined, e.g. CHEST)',
    ['inputs', 0, 'bodyPart'],
    {
      optional: true,
    },
  ),
  at('contrast', '--contrast <with|without|any>', 'Contrast', ['inputs', 0, 'contrast'], {
    kind: 'select',
    choices: ['any', 'with', 'without'],
    optional: true,
  }),
  at('outputType', '--output-type <type>', 'Output type', ['outputs', 0, 'type'], {
    kind: 'select',
    choices: ['segmentation', 'prediction', 'classification'],
    apply: (d, v) => {
      const type = one(v);
      // Switching type drops the other types' fields, which the schema would reject.
      const prev = output(d);
      const kept =
        prev.type === type ? prev : { id: prev.id, label: prev.label, description: prev.description };
      setPath(d, ['outputs', 0], { ...kept, type });
    },
  }),
  at('outputId', '--output-id <id>', 'Output id', ['outputs', 0, 'id'], {
    initial: (d) => str(output(d).id) ?? outputType(d),
  }),
  at(
    'segments',
    '--segments <ids>',
    'Segments in label order (label value k is the k-th)',
    ['outputs', 0, 'segments'],
    {
      kind: 'segments',
      separator: ',',
      when: (d) => outputType(d) === 'segmentation',
    },
  ),
  at('valueType', '--value-type <type>', 'Value type', ['outputs', 0, 'valueType'], {
    kind: 'select',
    choices: ['number', 'probability', 'likelihood', 'map', 'features', 'json', 'image'],
    when: (d) => outputType(d) === 'prediction',
  }),
  at('unit', '--unit <unit>', 'Unit', ['outputs', 0, 'unit'], {
    optional: true,
    when: (d) => outputType(d) === 'prediction',
  }),
  at('classes', '--classes <list>', 'Classes (comma-separated, at least two)', ['outputs', 0, 'classes'], {
    kind: 'list',
    separator: ',',
    when: (d) => outputType(d) === 'classification',
  }),
  at('authors', '--authors <list>', 'Authors (separated by ;)', ['authors'], {
    kind: 'list',
    separator: ';',
    optional: true,
  }),
  at('team', '--team <text>', 'Team or institution', ['team'], { optional: true }),
  at('licenseCode', '--license-code <spdx>', 'Licence of the code (SPDX id, e.g. MIT)', ['license', 'code']),
  at('licenseWeights', '--license-weights <spdx>', 'Licence of the weights (SPDX id, e.g. CC-BY-4.0)', [
    'license',
    'weights',
  ]),
  at('cite', '--cite <text>', 'How to cite', ['cite'], { optional: true }),
  at('codeUrl', '--code-url <url>', 'Code repository URL', ['links', 'code'], { optional: true }),
  at('gpu', '--gpu <need>', 'GPU', ['requirements', 'gpu'], {
    kind: 'select',
    choices: ['required', 'recommended', 'optional', 'unsupported', 'unknown'],
    initial: (d) => str(getPath(d, ['requirements', 'gpu'])) ?? 'unknown',
  }),
  {
    key: 'runtime',
    flag: '--runtime <docker|venv>',
    message: 'Runtime',
    kind: 'select',
    choices: ['docker', 'venv'],
    paths: () => ['runtimes'],
    initial: (d) =>
      runtime(d) ??
      (getPath(d, ['runtimes', 'venv']) && !getPath(d, ['runtimes', 'docker']) ? 'venv' : 'docker'),
    apply: (d, v) => {
      d['x-runtime'] = one(v);
      // A venv has one interface: the files contract.
      if (one(v) === 'venv') setPath(d, ['runtimes', 'venv', 'interface'], 'files');
    },
  },
  at(
    'image',
    '--image <repository>',
    'Docker image repository (without tag), e.g. mhubai/lungmask',
    ['runtimes', 'docker', 'image'],
    {
      when: (d) => runtime(d) === 'docker',
    },
  ),
  at('tag', '--tag <tag>', 'Docker image tag', ['runtimes', 'docker', 'tag'], {
    optional: true,
    when: (d) => runtime(d) === 'docker',
  }),
  at(
    'digest',
    '--digest <sha256:...>',
    'Image digest (docker buildx imagetools inspect IMAGE:TAG)',
    ['runtimes', 'docker', 'digest'],
    {
      help: 'the PR bot requires docker runtimes pinned by digest',
      when: (d) => runtime(d) === 'docker',
    },
  ),
  at('interface', '--interface <mhub|files>', 'Container interface', ['runtimes', 'docker', 'interface'], {
    kind: 'select',
    help: 'mhub: an MHub.ai image, DICOM in and out, run by workflow name; files: your image reads the input files in /app/data/input_data and writes results to /app/data/output_data',
    choices: ['mhub', 'files'],
    initial: (d) => str(getPath(d, ['runtimes', 'docker', 'interface'])) ?? 'mhub',
    when: (d) => runtime(d) === 'docker',
  }),
  {
    ...at('workflow', '--workflow <name>', 'MHub workflow to run', [
      'runtimes',
      'docker',
      'workflows',
      0,
      'name',
    ]),
    initial: (d) => str(getPath(d, ['runtimes', 'docker', 'workflows', 0, 'name'])) ?? 'default',
    when: (d) => runtime(d) === 'docker' && getPath(d, ['runtimes', 'docker', 'interface']) === 'mhub',
  },
  at(
    'python',
    '--python <spec>',
    'Python versions (PEP 440, e.g. >=3.10,<3.13)',
    ['runtimes', 'venv', 'python'],
    {
      initial: (d) => str(getPath(d, ['runtimes', 'venv', 'python'])) ?? '>=3.10,<3.14',
      when: (d) => runtime(d) === 'venv',
    },
  ),
  {
    key: 'requirements',
    flag: '--requirements <file>',
    message: 'Hash-pinned requirements file (pip-compile --generate-hashes)',
    kind: 'text',
    when: (d) => runtime(d) === 'venv',
    paths: () => ['runtimes.venv.requirements'],
    initial: () => undefined,
    // The file is read by the caller (readAnswerFiles); here the value is its lines.
    apply: (d, v) => setPath(d, ['runtimes', 'venv', 'requirements'], many(v)),
  },
  at(
    'entrypoint',
    '--entrypoint <module>',
    'Python module run as python -m <module> <input> <output>',
    ['runtimes', 'venv', 'entrypoint'],
    {
      when: (d) => runtime(d) === 'venv',
    },
  ),
  {
    key: 'weights',
    flag: '--weights <list>',
    message: 'Weight files as "path sha256 url", separated by ;',
    kind: 'list',
    separator: ';',
    optional: true,
    when: (d) => runtime(d) === 'venv',
    paths: () => ['runtimes.venv.weights'],
    initial: (d) =>
      (
        getPath(d, ['runtimes', 'venv', 'weights']) as
          | { path: string; sha256: string; url?: string }[]
          | undefined
      )?.map((w) => [w.path, w.sha256, w.url].filter(Boolean).join(' ')),
    apply: (d, v) =>
      setPath(
        d,
        ['runtimes', 'venv', 'weights'],
        many(v).map((entry) => {
          const [path, sha256, url] = entry.split(/\s+/);
          return { path, sha256, ...(url ? { url } : {}) };
        }),
      ),
  },
  at(
    'sampleIdc',
    '--sample-idc <uid>',
    'IDC SeriesInstanceUID of a public sample case',
    ['sampleData', 0, 'idcSeriesInstanceUid'],
    {
      optional: true,
      apply: (d, v) => {
        const uid = one(v);
        setPath(
          d,
          ['sampleData'],
          uid
            ? [
                {
                  description: 'Public sample series from the NCI Imaging Data Commons',
                  idcSeriesInstanceUid: uid,
                },
              ]
            : undefined,
        );
      },
    },
  ),
  {
    key: 'intendedUse',
    flag: '--intended-use <text>',
    message: 'Intended use (first section of the card text)',
    kind: 'text',
    optional: true,
    paths: () => [],
    initial: (d) => str(d['x-intendedUse']),
    apply: (d, v) => {
      d['x-intendedUse'] = one(v);
    },
  },
];

/** The card a draft describes: working keys (x-*) dropped, the unused runtime removed. */
export function draftToCard(draft: Draft): ModelCard {
  const card = structuredClone(draft) as Record<string, unknown>;
  const kind = card['x-runtime'];
  for (const key of Object.keys(card)) if (key.startsWith('x-')) delete card[key];
  // Answers arrive in question order; cards list identity before detail.
  for (const [list, order] of [
    [
      'inputs',
      ['id', 'label', 'description', 'modality', 'format', 'bodyPart', 'sliceThickness', 'contrast'],
    ],
    ['outputs', ['id', 'label', 'description', 'type']],
  ] as const) {
    const items = card[list];
    if (Array.isArray(items))
      card[list] = items.map((item) => ordered(item as Record<string, unknown>, order));
  }
  const runtimes = card.runtimes as Record<string, unknown> | undefined;
  if (runtimes && typeof kind === 'string') {
    for (const other of Object.keys(runtimes)) if (other !== kind) delete runtimes[other];
  }
  return prune(card) as unknown as ModelCard;
}

/** Drops objects left empty when optional answers were skipped (links: {}). */
export function prune(value: Record<string, unknown>): Record<string, unknown> {
  for (const [key, v] of Object.entries(value)) {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      prune(v as Record<string, unknown>);
      if (Object.keys(v).length === 0) delete value[key];
    }
  }
  return value;
}

function ordered(item: Record<string, unknown>, first: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of first) if (key in item) out[key] = item[key];
  return Object.assign(out, item);
}
