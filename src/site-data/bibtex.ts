// "Copy as BibTeX": a BibTeX entry from the card's citation fields. Cards carry the citation as
// free text (MHub's `cite`), so the authors are read from the head of that text (the paper's
// authors; the card's `authors` are the model's, used only without a citation) and the year from
// the publication date or the text; the full text stays in `note`.
import type { ModelCard } from '../registry/index.ts';
import { citationAuthors } from './citation-authors.ts';

const braces = (s: string) => s.replace(/[{}\\]/g, (c) => `\\${c}`);

function yearOf(card: ModelCard): string | undefined {
  const pub = card.dates?.publication;
  const fromDate = typeof pub === 'string' ? pub.slice(0, 4) : undefined;
  return fromDate ?? card.cite?.match(/\((\d{4})\)/)?.[1] ?? card.cite?.match(/\b(19|20)\d{2}\b/)?.[0];
}

function authorsOf(card: ModelCard): string | undefined {
  const cited = card.cite ? citationAuthors(card.cite) : undefined;
  if (cited?.names.length) return [...cited.names, ...(cited.etAl ? ['others'] : [])].join(' and ');
  return card.authors?.length ? card.authors.join(' and ') : undefined;
}

export function toBibtex(card: ModelCard): string | undefined {
  if (!card.cite && !card.publications?.length) return undefined;
  const pub = card.publications?.[0];
  const fields: [string, string | undefined][] = [
    ['title', pub?.title ?? card.title],
    ['author', authorsOf(card)],
    ['year', yearOf(card)],
    ['url', pub?.url],
    ['note', card.cite],
  ];
  const body = fields
    .filter((f): f is [string, string] => Boolean(f[1]))
    .map(([k, v]) => `  ${k} = {${braces(v)}}`)
    .join(',\n');
  return `@misc{${card.name},\n${body}\n}`;
}
