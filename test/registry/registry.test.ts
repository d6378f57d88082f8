// The real registry: the 30 imported MHub cards, their index and the terminology.
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildIndex, cardOfIndexed, writeIndex } from '../../src/registry/build-index.ts';
import { importMhubFiles } from '../../src/registry/import-mhub-files.ts';
import { defaultModelsDir, repoRoot } from '../../src/registry/paths.ts';
import { loadTerminology } from '../../src/registry/terminology.ts';
import { loadRegistry, validateCards } from '../../src/registry/validate.ts';
import { runCli } from '../support/cli.ts';

const mhubMeta = path.join(repoRoot, '..', 'shared', 'reference', 'mhub', 'meta');

describe('the registry', () => {
  it('holds the 30 imported MHub cards, all valid', async () => {
    const { cards, diagnostics } = await validateCards();
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const imported = cards.filter((c) => c.card.upstream?.source === 'mhub');
    expect(imported).toHaveLength(30);
    expect(imported.every((c) => c.card.status === 'published')).toBe(true);
  });

  it('is exactly what the importer makes of the upstream meta.json files', async () => {
    const imported = await importMhubFiles(mhubMeta, loadTerminology());
    expect(imported).toHaveLength(30);
    for (const card of imported) {
      const committed = await readFile(path.join(defaultModelsDir, `${card.name}.md`), 'utf8');
      expect(committed, card.name).toBe(card.text);
    }
  });

  it('keeps what makes each model runnable and findable', async () => {
    const cards = Object.fromEntries((await loadRegistry()).map((r) => [r.card.name, r]));
    const ts = cards.totalsegmentator!;
    expect(ts.card.outputs[0]).toMatchObject({ type: 'segmentation' });
    expect(ts.card.outputs[0]!.type === 'segmentation' && ts.card.outputs[0]!.segments).toHaveLength(104);
    expect(ts.card.runtimes.docker).toMatchObject({ image: 'mhubai/totalsegmentator', interface: 'mhub' });
    expect(ts.card.runtimes.docker!.workflows!.map((w) => w.name)).toContain('default');
    expect(ts.body).toMatch(/^## Intended Use/);
    // MRI|CT becomes two DICOM modality codes.
    expect(cards.mrsegmentator!.card.inputs[0]!.modality).toEqual(['MR', 'CT']);
    // Multi-input, prediction-only, pathology and tables survive the import.
    expect(cards.gc_picai_baseline!.card.inputs.map((i) => i.id)).toEqual(['t2', 'dwi', 'adc']);
    expect(cards.gc_stoic_baseline!.card.outputs.every((o) => o.type === 'prediction')).toBe(true);
    expect(cards.gc_tiger_lb2!.card.inputs[0]!.modality).toEqual(['SM']);
    expect(cards.casust!.body).toMatch(/\| LEFT_VENTRICLE \| 0\.88 ± 0\.07 \|/);
    // BACKGROUND is label 0, not a segment.
    const autopet = cards.gc_autopet_fpr!.card.outputs[0]!;
    expect(autopet.type === 'segmentation' && autopet.segments).toEqual(['NEOPLASM_MALIGNANT_PRIMARY']);
    expect(cards.bamf_nnunet_ct_kidney!.card.dates).toEqual({
      code: '2023-10-17',
      weights: '2023-08-28',
      publication: '2023-10-23',
    });
    expect(cards.lungmask!.card.dates!.weights).toEqual({ text: '17/02/20' });
    expect(cards.gc_wsi_bgseg!.card.license).toEqual({ code: 'AGPL-3.0-only', weights: 'AGPL-3.0-only' });
    expect(cards.pyradiomics!.card.license.weights).toBe('NONE');
  });
});

describe('the index', () => {
  it('publishes every date in one shape, and gives back the card it came from', async () => {
    const records = await loadRegistry();
    const index = buildIndex(records, loadTerminology());
    const published = Object.values(index.models).flatMap((m) => Object.values(m.dates ?? {}));
    expect(published.length).toBeGreaterThan(30);
    for (const d of published) {
      expect(Object.keys(d!).sort()).toEqual(['iso', 'text']);
      expect(typeof d!.text).toBe('string');
      expect(d!.iso === null || /^\d{4}(-\d{2}){0,2}$/.test(d!.iso)).toBe(true);
    }
    expect(index.models.lungmask!.dates!.weights).toEqual({ iso: null, text: '17/02/20' });
    for (const { card } of records) {
      const { body: _b, segmentDetails: _s, ...indexed } = index.models[card.name]!;
      expect(cardOfIndexed(indexed), card.name).toEqual(card);
    }
  });

  it('is deterministic and MHub-compatible', async () => {
    const records = await loadRegistry();
    const terminology = loadTerminology();
    const a = await mkdtemp(path.join(tmpdir(), 'mhub-index-'));
    const b = await mkdtemp(path.join(tmpdir(), 'mhub-index-'));
    await writeIndex(buildIndex(records, terminology), path.join(a, 'out'));
    await writeIndex(buildIndex([...records].reverse(), terminology), path.join(b, 'out'));
    const files = (await readdir(path.join(a, 'out', 'models'))).map((f) => `models/${f}`);
    expect(files).toHaveLength(records.length);
    for (const f of ['models.json', 'terminology.json', 'mhub-v2-models.json', ...files]) {
      expect(await readFile(path.join(b, 'out', f), 'utf8'), f).toBe(
        await readFile(path.join(a, 'out', f), 'utf8'),
      );
    }
    const mhub = JSON.parse(await readFile(path.join(a, 'out', 'mhub-v2-models.json'), 'utf8'));
    const lungmask = mhub.data.find((m: { name: string }) => m.name === 'lungmask');
    expect(lungmask).toEqual({
      id: 'bcb57c10-1d96-442e-925e-ccde889fc0e2',
      name: 'lungmask',
      label: 'LungMask',
      description: expect.stringContaining('lungs and pulmonary lobes'),
      modalities: ['CT'],
      segmentations: expect.arrayContaining(['Right lung', 'Left upper lung lobe']),
      categories: ['Segmentation'],
      cite: expect.stringContaining('Hofmanninger'),
      licence: { model: 'Apache-2.0', weights: 'Apache-2.0' },
      inputs: [
        {
          label: 'Input Image',
          description: 'The chest CT scan of a patient.',
          format: 'DICOM',
          modality: 'CT',
          bodypartexamined: 'CHEST',
        },
      ],
    });
    const kidney = JSON.parse(
      await readFile(path.join(a, 'out', 'models', 'bamf_nnunet_ct_kidney.json'), 'utf8'),
    );
    expect(kidney.segmentDetails.segmentation[1]).toMatchObject({
      id: 'KIDNEY+NEOPLASM_MALIGNANT_PRIMARY',
      type: { scheme: 'SCT', value: '86049000' },
      region: { scheme: 'SCT', value: '64033007', meaning: 'Kidney structure' },
    });
  });

  it('is written by `mhub registry index`', async () => {
    const out = path.join(await mkdtemp(path.join(tmpdir(), 'mhub-index-')), 'index');
    const result = await runCli(['registry', 'index', '--out', out]);
    expect(result.code).toBe(0);
    // One file per model plus models.json, terminology.json and mhub-v2-models.json; the count
    // grows with the reference models' cards, so it comes from the registry itself.
    const cards = (await loadRegistry()).length;
    expect(result.out).toMatch(new RegExp(`wrote ${cards + 3} files for ${cards} models`));
    const models = JSON.parse(await readFile(path.join(out, 'models.json'), 'utf8'));
    expect(models.count).toBe(cards);
  });
});
