// The wizard driven through a real pseudo-terminal (python3's pty module): the @clack/prompts
// screens, arrow-less typing, the fuzzy segment search and re-asking after a validator error.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { validateCards } from '../../src/registry/validate.ts';

/** A new card keeps the template text of the sections not written yet: warnings, nothing else. */
const withoutTemplateWarnings = (ds: { severity: string; message: string }[]) =>
  ds.filter((d) => !(d.severity === 'warning' && d.message.includes('still holds the template text')));

const run = promisify(execFile);
const DIGEST = `sha256:${'c'.repeat(64)}`;

// [text to wait for, keys to type]; \r is Enter, \x7f is Backspace.
const steps: [string, string][] = [
  ['Registry name', 'pty_model\r'],
  ['Title', 'PTY model\r'],
  ['description', 'Segments kidneys.\r'],
  ['Version', '\r'],
  ['Status', '\r'],
  ['Tags', '\r'],
  ['Input modality', '\r'],
  ['Input format', '\r'],
  ['Input id', '\r'],
  ['Input label', '\r'],
  ['Body part', '\r'],
  ['Contrast', '\r'],
  ['Output type', '\r'],
  ['Output id', '\r'],
  ['label 1', 'left kidney'],
  ['LEFT_KIDNEY  Left kidney', '\r'],
  // A SNOMED CT code finds the structure it codes.
  ['label 2', '64033007'],
  ['KIDNEY  Kidney', '\r'],
  ['label 3', '\r'],
  ['Authors', 'Doe, Jane; Roe, R.\r'],
  ['Team', '\r'],
  ['Licence of the code', 'MITT\r'],
  ["'MITT' is not an SPDX licence id", '\x7f\r'],
  ['Licence of the weights', 'CC-BY-4.0\r'],
  ['How to cite', '\r'],
  ['Code repository', '\r'],
  ['GPU', '\r'],
  ['Runtime', '\r'],
  ['Docker image repository', 'example/pty\r'],
  ['Docker image tag', '\r'],
  ['Image digest', `${DIGEST}\r`],
  ['Container interface', '\r'],
  ['MHub workflow', '\r'],
  ['SeriesInstanceUID', '\r'],
  ['Intended use', 'Research only.\r'],
];

/** Runs `mhub registry new ARGS --out DIR` in a pseudo-terminal through the steps; DIR defaults to a new one. */
async function wizard(script: [string, string][], args: string[] = [], outDir?: string) {
  const dir = await mkdtemp(path.join(tmpdir(), 'mhub-pty-'));
  const file = path.join(dir, 'script.json');
  await writeFile(file, JSON.stringify(script.map(([expect, send]) => ({ expect, send }))));
  const out = outDir ?? path.join(dir, 'cards');
  const cli = [process.execPath, 'bin/mhub.js', 'registry', 'new', ...args, '--out', out];
  const result = await run('python3', ['test/contrib/pty_drive.py', file, '--', ...cli], {
    env: { ...process.env, PTY_STEP_TIMEOUT: '20' },
    timeout: 120_000,
  }).then(
    ({ stdout }) => ({ stdout, code: 0 }),
    (error: { stdout?: string; code?: number; message: string }) => {
      // 97/98: the script and the screens disagreed (pty_drive's own codes), never a result.
      if (typeof error.code !== 'number' || error.code === 97 || error.code === 98)
        throw new Error(`${error.message}\n${error.stdout ?? ''}`);
      return { stdout: error.stdout ?? '', code: error.code };
    },
  );
  return { ...result, out };
}

it('runs the wizard in a terminal and writes a valid card', async () => {
  const { stdout, out, code } = await wizard(steps);
  expect(code).toBe(0);
  expect(stdout).toContain('Wrote');
  expect(await readdir(out)).toEqual(['pty_model.md']);
  const { cards, diagnostics } = await validateCards([out]);
  expect(withoutTemplateWarnings(diagnostics)).toEqual([]);
  expect(cards[0]!.card).toMatchObject({
    authors: ['Doe, Jane', 'Roe, R.'],
    license: { code: 'MIT', weights: 'CC-BY-4.0' },
    outputs: [{ segments: ['LEFT_KIDNEY', 'KIDNEY'] }],
    runtimes: { docker: { image: 'example/pty', digest: DIGEST } },
  });
});

