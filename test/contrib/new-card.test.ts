import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { draftFiles, newCard, type Prompter, parseRequirements } from '../../src/contrib/new-card.ts';
import { searchTerms } from '../../src/contrib/term-search.ts';
import { loadTerminology } from '../../src/registry/terminology.ts';
import { validateCards } from '../../src/registry/validate.ts';
import { rejection } from './helpers.ts';

/** A new card keeps the template text of the sections not written yet: warnings, nothing else. */
const withoutTemplateWarnings = (ds: { severity: string; message: string }[]) =>
  ds.filter((d) => !(d.severity === 'warning' && d.message.includes('still holds the template text')));

const DIGEST = `sha256:${'a'.repeat(64)}`;
const HASH = 'b'.repeat(64);
const meta = path.resolve('../shared/reference/mhub/meta/bamf_nnunet_ct_kidney.json');
const tempDir = () => mkdtemp(path.join(tmpdir(), 'mhub-new-'));

const flags = {
  name: 'liver_seg',
  title: 'Liver segmentation',
  description: 'Segments the liver and liver tumours in CT.',
  modality: 'CT',
  outputType: 'segmentation',
  segments: 'LIVER, LIVER+NEOPLASM',
  authors: 'Doe, Jane; Roe, Richard',
  licenseCode: 'MIT',
  licenseWeights: 'CC-BY-4.0',
  image: 'example/liver_seg',
  tag: '1.0.0',
  digest: DIGEST,
};

