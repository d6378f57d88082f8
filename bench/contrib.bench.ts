// Contribution tools, measured against baselines in the same run. Run: npm run bench:contrib
// 1. Terminology search per keystroke (the wizard searches on every key): fuzzy search vs a
//    plain substring filter over the same entries. Goal: well under 16 ms (one frame) per key.
// 2. Checking one wizard answer (placeholders + format + the one validator) vs validating the
//    finished card text once. Goal: under 10 ms per answer.
// 3. The PR bot's rules over 60 changed cards vs the validator alone on the same texts.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { FIELDS } from '../src/contrib/card-fields.ts';
import { fieldErrors } from '../src/contrib/new-card.ts';
import { checkPullRequest } from '../src/contrib/pr-rules.ts';
import { searchTerms } from '../src/contrib/term-search.ts';
import { readCardText } from '../src/registry/card-file.ts';
import { defaultModelsDir } from '../src/registry/paths.ts';
import { loadTerminology } from '../src/registry/terminology.ts';
import { validateCardText } from '../src/registry/validate.ts';

const t = loadTerminology();
function time(fn: () => void, repeat: number): number {
  fn(); // warm-up (JIT, caches)
  const start = performance.now();
  for (let i = 0; i < repeat; i++) fn();
  return (performance.now() - start) / repeat;
}
const ratio = (a: number, b: number) => `${(a / b).toFixed(1)}x`;

// 1. Keystrokes: every prefix of a few realistic queries.
const queries = ['left kidney', '64033007', 'liver+neoplasm', 'lung nodule', 'prostate transition'];
const keys = queries.flatMap((q) => Array.from(q, (_c, i) => q.slice(0, i + 1)));
const plain = t.ids().map((id) => {
  const s = t.resolve(id)!;
  return { id, text: `${id} ${s.name} ${s.type.meaning} ${s.type.value}`.toLowerCase() };
});
const fuzzy = time(() => {
  for (const k of keys) searchTerms(t, k, 8);
}, 20);
const substring = time(() => {
  for (const k of keys) plain.filter((e) => e.text.includes(k.toLowerCase())).slice(0, 8);
}, 20);
console.log(
  `term search: ${((fuzzy / keys.length) * 1000).toFixed(0)} µs per keystroke (${keys.length} keys); substring baseline ${((substring / keys.length) * 1000).toFixed(0)} µs: ${ratio(fuzzy, substring)} the baseline (goal: < 16 ms)`,
);

// 2. One answer checked vs one whole card validated.
const files = (await readdir(defaultModelsDir)).filter((f) => f.endsWith('.md')).sort();
const texts = await Promise.all(files.map((f) => readFile(path.join(defaultModelsDir, f), 'utf8')));
const sample = texts[0]!;
const draft = {
  ...(readCardText(sample, files[0]!).source!.data as Record<string, unknown>),
  'x-runtime': 'docker',
};
const licence = FIELDS.find((f) => f.key === 'licenseCode')!;
const perAnswer = time(() => fieldErrors(draft, licence, t), 200);
const wholeCard = time(() => validateCardText(sample, path.join(defaultModelsDir, files[0]!), t), 200);
console.log(
  `wizard answer check: ${perAnswer.toFixed(2)} ms; validating the card text once ${wholeCard.toFixed(2)} ms: ${ratio(perAnswer, wholeCard)} the baseline (goal: < 10 ms)`,
);

// 3. The bot's rules over 60 cards (each compared with a base version) vs validation only.
const cards = Array.from({ length: 60 }, (_v, i) => {
  const k = i % texts.length;
  return {
    name: files[k]!,
    file: `registry/models/${files[k]!}`,
    status: 'modified',
    head: texts[k]!,
    base: texts[k]!,
  };
});
const changed = cards.map((c) => ({ filename: c.file, status: 'modified' }));
const rules = time(
  () => checkPullRequest({ files: changed, cards, labels: ['multiple-models'], terminology: t }),
  10,
);
const validateOnly = time(() => {
  for (const c of cards) validateCardText(c.head, c.file, t);
}, 10);
console.log(
  `bot rules, 60 cards: ${rules.toFixed(1)} ms; validation alone ${validateOnly.toFixed(1)} ms: ${ratio(rules, validateOnly)} the baseline`,
);
