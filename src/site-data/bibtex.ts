// "Copy as BibTeX": a BibTeX entry from the card's citation fields. Cards carry the citation as
// free text (MHub's `cite`), so authors and year come from structured fields when present and
// from the "Authors (YEAR). Title." shape of that text otherwise; the full text stays in `note`.
import type { ModelCard } from '../registry/index.ts';

const braces = (s: string) => s.replace(/[{}\\]/g, (c) => `\\${c}`);

function yearOf(card: ModelCard): string | undefined {
  const pub = card.dates?.publication;
  const fromDate = typeof pub === 'string' ? pub.slice(0, 4) : undefined;
  return fromDate ?? card.cite?.match(/\((\d{4})\)/)?.[1] ?? card.cite?.match(/\b(19|20)\d{2}\b/)?.[0];
}

function authorsOf(card: ModelCard): string[] {
  if (card.authors?.length) return card.authors;
  const head = card.cite?.match(/^(.+?)\s*\(\d{4}\)/)?.[1];
  if (!head || head.length > 600) return [];
  return head
    .replace(/,?\s+and\s+/g, ', ')
    .split(/,\s*/)
    .map((a) => a.trim())
    .filter((a) => a && !/et al\.?/.test(a));
}

export function toBibtex(card: ModelCard): string | undefined {
  if (!card.cite && !card.publications?.length) return undefined;
  const pub = card.publications?.[0];
  const fields: [string, string | undefined][] = [
    ['title', pub?.title ?? card.title],
    ['author', authorsOf(card).join(' and ') || undefined],
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
