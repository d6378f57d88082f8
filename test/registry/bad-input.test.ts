// The bad-input table: broken or hostile cards each give one clear message and an exit code,
// never a crash or a stack trace.
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';

const GOOD = await readFile(new URL('./fixtures/good_model.md', import.meta.url), 'utf8');
const swap = (from: string | RegExp, to: string) => (t: string) => {
  const out = t.replace(from, to);
  if (out === t) throw new Error(`fixture does not contain ${from}`);
  return out;
};

interface Case {
  name: string;
  text: string | ((good: string) => string);
  file?: string;
  code: number;
  expect: RegExp[];
}

const cases: Case[] = [
  {
    name: 'invalid YAML',
    text: swap('tags: [ct, lung]', 'tags: [ct, lung'),
    code: 1,
    expect: [/good_model\.md:\d+:\d+ invalid YAML/],
  },
  {
    name: 'wrong type (number for version)',
    text: swap('version: 1.2.0', 'version: 1.2'),
    code: 1,
    expect: [/version: must be a string, found number 1\.2/, /Fix: .*quote/],
  },
  {
    name: 'unknown terminology id',
    text: swap('LEFT_LUNG,', 'LEFT_LUNGG,'),
    code: 1,
    expect: [
      /:18:\d+ outputs\[0\]\.segments\[1\]: unknown terminology id 'LEFT_LUNGG'/,
      /did you mean 'LEFT_LUNG'/,
    ],
  },
  {
    name: 'unknown part of a compound id',
    text: swap('LIVER+NEOPLASM_MALIGNANT_PRIMARY', 'LIVER+TUMOUR'),
    code: 1,
    expect: [/unknown terminology id 'TUMOUR'/],
  },
  {
    name: '../x in name',
    text: swap('name: good_model', 'name: ../x'),
    code: 1,
    expect: [/name: '\.\.\/x' is not in the expected form/, /lowercase letters, digits and _/],
  },
  {
    name: 'uppercase in name',
    text: swap('name: good_model', 'name: Good_Model'),
    code: 1,
    expect: [/name: 'Good_Model' is not in the expected form/],
  },
  {
    name: 'name does not match the file',
    text: GOOD,
    file: 'other_model.md',
    code: 1,
    expect: [/name 'good_model' does not match the file name 'other_model\.md'/],
  },
  {
    name: 'megabyte-long file',
    text: swap('Research only.', 'x'.repeat(1024 * 1024)),
    code: 1,
    expect: [/card is 1\d{3} KiB, over the 256 KiB limit/],
  },
  {
    name: 'over-long field',
    text: swap(/description: .*/, `description: ${'y'.repeat(30000)}`),
    code: 1,
    expect: [/description: is 30000 characters long, over the limit of 20000/],
  },
  {
    name: '<script> in text',
    text: swap('title: Good Model', 'title: Good <script>alert(1)</script>'),
    code: 1,
    expect: [/title: contains active HTML \(<script\)/],
  },
  {
    name: '<script> in the body',
    text: swap('Research only.', 'Research <script src=x></script> only.'),
    code: 1,
    expect: [/the Markdown body contains active HTML/],
  },
  {
    name: 'control character',
    text: swap('title: Good Model', 'title: "Good\\u0007Model"'),
    code: 1,
    expect: [/title: contains the control character U\+0007/],
  },
  {
    name: 'byte-order mark (accepted with a warning)',
    text: (t) => `\uFEFF${t}`,
    code: 0,
    expect: [/warning: file starts with a byte-order mark/, /1 card valid, 0 errors/],
  },
  {
    name: 'CRLF line ends (accepted)',
    text: (t) => t.replace(/\n/g, '\r\n'),
    code: 0,
    expect: [/1 card valid, 0 errors/],
  },
  { name: 'empty file', text: '', code: 1, expect: [/good_model\.md file is empty/] },
  {
    name: 'no front matter',
    text: '# Just Markdown\n',
    code: 1,
    expect: [/good_model\.md:1:1 file does not start with front matter/],
  },
  {
    name: 'front matter never closed',
    text: (t) => t.replace(/\n---\n\n## Intended use[\s\S]*/, '\n'),
    code: 1,
    expect: [/front matter is never closed/],
  },
  {
    name: 'front matter is a list',
    text: '---\n- a\n- b\n---\n',
    code: 1,
    expect: [/front matter is not a mapping of fields/],
  },
  {
    name: 'unknown field',
    text: swap('license:', 'licence:'),
    code: 1,
    expect: [
      /licence: unknown field 'licence'\. Fix: did you mean 'license'/,
      /missing required field 'license'/,
    ],
  },
  {
    name: 'wrong SPDX id',
    text: swap('code: Apache-2.0', 'code: Apache-2'),
    code: 1,
    expect: [/license\.code: 'Apache-2' is not an SPDX licence id/],
  },
  {
    name: 'SPDX id in the wrong case',
    text: swap('code: Apache-2.0', 'code: apache-2.0'),
    code: 1,
    expect: [/Fix: write 'Apache-2\.0'/],
  },
  {
    name: 'digest of the wrong length',
    text: swap(/digest: sha256:[0-9a-f]+/, 'digest: sha256:1234'),
    code: 1,
    expect: [
      /runtimes\.docker\.digest: 'sha256:1234' has 4 hex digits after sha256:, not 64\. Fix: pin the image by its digest/,
    ],
  },
  {
    name: 'digest with the tag left in',
    text: swap(/digest: (sha256:[0-9a-f]+)/, 'digest: "ghcr.io/example/good-model:1.2.0@$1"'),
    code: 1,
    expect: [
      /digest: '.*' holds an image reference: give only the digest, sha256:<64 hex>, and put the tag in tag:/,
    ],
  },
  {
    name: 'digest without sha256:',
    text: swap(/digest: sha256:([0-9a-f]+)/, 'digest: "$1"'),
    code: 1,
    expect: [/runtimes\.docker\.digest: '0123456789abcdef.*' lacks the 'sha256:' prefix/],
  },
  {
    name: 'digest in uppercase hex',
    text: (t) =>
      t.replace(/digest: sha256:([0-9a-f]+)/, (_m, hex: string) => `digest: sha256:${hex.toUpperCase()}`),
    code: 1,
    expect: [
      /runtimes\.docker\.digest: 'sha256:0123456789ABCDEF.*' has uppercase hex digits: write them in lowercase/,
    ],
  },
  {
    name: 'uppercase in the image name',
    text: swap('image: ghcr.io/example/good-model', 'image: ghcr.io/Example/Good-Model'),
    code: 1,
    expect: [
      /runtimes\.docker\.image: 'ghcr\.io\/Example\/Good-Model' has uppercase letters: Docker repository names are lowercase\. Fix: write 'ghcr\.io\/example\/good-model'/,
    ],
  },
  {
    name: 'a character Docker refuses in the image name',
    text: swap('image: ghcr.io/example/good-model', 'image: ghcr.io/example/good+model'),
    code: 1,
    expect: [
      /runtimes\.docker\.image: 'ghcr\.io\/example\/good\+model' contains '\+', which Docker does not allow/,
    ],
  },
  {
    name: 'an empty path part in the image name',
    text: swap('image: ghcr.io/example/good-model', 'image: ghcr.io/example//good-model'),
    code: 1,
    expect: [/runtimes\.docker\.image: .* a path part is empty or starts or ends with/],
  },
  {
    name: 'deprecated SPDX id',
    text: swap('code: Apache-2.0', 'code: GPL-3.0'),
    code: 1,
    expect: [
      /license\.code: 'GPL-3\.0' is a deprecated SPDX licence id\. Fix: write 'GPL-3\.0-only' or 'GPL-3\.0-or-later', whichever the licence grants/,
    ],
  },
  {
    name: 'deprecated SPDX id with +',
    text: swap('code: Apache-2.0', 'code: GPL-2.0+'),
    code: 1,
    expect: [/license\.code: 'GPL-2\.0\+' is a deprecated SPDX licence id\. Fix: write 'GPL-2\.0-or-later'/],
  },
  {
    name: 'licence written as a name, read as the importer does',
    text: swap('weights: CC-BY-NC-4.0', 'weights: CC BY 4.0'),
    code: 1,
    expect: [/license\.weights: 'CC BY 4\.0' is not an SPDX licence id\. Fix: write 'CC-BY-4\.0'/],
  },
  {
    name: 'template text left in the body (a warning)',
    text: swap('Research only.', 'What the model is for: task, images, population, clinical setting.'),
    code: 0,
    expect: [
      /warning: the Markdown body still holds the template text of '## Intended Use'/,
      /1 card valid, 0 errors/,
    ],
  },
  {
    name: 'authors joined by commas in one entry (a warning)',
    text: swap('tags: [ct, lung]', 'tags: [ct, lung]\nauthors: ["Doe J, Roe R, Smith A"]'),
    code: 0,
    expect: [/:9:\d+ warning: authors\[0\]: 'Doe J, Roe R, Smith A' looks like several authors in one entry/],
  },
  {
    name: 'version written as v1.0 (a warning)',
    text: swap('version: 1.2.0', 'version: v1.2.0'),
    code: 0,
    expect: [/warning: version: version 'v1\.2\.0' starts with 'v'\. Fix: write '1\.2\.0'/],
  },
  {
    name: 'duplicate YAML key',
    text: swap('version: 1.2.0', 'version: 1.2.0\nversion: 1.3.0'),
    code: 1,
    expect: [/invalid YAML: Map keys must be unique/],
  },
  {
    name: 'impossible calendar date',
    text: swap('code: 2024-02-29', 'code: 2023-02-29'),
    code: 1,
    expect: [/dates\.code: '2023-02-29' is not a calendar date/],
  },
  {
    name: 'non-ISO date',
    text: swap('code: 2024-02-29', 'code: 29/02/2024'),
    code: 1,
    expect: [/dates\.code: '29\/02\/2024' is not in the expected form\. Fix: write an ISO date/],
  },
  {
    name: 'missing required field',
    text: swap(/license:\n {2}code: Apache-2.0\n {2}weights: CC-BY-NC-4.0\n/, ''),
    code: 1,
    expect: [/missing required field 'license'/],
  },
  {
    name: 'no runtime',
    text: swap(/runtimes:\n[\s\S]*?(?=---)/, 'runtimes: {}\n'),
    code: 1,
    expect: [/runtimes: must not be empty/],
  },
  {
    name: 'unknown output type',
    text: swap('type: prediction', 'type: mask'),
    code: 1,
    expect: [/outputs\[1\]: output type 'mask' is not known/],
  },
  {
    name: 'empty segment list',
    text: swap(/segments: \[.*\]/, 'segments: []'),
    code: 1,
    expect: [/outputs\[0\]\.segments: must not be empty/],
  },
  {
    name: 'tag inside the image name',
    text: swap('image: ghcr.io/example/good-model', 'image: ghcr.io/example/good-model:latest'),
    code: 1,
    expect: [/put the tag in tag:/],
  },
  {
    name: 'duplicate input ids',
    text: swap(/inputs:\n/, 'inputs:\n  - { id: ct, label: Other, modality: [CT], format: nifti }\n'),
    code: 1,
    expect: [/inputs\[1\]\.id: input id 'ct' is used twice/],
  },
  {
    name: 'URL without scheme',
    text: swap('code: https://github.com/example/good', 'code: github.com/example/good'),
    code: 1,
    expect: [/links\.code: .* Fix: give a full http\(s\):\/\/ address/],
  },
  {
    name: 'javascript: URL',
    text: swap('code: https://github.com/example/good', 'code: "javascript:alert(1)"'),
    code: 1,
    expect: [/links\.code: /],
  },
  {
    name: 'wrong container type',
    text: swap('tags: [ct, lung]', 'tags: ct'),
    code: 1,
    expect: [/tags: must be a list, found 'ct'/],
  },
  {
    name: 'YAML alias bomb',
    text: swap(
      'tags: [ct, lung]',
      `tags: &a [ct, lung]\nx1: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nx2: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nx3: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]`,
    ),
    code: 1,
    expect: [/good_model\.md/],
  },
  {
    name: 'venv requirement without hash',
    text: swap(
      'runtimes:\n',
      'runtimes:\n  venv:\n    python: ">=3.10"\n    requirements: ["numpy==2.1.0"]\n    entrypoint: good.run\n    interface: files\n',
    ),
    code: 1,
    expect: [/runtimes\.venv\.requirements\[0\]: 'numpy==2\.1\.0' is not pinned with a hash/],
  },
  {
    name: 'binary garbage',
    text: '\u0000\u0001\u0002PNG\u0000',
    code: 1,
    expect: [/does not start with front matter/],
  },
];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mhub-bad-'));
});

