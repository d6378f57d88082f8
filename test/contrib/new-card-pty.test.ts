// The wizard driven through a real pseudo-terminal (python3's pty module): the @clack/prompts
// screens, arrow-less typing, the fuzzy segment search and re-asking after a validator error.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { validateCards } from '../../src/registry/validate.ts';

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

/** Runs `mhub registry new ARGS --out <tmp>` in a pseudo-terminal through the steps. */
async function wizard(script: [string, string][], args: string[] = []) {
  const dir = await mkdtemp(path.join(tmpdir(), 'mhub-pty-'));
  const file = path.join(dir, 'script.json');
  await writeFile(file, JSON.stringify(script.map(([expect, send]) => ({ expect, send }))));
  const out = path.join(dir, 'cards');
  const cli = [process.execPath, 'bin/mhub.js', 'registry', 'new', ...args, '--out', out];
  const { stdout } = await run('python3', ['test/contrib/pty_drive.py', file, '--', ...cli], {
    env: { ...process.env, PTY_STEP_TIMEOUT: '15' },
    timeout: 90_000,
  }).catch((error: { stdout?: string; message: string }) => {
    throw new Error(`${error.message}\n${error.stdout ?? ''}`);
  });
  return { stdout, out };
}

it('runs the wizard in a terminal and writes a valid card', async () => {
  const { stdout, out } = await wizard(steps);
  expect(stdout).toContain('Wrote');
  expect(await readdir(out)).toEqual(['pty_model.md']);
  const { cards, diagnostics } = await validateCards([out]);
  expect(diagnostics).toEqual([]);
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
  const { stdout, out } = await wizard(script, ['--from-mhub', meta]);
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
