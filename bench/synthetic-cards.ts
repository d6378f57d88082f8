// Valid synthetic model cards for the site benchmark: the real cards, varied (names, titles,
// segments drawn from the terminology, modalities, body parts, licences, GPU needs, runtimes)
// by a seeded generator so every run builds the same registry.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadTerminology } from '../src/registry/terminology.ts';
import type { ModelCard } from '../src/registry/types.gen.ts';
import { loadRegistry } from '../src/registry/validate.ts';

function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MODALITIES = ['CT', 'MR', 'PT', 'CR', 'DX', 'MG', 'US'] as const;
const BODY_PARTS = [
  'CHEST',
  'ABDOMEN',
  'WHOLEBODY',
  'HEAD',
  'PELVIS',
  'PROSTATE',
  'LIVER',
  'KIDNEY',
  'BREAST',
];
const LICENCES = [
  'MIT',
  'Apache-2.0',
  'CC-BY-4.0',
  'CC-BY-NC-4.0',
  'CC-BY-NC-SA-4.0',
  'GPL-3.0-only',
  'NOASSERTION',
];
const GPU = ['required', 'recommended', 'optional', 'unsupported', 'unknown'] as const;
const STATUS = ['published', 'submitted', 'reference'] as const;
const WORDS = [
  'robust',
  'fast',
  'multi-organ',
  'pediatric',
  'low-dose',
  'contrast',
  'zonal',
  'lesion',
  'atlas',
];

/** Writes `count` valid cards into `dir`; returns their file paths. */
export async function writeSyntheticCards(dir: string, count: number, seed = 42): Promise<string[]> {
  const real = await loadRegistry();
  const ids = loadTerminology().ids();
  const rand = prng(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)]!;
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const base = real[i % real.length]!;
    const name = `${base.card.name}_syn${i}`;
    const card: ModelCard = structuredClone(base.card);
    delete card.id;
    delete card.upstream;
    card.name = name;
    card.title = `${base.card.title} ${pick(WORDS)} ${i}`;
    card.description = `${pick(WORDS)} variant ${i}: ${base.card.description}`;
    card.status = pick(STATUS);
    card.license = { code: pick(LICENCES), weights: pick(LICENCES) };
    card.requirements = { gpu: pick(GPU) };
    for (const input of card.inputs) {
      input.modality = [pick(MODALITIES)];
      input.bodyPart = pick(BODY_PARTS);
    }
    for (const output of card.outputs) {
      if (output.type !== 'segmentation') continue;
      const n = 1 + Math.floor(rand() * 30);
      const chosen = new Set<string>();
      while (chosen.size < n) chosen.add(pick(ids));
      output.segments = [...chosen] as [string, ...string[]];
    }
    if (rand() < 0.3)
      card.runtimes.venv = {
        python: '>=3.10,<3.14',
        requirements: [`numpy==2.1.0 --hash=sha256:${'0123456789abcdef'.repeat(4)}`],
        entrypoint: `${name}.run`,
        interface: 'files',
      };
    const file = path.join(dir, `${name}.md`);
    await writeFile(file, `---\n${stringify(card, { lineWidth: 0 })}---\n${base.body}`);
    files.push(file);
  }
  return files;
}
