// Cross-checks beyond the JSON Schema: things a schema cannot say (references into the
// terminology, real calendar dates, licence ids, image reference syntax, hostile text).
import path from 'node:path';
import spdxIds from 'spdx-license-ids' with { type: 'json' };
import { closest } from './closest.ts';
import type { Diagnostic } from './diagnostics.ts';
import { formatPath } from './diagnostics.ts';
import { modelSourceProblem } from './paths.ts';
import type { Terminology } from './terminology.ts';
import type { ModelCard } from './types.gen.ts';

type Report = (path: (string | number)[], message: string, hint: string, key?: boolean) => void;

const spdx = new Set<string>(spdxIds as string[]);
const spdxLower = new Map([...spdx].map((id) => [id.toLowerCase(), id]));

export function isSpdxId(id: string): boolean {
  return spdx.has(id) || id === 'NONE' || id === 'NOASSERTION' || /^LicenseRef-[A-Za-z0-9.-]+$/.test(id);
}

/** The canonical spelling of an SPDX id given in another case, if any. */
export function canonicalSpdx(id: string): string | undefined {
  return spdxLower.get(id.toLowerCase());
}

export function isCalendarDate(iso: string): boolean {
  const [y, m, d] = iso.split('-').map(Number);
  if (m === undefined || d === undefined) return true;
  const date = new Date(Date.UTC(y!, m - 1, d));
  return date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

// Docker reference grammar (distribution/reference): optional host[:port]/, then lowercase
// path components separated by /; tag and digest live in their own card fields.
const IMAGE_RE =
  /^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

export function isImageName(image: string): boolean {
  return image.length <= 255 && IMAGE_RE.test(image);
}

// C0 controls except tab and newline, DEL, and C1 controls: never meaningful in a card.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_RE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/;
const MARKUP_RE = /<\s*(script|iframe|object|embed|style)\b|javascript\s*:|\bon[a-z]+\s*=\s*["']/i;

export function checkText(value: string): string | undefined {
  if (CONTROL_RE.test(value)) {
    const code = value.match(CONTROL_RE)![0].charCodeAt(0);
    return `contains the control character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  if (MARKUP_RE.test(value)) return `contains active HTML (${value.match(MARKUP_RE)![0]})`;
  return undefined;
}

function walkStrings(
  value: unknown,
  at: (string | number)[],
  visit: (s: string, p: (string | number)[]) => void,
) {
  if (typeof value === 'string') visit(value, at);
  else if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) walkStrings(v, [...at, i], visit);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) walkStrings(v, [...at, k], visit);
  }
}

// One pinned requirement on one line: spaces and tabs only, so a newline cannot smuggle in a
// second (unpinned, URL) requirement that pip would read as its own line.
const REQUIREMENT_RE =
  /^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9,._-]+\])?==[^\s;]+([ \t]*;[^-\r\n\f\v\u0085\u2028\u2029]+)?([ \t]+--hash=sha256:[0-9a-f]{64})+$/;

/** A requirement line pip installs only with a matching hash (the card check and the venv builder). */
export function isPinnedRequirement(line: string): boolean {
  return REQUIREMENT_RE.test(line.replace(/^[ \t]+|[ \t]+$/g, ''));
}

export function checkCard(
  card: ModelCard,
  body: string,
  file: string,
  terminology: Terminology,
  report: Report,
) {
  const expected = path.basename(file).replace(/\.md$/, '');
  if (card.name !== expected) {
    report(
      ['name'],
      `name '${card.name}' does not match the file name '${path.basename(file)}'`,
      `rename the file to ${card.name}.md or set name: ${expected}`,
    );
  }

  walkStrings(card, [], (value, at) => {
    const problem = checkText(value);
    if (problem) report(at, problem, 'remove it: cards hold plain text and Markdown only');
  });
  const bodyProblem = checkText(body);
  if (bodyProblem)
    report([], `the Markdown body ${bodyProblem}`, 'remove it: cards hold plain text and Markdown only');

  const inputIds = new Set<string>();
  card.inputs.forEach((input, i) => {
    if (inputIds.has(input.id))
      report(['inputs', i, 'id'], `input id '${input.id}' is used twice`, 'give each input its own id');
    inputIds.add(input.id);
  });

  const outputIds = new Set<string>();
  card.outputs.forEach((output, i) => {
    if (outputIds.has(output.id))
      report(['outputs', i, 'id'], `output id '${output.id}' is used twice`, 'give each output its own id');
    outputIds.add(output.id);
    if (output.type !== 'segmentation') return;
    const seen = new Set<string>();
    output.segments.forEach((id, k) => {
      if (seen.has(id))
        report(
          ['outputs', i, 'segments', k],
          `segment '${id}' is listed twice`,
          'list each segment once, in label order',
        );
      seen.add(id);
      if (!terminology.resolve(id)) {
        const { part, suggestion } = terminology.explainUnknown(id);
        report(
          ['outputs', i, 'segments', k],
          `unknown terminology id '${part}'`,
          suggestion
            ? `did you mean '${suggestion}'? Otherwise add '${part}' with its SNOMED CT codes to registry/terminology/`
            : `add '${part}' with its SNOMED CT codes to registry/terminology/registry-extensions.json`,
        );
      }
    });
  });

  for (const which of ['code', 'weights'] as const) {
    const id = card.license[which];
    if (!isSpdxId(id)) {
      const canonical = canonicalSpdx(id);
      report(
        ['license', which],
        `'${id}' is not an SPDX licence id`,
        canonical
          ? `write '${canonical}'`
          : 'use an id from https://spdx.org/licenses/, LicenseRef-<name>, NONE or NOASSERTION',
      );
    }
  }

  for (const [which, value] of Object.entries(card.dates ?? {})) {
    if (typeof value === 'string' && !isCalendarDate(value)) {
      report(['dates', which], `'${value}' is not a calendar date`, 'check the day and month');
    }
  }
  for (const [kind, runtime] of Object.entries(card.runtimes)) {
    const date = runtime?.verified?.date;
    if (date && !isCalendarDate(date))
      report(
        ['runtimes', kind, 'verified', 'date'],
        `'${date}' is not a calendar date`,
        'check the day and month',
      );
  }

  const docker = card.runtimes.docker;
  if (docker && !isImageName(docker.image)) {
    const tagged = /[:@]/.test(docker.image.replace(/^[^/]*:[0-9]+\//, ''));
    report(
      ['runtimes', 'docker', 'image'],
      `'${docker.image}' is not a valid image name`,
      tagged
        ? 'put the tag in tag: and the digest in digest:, and keep image: to the repository name'
        : 'use lowercase letters, digits, ., _, - and /, e.g. mhubai/lungmask',
    );
  }

  const venv = card.runtimes.venv;
  venv?.requirements.forEach((line, i) => {
    if (/[\r\n\f\v\u0085\u2028\u2029]/.test(line)) {
      report(
        ['runtimes', 'venv', 'requirements', i],
        `'${JSON.stringify(line).slice(1, 61)}' holds a line break: pip would read a second requirement`,
        'give each requirement as its own list item, on one line',
      );
    } else if (!isPinnedRequirement(line)) {
      report(
        ['runtimes', 'venv', 'requirements', i],
        `'${line.slice(0, 60)}' is not pinned with a hash`,
        'write name==version --hash=sha256:<64 hex> (pip hash or pip-compile --generate-hashes)',
      );
    }
  });
  const source = venv?.source?.path;
  const sourceProblem = source === undefined ? undefined : modelSourceProblem(source);
  if (sourceProblem) {
    report(
      ['runtimes', 'venv', 'source', 'path'],
      `'${source}' ${sourceProblem}`,
      `give the model's own folder relative to the repository root, e.g. models/${card.name}`,
    );
  }
  checkTests(card, report);
  venv?.weights?.forEach((w, i) => {
    if (w.path.split(/[\\/]/).includes('..') || path.isAbsolute(w.path)) {
      report(
        ['runtimes', 'venv', 'weights', i, 'path'],
        `'${w.path}' leaves the weights folder`,
        'use a relative path without ..',
      );
    }
  });
}

/** A card's `tests` must point at its own outputs and workflows, and compare each output sensibly. */
function checkTests(card: ModelCard, report: Report) {
  const workflows = card.runtimes.docker?.workflows?.map((w) => w.name) ?? [];
  card.tests?.forEach((test, t) => {
    if (test.workflow !== undefined && workflows.length && !workflows.includes(test.workflow)) {
      const guess = closest(test.workflow, workflows);
      report(
        ['tests', t, 'workflow'],
        `workflow '${test.workflow}' is not one of runtimes.docker.workflows`,
        guess ? `did you mean '${guess}'?` : `use one of ${workflows.join(', ')}`,
      );
    }
    const seen = new Set<string>();
    test.reference.forEach((ref, r) => {
      const id = ref.output ?? card.outputs[0]?.id;
      const output = card.outputs.find((o) => o.id === id);
      if (!output) {
        report(
          ['tests', t, 'reference', r, 'output'],
          `output '${id}' is not one of the card's outputs`,
          `use one of ${card.outputs.map((o) => o.id).join(', ')}`,
        );
        return;
      }
      if (seen.has(output.id))
        report(
          ['tests', t, 'reference', r, 'output'],
          `output '${output.id}' has two references in one test`,
          'give each output one reference per test',
        );
      seen.add(output.id);
      if (ref.compare.dice && output.type !== 'segmentation')
        report(
          ['tests', t, 'reference', r, 'compare', 'dice'],
          `Dice compares segmentations, but output '${output.id}' is a ${output.type}`,
          'use tolerance: {} (numbers) or exact: true',
        );
    });
  });
}

/** Builds a reporter that turns findings into diagnostics located in the card file. */
export function reporter(
  file: string,
  locate: (path: readonly (string | number)[], key?: boolean) => { line: number; column: number },
  out: Diagnostic[],
): Report {
  return (at, message, hint, key) => {
    const { line, column } = locate(at, key);
    out.push({ severity: 'error', file, line, column, path: formatPath(at), message, hint });
  };
}