describe('mhub registry new, non-interactive', () => {
  it('writes a card that the registry validator accepts', async () => {
    const out = await tempDir();
    const result = await newCard({ answers: flags, outDir: out });
    expect(result.written).toBe(true);
    const { cards, diagnostics } = await validateCards([out]);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const card = cards[0]!.card;
    expect(card.name).toBe('liver_seg');
    expect(card.status).toBe('submitted');
    expect(card.authors).toEqual(['Doe, Jane', 'Roe, Richard']);
    expect(card.inputs[0]).toEqual({ id: 'ct', label: 'CT scan', modality: ['CT'], format: 'dicom' });
    expect(card.outputs[0]).toMatchObject({ id: 'segmentation', segments: ['LIVER', 'LIVER+NEOPLASM'] });
    expect(card.runtimes.docker).toMatchObject({
      image: 'example/liver_seg',
      digest: DIGEST,
      interface: 'mhub',
    });
    expect(cards[0]!.body).toMatch(/^## Intended Use/);
  });

  it('names every missing flag at once', async () => {
    const error = await rejection(newCard({ answers: { name: 'x' }, outDir: await tempDir() }));
    expect(error.code).toBe('USAGE');
    expect(error.message).toContain('--title');
    expect(error.message).toContain('--license-code');
    expect(error.message).toContain('--digest');
  });

  it("reports the validator's errors under the flag that set the field", async () => {
    const out = await tempDir();
    const error = await rejection(
      newCard({ answers: { ...flags, licenseCode: 'MITT', segments: 'LIVR' }, outDir: out }),
    );
    expect(error.code).toBe('VALIDATION');
    expect(error.message).toMatch(/--license-code .*'MITT' is not an SPDX licence id/);
    expect(error.message).toMatch(/--segments .*unknown terminology id 'LIVR'.*did you mean 'LIVER'/);
  });

  it('accepts only the listed values for choice fields', async () => {
    const error = await rejection(
      newCard({ answers: { ...flags, outputType: 'mask' }, outDir: await tempDir() }),
    );
    expect(error.message).toBe("--output-type 'mask' is not one of segmentation, prediction, classification");
  });

  it('refuses to overwrite a card unless forced', async () => {
    const out = await tempDir();
    await newCard({ answers: flags, outDir: out });
    const error = await rejection(newCard({ answers: flags, outDir: out }));
    expect(error.message).toContain('already exists');
    await expect(
      newCard({ answers: { ...flags, title: 'Replaced' }, outDir: out, force: true }),
    ).resolves.toMatchObject({
      written: true,
    });
    expect(await readFile(path.join(out, 'liver_seg.md'), 'utf8')).toContain('title: Replaced');
  });

  it('builds a venv runtime from a pip-compile requirements file', async () => {
    const out = await tempDir();
    const req = path.join(out, 'requirements.txt');
    await writeFile(
      req,
      `# generated\nnumpy==2.1.0 \\\n    --hash=sha256:${HASH}\n    # via model\ntorch==2.4.0 --hash=sha256:${HASH}\n`,
    );
    const { digest: _d, image: _i, tag: _t, ...rest } = flags;
    const result = await newCard({
      answers: {
        ...rest,
        runtime: 'venv',
        requirements: req,
        entrypoint: 'liver_seg.run',
        weights: `model.pth ${HASH} https://example.org/model.pth`,
      },
      outDir: out,
    });
    const { cards, diagnostics } = await validateCards([result.file]);
    expect(withoutTemplateWarnings(diagnostics)).toEqual([]);
    expect(cards[0]!.card.runtimes).toEqual({
      venv: {
        python: '>=3.10,<3.14',
        requirements: [`numpy==2.1.0 --hash=sha256:${HASH}`, `torch==2.4.0 --hash=sha256:${HASH}`],
        entrypoint: 'liver_seg.run',
        weights: [{ path: 'model.pth', sha256: HASH, url: 'https://example.org/model.pth' }],
        interface: 'files',
      },
    });
  });

  it('starts from an MHub meta.json through the importer', async () => {
    const out = await tempDir();
    const result = await newCard({ fromMhub: meta, answers: { digest: DIGEST }, outDir: out });
    const { cards, diagnostics } = await validateCards([result.file]);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const card = cards[0]!.card;
    expect(card.name).toBe('bamf_nnunet_ct_kidney');
    expect(card.status).toBe('submitted');
    expect(card.upstream?.source).toBe('mhub');
    expect(card.outputs[0]).toMatchObject({
      segments: ['KIDNEY', 'KIDNEY+NEOPLASM_MALIGNANT_PRIMARY', 'KIDNEY+CYST'],
    });
    expect(cards[0]!.body).toContain('## Intended Use');
  });

  it('runs from the command line with --yes and --dry-run', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l), isTTY: false };
    const argv = ['registry', 'new', '--yes', '--dry-run', '--out', await tempDir()];
    const code = await main(
      [
        ...argv,
        '--name',
        'cli_card',
        '--title',
        'CLI card',
        '--description',
        'From flags.',
        '--modality',
        'MR',
        '--output-type',
        'classification',
        '--classes',
        'benign,malignant',
        '--license-code',
        'Apache-2.0',
        '--license-weights',
        'NOASSERTION',
        '--image',
        'example/cli',
        '--digest',
        DIGEST,
      ],
      io,
    );
    expect(err).toEqual([]);
    expect(code).toBe(0);
    expect(out.join('\n')).toMatch(/name: cli_card[\s\S]*classes: \[ benign, malignant \]/);
    // A dry run prints even an incomplete, invalid card, followed by what is wrong with it.
    out.length = 0;
    const bad = await main([...argv, '--name', 'Bad Name'], io);
    expect(bad).toBe(1);
    expect(out.join('\n')).toContain('name: Bad Name');
    expect(err.join('\n')).toContain('missing --title');
    expect(err.join('\n')).toMatch(/Bad Name\.md \(dry run\):\d+:\d+ name: /);
    expect(await main([...argv, '--runtime', 'conda'], io)).toBe(2);
    expect(err.at(-2)).toContain("argument 'conda' is invalid. Allowed choices are docker, venv.");
  });
});

