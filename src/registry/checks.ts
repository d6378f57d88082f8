// Cross-checks beyond the JSON Schema: things a schema cannot say (references into the
// terminology, real calendar dates, licence ids, image reference syntax, hostile text).
import path from 'node:path';
import spdxIds from 'spdx-license-ids' with { type: 'json' };
import deprecatedSpdxIds from 'spdx-license-ids/deprecated.json' with { type: 'json' };
import { BODY_TEMPLATE } from './card-writer.ts';
import type { Diagnostic, Severity } from './diagnostics.ts';
import { formatPath } from './diagnostics.ts';
import { normaliseLicence } from './normalise.ts';
import { modelSourceProblem } from './paths.ts';
import type { Terminology } from './terminology.ts';
import type { ModelCard } from './types.gen.ts';

type Report = (
  path: (string | number)[],
  message: string,
  hint: string,
  key?: boolean,
  severity?: Severity,
) => void;

const spdx = new Set<string>(spdxIds as string[]);
const deprecatedSpdx = new Set<string>(deprecatedSpdxIds as string[]);
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

/** Why Docker would refuse `image` as a repository name, with the fix; undefined when it is valid. */
export function imageNameProblem(image: string): { message: string; hint: string } | undefined {
  if (isImageName(image)) return undefined;
  const host = /^[^/]*[.:][^/]*\//.exec(image)?.[0] ?? /^localhost\//.exec(image)?.[0] ?? '';
  const path = image.slice(host.length);
  if (/[:@]/.test(path))
    return {
      message: `'${image}' holds a tag or digest`,
      hint: 'put the tag in tag: and the digest in digest:, and keep image: to the repository name',
    };
  if (image.length > 255)
    return {
      message: `'${image.slice(0, 40)}...' is ${image.length} characters long`,
      hint: 'Docker allows 255',
    };
  if (/[A-Z]/.test(path))
    return {
      message: `'${image}' has uppercase letters: Docker repository names are lowercase`,
      hint: `write '${host}${path.toLowerCase()}'`,
    };
  const bad = /[^a-z0-9._\-/]/.exec(path)?.[0];
  if (bad !== undefined)
    return {
      message: `'${image}' contains '${bad}', which Docker does not allow in a repository name`,
      hint: 'use lowercase letters, digits, and . _ - between them, with / between path parts, e.g. mhubai/lungmask',
    };
  return {
    message: `'${image}' is not a valid repository name: a path part is empty or starts or ends with . _ or -`,
    hint: 'separators go between letters or digits, e.g. mhubai/lung-mask',
  };
}

/** Why `id` is not an SPDX licence id a card can carry, with the id to write where one is clear. */
export function licenceProblem(id: string): { message: string; hint: string } | undefined {
  if (isSpdxId(id)) return undefined;
  const plain = id.endsWith('+') ? id.slice(0, -1) : id;
  if (deprecatedSpdx.has(id) || (plain !== id && (spdx.has(plain) || deprecatedSpdx.has(plain)))) {
    // GPL-3.0 said neither "only" nor "or later": the SPDX list deprecated such ids.
    const base = plain.replace(/-only$|-or-later$/, '');
    const versioned = [`${base}-only`, `${base}-or-later`].filter((v) => spdx.has(v));
    return {
      message: `'${id}' is a deprecated SPDX licence id`,
      hint:
        versioned.length < 2
          ? 'use its current id from https://spdx.org/licenses/'
          : plain !== id
            ? `write '${versioned[1]}'`
            : `write '${versioned[0]}' or '${versioned[1]}', whichever the licence grants`,
    };
  }
  // The same reading of licence names as the MHub importer (`CC BY 4.0` is CC-BY-4.0).
  const normalised = normaliseLicence(id).id;
  return {
    message: `'${id}' is not an SPDX licence id`,
    hint:
      normalised !== 'NOASSERTION' && normalised !== id
        ? `write '${normalised}'`
        : 'use an id from https://spdx.org/licenses/, LicenseRef-<name>, NONE or NOASSERTION',
  };
}

/** Why `digest` is not a sha256 image digest, by cause; undefined when it is one. */
export function digestProblem(digest: string): string | undefined {
  if (/^sha256:[0-9a-f]{64}$/.test(digest)) return undefined;
  if (/[:@].*sha256:/.test(digest) || digest.includes('@'))
    return 'holds an image reference: give only the digest, sha256:<64 hex>, and put the tag in tag:';
  const [algorithm, hex] = digest.includes(':') ? digest.split(/:(.*)/s) : [undefined, digest];
  if (algorithm !== undefined && algorithm.toLowerCase() !== 'sha256')
    return `is a ${algorithm} digest: images are pinned by their sha256 digest`;
  if (algorithm === undefined && /^[0-9a-fA-F]{64}$/.test(digest)) return "lacks the 'sha256:' prefix";
  if (algorithm === 'SHA256') return "starts with 'SHA256:': write the prefix in lowercase, sha256:";
  if (/[^0-9a-fA-F]/.test(hex ?? '')) return 'holds characters that are not hex digits (0-9, a-f)';
  if (/[A-F]/.test(hex ?? '')) return 'has uppercase hex digits: write them in lowercase';
  return `has ${(hex ?? '').length} hex digits after sha256:, not 64`;
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
    const problem = licenceProblem(id);
    if (problem) report(['license', which], problem.message, problem.hint);
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
  const imageProblem = docker ? imageNameProblem(docker.image) : undefined;
  if (imageProblem) report(['runtimes', 'docker', 'image'], imageProblem.message, imageProblem.hint);

  checkHabits(card, body, report);

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

/** Valid but probably unintended: warnings, which do not fail validation. */
function checkHabits(card: ModelCard, body: string, report: Report) {
  const warn = (at: (string | number)[], message: string, hint: string) =>
    report(at, message, hint, false, 'warning');
  for (const [title, placeholder] of BODY_TEMPLATE) {
    if (body.includes(placeholder))
      warn(
        [],
        `the Markdown body still holds the template text of '## ${title}' ("${placeholder}")`,
        `replace it with what is true of this model, or remove the section`,
      );
  }
  card.authors?.forEach((author, i) => {
    if (/;| and |&/.test(author) || (author.match(/,/g)?.length ?? 0) >= 2)
      warn(
        ['authors', i],
        `'${author.slice(0, 60)}' looks like several authors in one entry`,
        'list each author as its own item (authors: [Doe, Jane; ...] is one name per list item)',
      );
  });
  if (/^[vV]\d/.test(card.version))
    warn(
      ['version'],
      `version '${card.version}' starts with '${card.version[0]}'`,
      `write '${card.version.slice(1)}': versions are compared as numbers (e.g. by the PR bot's version-bump rule)`,
    );
}

/** Builds a reporter that turns findings into diagnostics located in the card file. */
export function reporter(
  file: string,
  locate: (path: readonly (string | number)[], key?: boolean) => { line: number; column: number },
  out: Diagnostic[],
): Report {
  return (at, message, hint, key, severity = 'error') => {
    const { line, column } = locate(at, key);
    out.push({ severity, file, line, column, path: formatPath(at), message, hint });
  };
}
