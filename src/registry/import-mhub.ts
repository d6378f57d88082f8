// Converts an MHub.ai meta.json (schema: MHubAI/models meta.schema.json) into a model card.
import { MhubError } from '../errors.ts';
import { normaliseBodyPart, normaliseDate, normaliseLicence, normaliseModalities } from './normalise.ts';
import type { Terminology } from './terminology.ts';
import type { CardDate, Input, ModelCard, Output } from './types.gen.ts';

/** MHub's meta.json, as far as the importer reads it. */
export interface MhubMeta {
  id: string;
  name: string;
  title: string;
  summary: {
    description: string;
    inputs: MhubInput[];
    outputs: { type: string; label?: string; description?: string; classes?: string[]; valueType?: string }[];
    model?: { architecture?: string; training?: string; cmpapproach?: string };
    data?: {
      training?: { vol_samples?: number };
      evaluation?: { vol_samples?: number };
      public?: boolean;
      external?: boolean;
    };
  };
  details: {
    name?: string;
    version?: string;
    devteam?: string;
    authors?: string[];
    type?: string;
    date?: { code?: string; weights?: string; pub?: string };
    cite?: string;
    license?: { code?: string; weights?: string };
    publications?: { title: string; uri: string }[];
    github?: string;
    zenodo?: string;
    colab?: string;
  };
  info?: Record<string, MhubInfo | undefined>;
}

interface MhubInput {
  label: string;
  description?: string;
  format: string;
  modality: string;
  bodypartexamined?: string;
  slicethickness?: string;
  'non-contrast'?: boolean;
  contrast?: boolean;
}

interface MhubInfo {
  title: string;
  text: string;
  references?: { label: string; uri: string }[];
  tables?: { label: string; entries: Record<string, string> }[];
}

/** MHub workflows of one model (../shared/reference/mhub/workflows.json shape). */
export interface MhubWorkflows {
  workflows?: {
    workflow: string;
    description?: string;
    organizer_targets?: string[];
    /** Input path in the sample -> the IDC series it comes from. */
    sample_idc?: Record<string, { SeriesInstanceUID?: string }> | null;
  }[];
  test_zip?: string | null;
}

export interface ImportOptions {
  terminology: Terminology;
  workflows?: MhubWorkflows;
  upstream?: { ref?: string; path?: string };
  /** Name of the file being imported, for messages. */
  file?: string;
  /** Keep class ids the terminology lacks (with a warning) instead of failing: the wizard maps them. */
  keepUnknownClasses?: boolean;
}

export interface ImportResult {
  card: ModelCard;
  body: string;
  warnings: string[];
}

const FORMATS: Record<string, Input['format']> = {
  DICOM: 'dicom',
  NIFTI: 'nifti',
  NRRD: 'nrrd',
  DICOMSEG: 'dicomseg',
  SEG: 'dicomseg',
};
const VALUE_TYPES: [
  RegExp,
  'number' | 'probability' | 'likelihood' | 'map' | 'features' | 'json' | 'image',
][] = [
  [/map|heatmap/i, 'map'],
  [/segmentation|mask|image/i, 'image'],
  [/feature/i, 'features'],
  [/json/i, 'json'],
  [/likelihood/i, 'likelihood'],
  [/probab/i, 'probability'],
  [/number|score|float|int/i, 'number'],
];
const SECTION_ORDER = ['use', 'analyses', 'evaluation', 'training', 'ethics', 'limitations'];

/** A short lowercase id from free text: 'Probability of COVID-19' -> probability_of_covid_19. */
export function slug(text: string, fallback: string): string {
  const s = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^[^a-z]+|_+$/g, '')
    .slice(0, 40)
    .replace(/_+$/, '');
  return s || fallback;
}

function unique(id: string, taken: Set<string>): string {
  let candidate = id;
  for (let n = 2; taken.has(candidate); n++) candidate = `${id.slice(0, 37)}_${n}`;
  taken.add(candidate);
  return candidate;
}