describe('mhub registry new, drafts', () => {
  it('keeps an invalid card as a draft whose lines the errors name, and resumes it in a terminal', async () => {
    const out = await tempDir();
    const metaFile = path.join(out, 'meta.json');
    const parsed = JSON.parse(await readFile(meta, 'utf8'));
    parsed.details.publications[0].title = '';
    await writeFile(metaFile, JSON.stringify(parsed));
    const error = await rejection(newCard({ fromMhub: metaFile, answers: { digest: DIGEST }, outDir: out }));
    expect(error.code).toBe('VALIDATION');
    expect(error.hint).toContain('--resume');
    // The error's file:line is the draft, which exists, and that line holds the empty title.
    const where = /(\S+\.md):(\d+):\d+ publications\[0\]\.title: must not be empty/.exec(error.message);
    expect(where, error.message).not.toBeNull();
    const draftText = await readFile(path.resolve(where![1]!), 'utf8');
    expect(draftText.split('\n')[Number(where![2]) - 1]).toContain('title: ""');
    expect(path.resolve(where![1]!)).toBe(draftFiles(out, 'bamf_nnunet_ct_kidney').card);
    // Nothing reached the registry folder itself.
    expect((await readdir(out)).sort()).toEqual(['.mhub-draft', 'meta.json']);

    // A new session does not silently replace the unfinished one.
    const again = await rejection(newCard({ fromMhub: metaFile, answers: { digest: DIGEST }, outDir: out }));
    expect(again.message).toContain('unfinished card');
    expect(again.hint).toContain('--resume');

    // Resumed in a terminal, only the wrong value is asked, shown for correction.
    const { prompter, asked } = scriptedPrompter({ 'publications[0].title': ['The AIMI Initiative'] });
    const result = await newCard({ resume: true, outDir: out, prompter });
    expect(asked).toEqual(['publications[0].title (empty to remove it)']);
    expect(result.written).toBe(true);
    const { cards, diagnostics } = await validateCards([result.file]);
    expect(diagnostics).toEqual([]);
    expect(cards[0]!.card.publications?.[0]?.title).toBe('The AIMI Initiative');
    expect(cards[0]!.card.runtimes.docker?.digest).toBe(DIGEST);
    expect((await readdir(out)).sort()).toEqual(['bamf_nnunet_ct_kidney.md', 'meta.json']);
  });
});

describe('mhub registry new, class ids the terminology lacks', () => {
  it('suggests the entry by synonym without a terminal, and stops for a new entry in one', async () => {
    const out = await tempDir();
    const metaFile = path.join(out, 'meta.json');
    const parsed = JSON.parse(await readFile(meta, 'utf8'));
    parsed.summary.outputs[0].classes = ['FGT'];
    await writeFile(metaFile, JSON.stringify(parsed));
    const error = await rejection(newCard({ fromMhub: metaFile, answers: { digest: DIGEST }, outDir: out }));
    expect(error.code).toBe('VALIDATION');
    expect(error.message).toMatch(
      /--segments \S+\.md:\d+:\d+ outputs\[0\]\.segments\[0\]: unknown terminology id 'FGT'\. Fix: did you mean 'BREAST_FIBROGLANDULAR_TISSUE'\?/,
    );

    const other = await tempDir();
    const { prompter, asked } = scriptedPrompter({
      "Class 'FGT'": ['none of these: it needs a new terminology entry'],
    });
    const stop = await rejection(newCard({ fromMhub: metaFile, outDir: other, prompter }));
    expect(asked).toEqual(["Class 'FGT' is not in the terminology. Which entry is it?"]);
    expect(stop.message).toBe("'FGT' needs a new terminology entry");
    expect(stop.hint).toContain('registry/terminology/registry-extensions.json as CONTRIBUTING.md shows');
    expect(stop.hint).toContain('mhub registry new --resume');
    const saved = JSON.parse(await readFile(draftFiles(other).state, 'utf8'));
    expect(saved.draft.outputs[0].segments).toEqual(['FGT']);

    // Resumed: searched by another name, mapped, and the mapping saved before the next question.
    const searching = scriptedPrompter({
      "Class 'FGT'": ['search for another entry', 'BREAST_FIBROGLANDULAR_TISSUE  Fibroglandular Tissue'],
      'Search the terminology': ['fibroglandular'],
    });
    await expect(newCard({ resume: true, outDir: other, prompter: searching.prompter })).rejects.toThrow(
      'unexpected prompt: Registry name',
    );
    expect(searching.asked).toEqual([
      "Class 'FGT' is not in the terminology. Which entry is it?",
      "Search the terminology for 'FGT' (name, id or SNOMED CT code)",
      "Class 'FGT' is not in the terminology. Which entry is it?",
      'Registry name (lowercase letters, digits, _; also the file name)',
    ]);
    const mapped = JSON.parse(await readFile(draftFiles(other).state, 'utf8'));
    expect(mapped.draft.outputs[0].segments).toEqual(['BREAST_FIBROGLANDULAR_TISSUE']);
  });
});

