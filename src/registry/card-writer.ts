// Writes a card back to text: front matter in a stable field order, then the Markdown body.

import type { ModelCard } from './types.gen.ts';
import { yaml } from './yaml-lib.ts';

const ORDER: (keyof ModelCard)[] = [
  'name',
  'id',
  'title',
  'version',
  'status',
  'description',
  'tags',
  'inputs',
  'outputs',
  'model',
  'data',
  'authors',
  'team',
  'dates',
  'cite',
  'license',
  'publications',
  'links',
  'requirements',
  'runtimes',
  'sampleData',
  'tests',
  'preview',
  'upstream',
];

export function formatCard(card: ModelCard, body: string): string {
  const ordered: Record<string, unknown> = {};
  for (const key of ORDER) if (card[key] !== undefined) ordered[key] = card[key];
  const { Document, isScalar, isSeq, visit } = yaml();
  const doc = new Document(ordered);
  // Short lists of plain words (modalities, tags) read best on one line.
  visit(doc, {
    Seq(_, node) {
      if (
        isSeq(node) &&
        node.items.length <= 8 &&
        node.items.every((i) => isScalar(i) && /^[A-Za-z0-9_+-]{1,20}$/.test(String(i.value)))
      ) {
        node.flow = true;
      }
    },
  });
  const front = doc.toString({ lineWidth: 0 });
  return `---\n${front}---\n\n${body.trim()}\n`;
}

/** The card text's sections and the placeholder each starts with in a new card. */
export const BODY_TEMPLATE = [
  ['Intended Use', 'What the model is for: task, images, population, clinical setting.'],
  ['Evaluation', 'Metrics, evaluation data and results, with references.'],
  ['Training Data', 'What the model was trained on, with references.'],
  ['Limitations', 'Where the model is known to fail or was not tested.'],
] as const;

/** A new card's body: the template sections, the first filled with `intendedUse` if given. */
export function defaultBody(intendedUse?: string): string {
  return BODY_TEMPLATE.map(
    ([title, text], i) => `## ${title}\n\n${i === 0 && intendedUse ? intendedUse : text}`,
  ).join('\n\n');
}