function inputId(input: MhubInput, modalities: string[]): string {
  const text = `${input.label} ${input.description ?? ''}`;
  if (/\bADC\b|apparent diffusion/i.test(text)) return 'adc';
  if (/\bDWI\b|diffusion/i.test(text)) return 'dwi';
  if (/\bT2\b|T2-weighted/i.test(text)) return 't2';
  if (/\bT1\b|T1-weighted/i.test(text)) return 't1';
  const first = modalities[0] ?? 'image';
  return { PT: 'pet', SEG: 'seg', SM: 'wsi' }[first] ?? first.toLowerCase();
}

function markdownSection(info: MhubInfo): string {
  const parts = [`## ${info.title.trim()}`, info.text.trim()];
  for (const table of info.tables ?? []) {
    const rows = Object.entries(table.entries).map(([k, v]) => `| ${cell(k)} | ${cell(v)} |`);
    parts.push(`**${table.label.trim()}**\n\n| | |\n|---|---|\n${rows.join('\n')}`);
  }
  if (info.references?.length) {
    parts.push(info.references.map((r, i) => `${i + 1}. [${r.label.trim()}](${r.uri.trim()})`).join('\n'));
  }
  return parts.join('\n\n');
}

const cell = (s: string) => s.trim().replace(/\|/g, '\\|').replace(/\n/g, ' ');

function check(condition: unknown, file: string, field: string, fix: string): asserts condition {
  if (!condition) throw new MhubError('INVALID_INPUT', `${file}: ${field} is missing or malformed`, fix);
}