it('starts from an MHub meta.json in a terminal, offering the imported values', async () => {
  const enter = (prompt: string): [string, string] => [prompt, '\r'];
  const script: [string, string][] = [
    ...[
      'Registry name',
      'Title',
      'description',
      'Version',
      'Status',
      'Tags',
      'Input modality',
      'Input format',
    ].map(enter),
    ...['Input id', 'Input label', 'Body part', 'Contrast', 'Output type', 'Output id'].map(enter),
    // The imported segments are offered as they are.
    ['Keep these 3 segments\\? KIDNEY, KIDNEY\\+NEOPLASM_MALIGNANT_PRIMARY, KIDNEY\\+CYST', '\r'],
    ...[
      'Authors',
      'Team',
      'Licence of the code',
      'Licence of the weights',
      'How to cite',
      'Code repository',
    ].map(enter),
    ...['GPU', 'Runtime', 'Docker image repository', 'Docker image tag'].map(enter),
    ['Image digest', '\r'],
    // An empty answer to a required question is refused on the spot.
    ['required', `${DIGEST}\r`],
    ...['Container interface', 'MHub workflow', 'SeriesInstanceUID', 'Intended use'].map(enter),
  ];
  const meta = path.resolve('../shared/reference/mhub/meta/bamf_nnunet_ct_kidney.json');
  const { stdout, out, code } = await wizard(script, ['--from-mhub', meta]);
  expect(code).toBe(0);
  expect(stdout).toContain('New model card from bamf_nnunet_ct_kidney.json');
  expect(stdout).toContain('BAMF CT Kidney Seg (nnU-Net)');
  const { cards, diagnostics } = await validateCards([out]);
  expect(diagnostics).toEqual([]);
  expect(cards[0]!.card).toMatchObject({
    name: 'bamf_nnunet_ct_kidney',
    status: 'submitted',
    license: { code: 'MIT', weights: 'CC-BY-NC-4.0' },
    outputs: [{ segments: ['KIDNEY', 'KIDNEY+NEOPLASM_MALIGNANT_PRIMARY', 'KIDNEY+CYST'] }],
    runtimes: { docker: { image: 'mhubai/bamf_nnunet_ct_kidney', tag: 'latest', digest: DIGEST } },
  });
  expect(cards[0]!.body).toContain('## Quantitative Analyses');
});

// The same session split around the segment questions (steps 14-18).
const beforeSegments = steps.slice(0, 14);
const afterSegments = steps.slice(19);
const BACKSPACE = '\x7f';
const DOWN = '\x1b[B';
const CTRL_C = '\x03';

it('keeps asking after Enter on a search with no match, and undoes the last segment', async () => {
  const { stdout, out, code } = await wizard([
    // The default 'CT scan' is replaced by what is typed, not appended to.
    ...beforeSegments.map(([prompt, keys]): [string, string] =>
      prompt === 'Input label' ? [prompt, 'Abdominal CT\r'] : [prompt, keys],
    ),
    ['label 1', 'zzqqxxj'],
    ['No matches', '\r'],
    // Enter with nothing to choose records nothing (it used to record an empty segment and crash).
    ['no match: type another name', `${BACKSPACE.repeat(7)}left kidney`],
    ['LEFT_KIDNEY  Left kidney', '\r'],
    ['label 2', '64033007'],
    ['KIDNEY  Kidney', '\r'],
    // With the search empty: "done" first, then "undo".
    ['undo: remove KIDNEY', `${DOWN}\r`],
    ['label 2 \\(so far: LEFT_KIDNEY\\)', 'spleen'],
    ['SPLEEN  Spleen', '\r'],
    ['label 3', '\r'],
    ...afterSegments,
  ]);
  expect(code, stdout).toBe(0);
  const { cards, diagnostics } = await validateCards([out]);
  expect(withoutTemplateWarnings(diagnostics)).toEqual([]);
  expect(cards[0]!.card.outputs[0]).toMatchObject({ segments: ['LEFT_KIDNEY', 'SPLEEN'] });
  expect(cards[0]!.card.inputs[0]!.label).toBe('Abdominal CT');
  // A finished card leaves no draft behind.
  expect(await readdir(out)).toEqual(['pty_model.md']);
});

it('keeps every answer of an interrupted session, and --resume asks only the rest', async () => {
  const first = await wizard([
    ...beforeSegments,
    ['label 1', 'left kidney'],
    ['LEFT_KIDNEY  Left kidney', '\r'],
    ['label 2', '64033007'],
    ['KIDNEY  Kidney', '\r'],
    // Ctrl-C in the middle of the segment list.
    ['label 3', CTRL_C],
  ]);
  expect(first.code).toBe(130);
  expect(first.stdout).toContain('mhub registry new --resume');
  const saved = JSON.parse(await readFile(path.join(first.out, '.mhub-draft/new-card.json'), 'utf8'));
  expect(saved.answered).toContain('outputId');
  expect(saved.answered).not.toContain('segments');
  expect(saved.draft).toMatchObject({
    name: 'pty_model',
    title: 'PTY model',
    description: 'Segments kidneys.',
    outputs: [{ segments: ['LEFT_KIDNEY', 'KIDNEY'] }],
  });

  const resumed = await wizard(
    [
      ['Resuming the card', ''],
      // The first question asked is the one the session stopped at, offering what was chosen.
      ['Keep these 2 segments\\? LEFT_KIDNEY, KIDNEY', '\r'],
      ...afterSegments,
    ],
    ['--resume'],
    first.out,
  );
  expect(resumed.code, resumed.stdout).toBe(0);
  expect(resumed.stdout).not.toContain('Registry name');
  const { cards, diagnostics } = await validateCards([first.out]);
  expect(withoutTemplateWarnings(diagnostics)).toEqual([]);
  expect(cards[0]!.card).toMatchObject({
    name: 'pty_model',
    title: 'PTY model',
    outputs: [{ segments: ['LEFT_KIDNEY', 'KIDNEY'] }],
    runtimes: { docker: { image: 'example/pty', digest: DIGEST } },
  });
  expect(await readdir(first.out)).toEqual(['pty_model.md']);
});