/** A fake person: answers prompts from a list, records what the wizard said. */
function scriptedPrompter(answers: Record<string, (string | string[])[]>) {
  const warnings: string[] = [];
  const asked: string[] = [];
  const next = (message: string) => {
    const key = Object.keys(answers).find((k) => message.includes(k));
    asked.push(message);
    if (!key || answers[key]!.length === 0) throw new Error(`unexpected prompt: ${message}`);
    return answers[key]!.shift()!;
  };
  const prompter: Prompter = {
    intro() {},
    info() {},
    outro() {},
    warn: (m) => warnings.push(m),
    text: async ({ message, initial }) => {
      const a = next(message);
      return a === '' ? (initial ?? '') : String(a);
    },
    select: async ({ message, initial }) => {
      const a = next(message);
      return a === '' ? (initial ?? '') : String(a);
    },
    segments: async ({ message, search }) => {
      const queries = next(message) as string[];
      return queries.map((q) => search(q)[0]!.id);
    },
  };
  return { prompter, warnings, asked };
}

describe('mhub registry new, interactive', () => {
  it('asks in card order, searches terminology, and re-asks what the validator rejects', async () => {
    const out = await tempDir();
    const { prompter, warnings, asked } = scriptedPrompter({
      'Registry name': ['Kidney Model', 'kidney_model'],
      Title: ['Kidney model'],
      description: ['Segments both kidneys.'],
      Version: [''],
      Status: [''],
      Tags: ['kidney, ct'],
      'Input modality': ['CT'],
      'Input format': [''],
      'Input id': [''],
      'Input label': [''],
      'Body part': ['ABDOMEN'],
      Contrast: [''],
      'Output type': ['segmentation'],
      'Output id': [''],
      Segments: [['left kidney', 'right kidney']],
      Authors: [''],
      Team: [''],
      'Licence of the code': ['mit', 'MIT'],
      'Licence of the weights': ['CC-BY-4.0'],
      'How to cite': [''],
      'Code repository': ['not a url', 'https://example.org/code'],
      GPU: ['recommended'],
      Runtime: ['docker'],
      'Docker image repository': ['example/kidney'],
      'Docker image tag': ['2'],
      'Image digest': ['', DIGEST],
      'Container interface': [''],
      'MHub workflow': [''],
      SeriesInstanceUID: [''],
      'Intended use': ['Research use on adult abdominal CT.'],
    });
    const result = await newCard({ answers: {}, outDir: out, prompter });
    expect(asked.slice(0, 4)).toEqual([
      'Registry name (lowercase letters, digits, _; also the file name)',
      'Registry name (lowercase letters, digits, _; also the file name)',
      'Title',
      'One-paragraph description',
    ]);
    expect(warnings.join('\n')).toMatch(/must match pattern|lowercase/);
    expect(warnings.join('\n')).toContain("write 'MIT'");
    expect(warnings.join('\n')).toMatch(/digest is required/);
    const { cards, diagnostics } = await validateCards([result.file]);
    expect(withoutTemplateWarnings(diagnostics)).toEqual([]);
    // The intended use was answered; the other sections still say what to write there.
    expect(diagnostics.map((d) => /'## (.*)'/.exec(d.message)?.[1])).toEqual([
      'Evaluation',
      'Training Data',
      'Limitations',
    ]);
    expect(cards[0]!.card).toMatchObject({
      name: 'kidney_model',
      tags: ['kidney', 'ct'],
      outputs: [{ segments: ['LEFT_KIDNEY', 'RIGHT_KIDNEY'] }],
      links: { code: 'https://example.org/code' },
      requirements: { gpu: 'recommended' },
    });
    expect(cards[0]!.body).toContain('Research use on adult abdominal CT.');
  });
});

describe('terminology search', () => {
  const t = loadTerminology();
  it('finds ids by name, by SNOMED CT code and in compound ids', () => {
    expect(searchTerms(t, 'left kidney')[0]!.id).toBe('LEFT_KIDNEY');
    expect(searchTerms(t, '64033007').map((m) => m.id)).toContain('KIDNEY');
    expect(searchTerms(t, 'liver+neoplasm')[0]!.id).toBe('LIVER+NEOPLASM');
    expect(searchTerms(t, 'lung nodule').map((m) => m.id)).toEqual(
      expect.arrayContaining(['LUNG', 'NODULE']),
    );
  });
  it('joins pip-compile continuation lines', () => {
    expect(parseRequirements(`a==1 \\\n  --hash=sha256:${HASH}  # why\n# only a comment\n`)).toEqual([
      `a==1 --hash=sha256:${HASH}`,
    ]);
  });
});