export function importMhubMeta(meta: MhubMeta, options: ImportOptions): ImportResult {
  const file = options.file ?? 'meta.json';
  const warnings: string[] = [];
  const warn = (field: string, message: string) => warnings.push(`${file}: ${field}: ${message}`);
  check(meta && typeof meta === 'object', file, 'the file', 'give an MHub meta.json');
  check(
    typeof meta.name === 'string' && /^[a-z0-9_]+$/.test(meta.name),
    file,
    'name',
    'use lowercase letters, digits and _',
  );
  check(meta.summary && Array.isArray(meta.summary.inputs), file, 'summary.inputs', 'list the inputs');
  check(Array.isArray(meta.summary.outputs), file, 'summary.outputs', 'list the outputs');
  check(meta.details && typeof meta.details === 'object', file, 'details', 'add the details section');

  const inputIds = new Set<string>();
  const inputs = meta.summary.inputs.map((input, i): Input => {
    const at = `summary.inputs[${i}]`;
    const { modalities, unknown } = normaliseModalities(String(input.modality ?? ''));
    if (unknown.length || modalities.length === 0) {
      throw new MhubError(
        'INVALID_INPUT',
        `${file}: ${at}.modality '${input.modality}' is not a DICOM modality`,
        'use CT, MR, PT, CR, SM, SEG, ...',
      );
    }
    const format =
      FORMATS[
        String(input.format)
          .toUpperCase()
          .replace(/[^A-Z]/g, '')
      ];
    if (!format)
      throw new MhubError(
        'INVALID_INPUT',
        `${file}: ${at}.format '${input.format}' is not known`,
        'use DICOM, NIFTI, NRRD or DICOMSEG',
      );
    const bodyPart = normaliseBodyPart(input.bodypartexamined ?? '');
    const thickness = (input.slicethickness ?? '').trim();
    const contrast =
      input.contrast && input['non-contrast']
        ? 'any'
        : input.contrast
          ? 'with'
          : input['non-contrast']
            ? 'without'
            : undefined;
    return {
      id: unique(inputId(input, modalities), inputIds),
      label: input.label.trim(),
      ...(input.description?.trim() ? { description: input.description.trim() } : {}),
      modality: modalities as Input['modality'],
      format,
      ...(bodyPart ? { bodyPart } : {}),
      ...(thickness && !/^n\/?a$/i.test(thickness)
        ? { sliceThickness: thickness.replace(/(\d)\s*mm$/i, '$1 mm') }
        : {}),
      ...(contrast ? { contrast } : {}),
    };
  });

  const outputIds = new Set<string>();
  const outputs = meta.summary.outputs.map((output, i): Output => {
    const at = `summary.outputs[${i}]`;
    const text = {
      ...(output.label?.trim() ? { label: output.label.trim() } : {}),
      ...(output.description?.trim() ? { description: output.description.trim() } : {}),
    };
    const kind = String(output.type).toLowerCase();
    if (kind === 'segmentation') {
      const classes = [...(output.classes ?? [])];
      if (classes[0] === 'BACKGROUND') {
        classes.shift();
        warn(`${at}.classes`, 'BACKGROUND is label 0, not a segment; dropped');
      }
      if (classes.length === 0)
        throw new MhubError(
          'INVALID_INPUT',
          `${file}: ${at}.classes is empty`,
          'list the segmented classes in label order',
        );
      classes.forEach((id, k) => {
        if (!options.terminology.resolve(id)) {
          const { part, suggestion } = options.terminology.explainUnknown(id);
          const known = suggestion ? options.terminology.resolve(suggestion) : undefined;
          const maybe = known
            ? `${suggestion} (${known.name}, ${known.type.scheme} ${known.type.value})`
            : '';
          if (options.keepUnknownClasses) {
            warn(
              `${at}.classes[${k}]`,
              `'${part}' is not in the terminology${maybe ? `; it may be ${maybe}` : ''}: map it to a terminology id`,
            );
            return;
          }
          throw new MhubError(
            'INVALID_INPUT',
            `${file}: ${at}.classes[${k}]: '${part}' is not in the terminology`,
            `${maybe ? `if it means ${maybe}, use that id (\`mhub registry new --from-mhub\` maps it for you); otherwise ` : ''}add '${part}' with its SNOMED CT codes to registry/terminology/registry-extensions.json (see CONTRIBUTING.md)`,
          );
        }
      });
      return {
        id: unique('segmentation', outputIds),
        type: 'segmentation',
        ...text,
        segments: classes as [string, ...string[]],
      };
    }
    if (kind === 'classification') {
      return {
        id: unique(slug(output.label ?? '', 'classification'), outputIds),
        type: 'classification',
        ...text,
        classes: (output.classes ?? []) as [string, string, ...string[]],
      };
    }
    if (kind === 'prediction') {
      const raw = output.valueType ?? '';
      let valueType = VALUE_TYPES.find(([re]) => re.test(raw))?.[1];
      if (!valueType) {
        valueType = 'json';
        warn(`${at}.valueType`, `'${raw}' is not a known value type; recorded as json`);
      }
      return {
        id: unique(slug(output.label ?? '', 'prediction'), outputIds),
        type: 'prediction',
        ...text,
        valueType,
      };
    }
    throw new MhubError(
      'INVALID_INPUT',
      `${file}: ${at}.type '${output.type}' is not known`,
      'use Segmentation, Prediction or Classification',
    );
  });

  const d = meta.details;
  const dates: NonNullable<ModelCard['dates']> = {};
  for (const [from, to] of [
    ['code', 'code'],
    ['weights', 'weights'],
    ['pub', 'publication'],
  ] as const) {
    const raw = d.date?.[from];
    if (raw === undefined) continue;
    const result = normaliseDate(String(raw));
    if ('iso' in result) dates[to] = result.iso;
    else if ('text' in result) {
      dates[to] = { text: result.text } as CardDate;
      warn(`details.date.${from}`, `'${result.text}' kept as text (${result.note})`);
    }
  }
  const licence = (which: 'code' | 'weights') => {
    const { id, note } = normaliseLicence(String(d.license?.[which] ?? ''));
    if (note) warn(`details.license.${which}`, `${note}; recorded as ${id}`);
    return id;
  };

  const m = meta.summary.model ?? {};
  const training = [
    'supervised',
    'semi-supervised',
    'self-supervised',
    'unsupervised',
    'algorithmic',
    'other',
  ].find((t) => t === m.training);
  const approach = ['2D', '2.5D', '3D', 'ensemble'].find((a) => a === m.cmpapproach);
  const count = (c?: { vol_samples?: number }) =>
    typeof c?.vol_samples === 'number' ? { volumes: c.vol_samples } : undefined;
  const data = meta.summary.data;
  const links = {
    ...(d.github ? { code: d.github.trim() } : {}),
    ...(d.zenodo ? { zenodo: d.zenodo.trim() } : {}),
    ...(d.colab ? { colab: d.colab.trim() } : {}),
    ...(options.workflows?.test_zip ? { testData: options.workflows.test_zip } : {}),
  };
  const workflows = (options.workflows?.workflows ?? []).map((w) => ({
    name: w.workflow,
    ...(w.description?.trim() ? { description: w.description.trim() } : {}),
    ...(w.organizer_targets?.length ? { outputs: w.organizer_targets } : {}),
  }));
  const samples: NonNullable<ModelCard['sampleData']> = [];
  for (const w of options.workflows?.workflows ?? []) {
    for (const [where, series] of Object.entries(w.sample_idc ?? {})) {
      const uid = series?.SeriesInstanceUID;
      if (!uid || samples.some((s) => s.idcSeriesInstanceUid === uid)) continue;
      samples.push({
        description: `IDC sample series (${where}) for the ${w.workflow} workflow`,
        idcSeriesInstanceUid: uid,
      });
    }
  }
  const authors = (d.authors ?? []).map((a) => a.trim()).filter(Boolean);

  const card: ModelCard = {
    name: meta.name,
    ...(meta.id ? { id: meta.id } : {}),
    title: meta.title.trim(),
    version: d.version?.trim() || '1.0.0',
    status: 'published',
    description: meta.summary.description.trim(),
    inputs: inputs as ModelCard['inputs'],
    outputs: outputs as ModelCard['outputs'],
    model: {
      ...(m.architecture?.trim() ? { architecture: m.architecture.trim().slice(0, 500) } : {}),
      ...(d.type?.trim() ? { type: d.type.trim() } : {}),
      ...(training ? { training: training as NonNullable<ModelCard['model']>['training'] } : {}),
      ...(approach ? { approach: approach as NonNullable<ModelCard['model']>['approach'] } : {}),
    },
    data: {
      ...(count(data?.training) ? { training: count(data?.training) } : {}),
      ...(count(data?.evaluation) ? { evaluation: count(data?.evaluation) } : {}),
      ...(typeof data?.public === 'boolean' ? { public: data.public } : {}),
      ...(typeof data?.external === 'boolean' ? { external: data.external } : {}),
    },
    ...(authors.length ? { authors } : {}),
    ...(d.devteam?.trim() ? { team: d.devteam.trim() } : {}),
    ...(Object.keys(dates).length ? { dates } : {}),
    ...(d.cite?.trim() ? { cite: d.cite.trim() } : {}),
    license: { code: licence('code'), weights: licence('weights') },
    ...(d.publications?.length
      ? { publications: d.publications.map((p) => ({ title: p.title.trim(), url: p.uri.trim() })) }
      : {}),
    ...(Object.keys(links).length ? { links } : {}),
    // meta.json says nothing about hardware; MHub images run on CPU and use a GPU when present.
    requirements: { gpu: 'unknown' },
    runtimes: {
      docker: {
        image: `mhubai/${meta.name}`,
        tag: 'latest',
        interface: 'mhub',
        ...(workflows.length ? { workflows } : { workflows: [{ name: 'default' }] }),
      },
    },
    ...(samples.length ? { sampleData: samples } : {}),
    upstream: {
      source: 'mhub',
      ...(options.upstream?.ref ? { ref: options.upstream.ref } : {}),
      ...(options.upstream?.path ? { path: options.upstream.path } : {}),
    },
  };
  if (!workflows.length)
    warn('workflows', 'no workflow list given; assumed the image has a default workflow');

  const info = meta.info ?? {};
  const keys = [
    ...SECTION_ORDER.filter((k) => info[k]),
    ...Object.keys(info).filter((k) => !SECTION_ORDER.includes(k)),
  ];
  const body = keys.map((k) => markdownSection(info[k]!)).join('\n\n');
  return { card, body, warnings };
}