describe('bad input table', () => {
  it('has at least 25 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  it.each(cases)('$name', async ({ name, text, file, code, expect: patterns }) => {
    const caseDir = path.join(dir, name.replace(/[^a-z0-9]+/gi, '_'));
    await mkdir(caseDir, { recursive: true });
    const target = path.join(caseDir, file ?? 'good_model.md');
    await writeFile(target, typeof text === 'string' ? text : text(GOOD));
    const result = await runCli(['registry', 'validate', target]);
    const output = `${result.out}\n${result.err}`;
    expect(result.code).toBe(code);
    for (const pattern of patterns) expect(output).toMatch(pattern);
    expect(output).not.toMatch(/\n\s+at .*:\d+:\d+\)?\n|unexpected error/);
  });

  it('reports duplicate names and ids across folders', async () => {
    const a = path.join(dir, 'dup-a');
    const b = path.join(dir, 'dup-b');
    await mkdir(a, { recursive: true });
    await mkdir(b, { recursive: true });
    await writeFile(path.join(a, 'good_model.md'), GOOD);
    await writeFile(path.join(b, 'good_model.md'), GOOD);
    const result = await runCli(['registry', 'validate', a, b]);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/name: name 'good_model' is already used by .*dup-a/);
    expect(result.err).toMatch(/id: id '3fa85f64-5717-4562-b3fc-2c963f66afa6' is already used by/);
  });

  it('refuses names and ids that differ only in case (one folder on case-insensitive file systems)', async () => {
    const a = path.join(dir, 'case-a');
    const b = path.join(dir, 'case-b');
    await mkdir(a, { recursive: true });
    await mkdir(b, { recursive: true });
    await writeFile(path.join(a, 'good_model.md'), GOOD);
    // The same model under an upper-case id: a UUID in other letters.
    const other = swap(
      '3fa85f64-5717-4562-b3fc-2c963f66afa6',
      '3FA85F64-5717-4562-B3FC-2C963F66AFA6',
    )(GOOD.replace(/name: good_model/, 'name: good_model_2'));
    await writeFile(path.join(b, 'good_model_2.md'), other);
    const ids = await runCli(['registry', 'validate', a, b]);
    expect(ids.code).toBe(1);
    expect(ids.err).toMatch(/id: id '3FA85F64-5717-4562-B3FC-2C963F66AFA6' is already used by .*case-a/);
    // A name in capitals (Good_Model.md beside good_model.md) is refused before it can clash.
    await writeFile(path.join(b, 'Good_Model.md'), swap('name: good_model', 'name: Good_Model')(GOOD));
    const names = await runCli(['registry', 'validate', a, path.join(b, 'Good_Model.md')]);
    expect(names.code).toBe(1);
    expect(names.err).toMatch(/name: 'Good_Model' is not in the expected form/);
  });

  it('names a missing path with exit code 3', async () => {
    const result = await runCli(['registry', 'validate', path.join(dir, 'nope')]);
    expect(result.code).toBe(3);
    expect(result.err).toMatch(/nope does not exist\n\s+Fix: give a card file or a folder of cards/);
  });

  it('reports every error of a card in one pass, with --json for bots', async () => {
    const target = path.join(dir, 'many', 'good_model.md');
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(
      target,
      GOOD.replace('status: submitted', 'status: draft').replace('bodyPart: CHEST', 'bodyPart: chest'),
    );
    const result = await runCli(['registry', 'validate', '--json', target]);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.out);
    expect(report.ok).toBe(false);
    expect(report.diagnostics.map((d: { path: string }) => d.path).sort()).toEqual([
      'inputs[0].bodyPart',
      'status',
    ]);
    expect(report.diagnostics[0]).toMatchObject({ severity: 'error', file: target });
    expect(report.diagnostics.every((d: { line: number }) => d.line > 1)).toBe(true);
  });
});