it('offers an invalid imported value the wizard never asks about for correction in place', async () => {
  // A meta.json whose publication has an empty title: the card cannot validate as imported.
  const dir = await mkdtemp(path.join(tmpdir(), 'mhub-pty-meta-'));
  const meta = JSON.parse(
    await readFile(path.resolve('../shared/reference/mhub/meta/bamf_nnunet_ct_kidney.json'), 'utf8'),
  );
  meta.details.publications[0].title = '';
  const file = path.join(dir, 'bamf_nnunet_ct_kidney.json');
  await writeFile(file, JSON.stringify(meta));
  const enter = (prompt: string): [string, string] => [prompt, '\r'];
  const { stdout, out, code } = await wizard(
    [
      ...['Registry name', 'Title', 'description', 'Version', 'Status', 'Tags', 'Input modality'].map(enter),
      ...['Input format', 'Input id', 'Input label', 'Body part', 'Contrast', 'Output type'].map(enter),
      ...['Output id', 'Keep these 3 segments', 'Authors', 'Team', 'Licence of the code'].map(enter),
      ...['Licence of the weights', 'How to cite', 'Code repository', 'GPU', 'Runtime'].map(enter),
      ...['Docker image repository', 'Docker image tag'].map(enter),
      ['Image digest', `${DIGEST}\r`],
      ...['Container interface', 'MHub workflow', 'SeriesInstanceUID', 'Intended use'].map(enter),
      ['publications\\[0\\]\\.title: must not be empty', ''],
      ['publications\\[0\\]\\.title \\(empty to remove it\\)', 'The AIMI Initiative\r'],
    ],
    ['--from-mhub', file],
  );
  expect(code, stdout).toBe(0);
  const { cards, diagnostics } = await validateCards([out]);
  expect(diagnostics).toEqual([]);
  expect(cards[0]!.card.publications?.[0]).toMatchObject({ title: 'The AIMI Initiative' });
});

it('maps an imported class id the terminology lacks to the entry found by its synonym', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'mhub-pty-meta-'));
  const meta = JSON.parse(
    await readFile(path.resolve('../shared/reference/mhub/meta/bamf_nnunet_ct_kidney.json'), 'utf8'),
  );
  meta.summary.outputs[0].classes = ['KIDNEY', 'FGT'];
  const file = path.join(dir, 'bamf_nnunet_ct_kidney.json');
  await writeFile(file, JSON.stringify(meta));
  const enter = (prompt: string): [string, string] => [prompt, '\r'];
  const { stdout, out, code } = await wizard(
    [
      // Offered first: the entry whose synonym is FGT (SNOMED CT 1342375003).
      [
        "Class 'FGT' is not in the terminology\\. Which entry is it\\?[\\s\\S]*BREAST_FIBROGLANDULAR_TISSUE  Fibroglandular Tissue",
        '\r',
      ],
      ...['Registry name', 'Title', 'description', 'Version', 'Status', 'Tags', 'Input modality'].map(enter),
      ...['Input format', 'Input id', 'Input label', 'Body part', 'Contrast', 'Output type'].map(enter),
      ['Output id', '\r'],
      ['Keep these 2 segments\\? KIDNEY, BREAST_FIBROGLANDULAR_TISSUE', '\r'],
      ...['Authors', 'Team', 'Licence of the code', 'Licence of the weights', 'How to cite'].map(enter),
      ...['Code repository', 'GPU', 'Runtime', 'Docker image repository', 'Docker image tag'].map(enter),
      ['Image digest', `${DIGEST}\r`],
      ...['Container interface', 'MHub workflow', 'SeriesInstanceUID', 'Intended use'].map(enter),
    ],
    ['--from-mhub', file],
  );
  expect(code, stdout).toBe(0);
  const { cards, diagnostics } = await validateCards([out]);
  expect(diagnostics).toEqual([]);
  expect(cards[0]!.card.outputs[0]).toMatchObject({ segments: ['KIDNEY', 'BREAST_FIBROGLANDULAR_TISSUE'] });
});
