// The model card body (Markdown from a pull request) as safe HTML: raw HTML in the body is shown
// as text, links and images only keep http(s), mailto and relative targets, headings get ids,
// and fenced code is the site's code box (html.ts: wraps inside its box, with a Copy button).
import { Marked, type Tokens } from 'marked';
import { codeBlockHtml, escapeHtml } from './html.ts';

const safeUrl = (href: string) => (/^(https?:|mailto:|[#/.]|[\w-]+(\/|$))/i.test(href.trim()) ? href : '#');

export const slug = (text: string) =>
  text
    .toLowerCase()
    .replace(/<[^>]+>/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '') || 'section';

export interface RenderedBody {
  html: string;
  /** The level-2 sections, for the page's table of contents. */
  sections: { id: string; title: string }[];
}

// One parser for all cards (building a Marked instance per card costs more than parsing);
// `sections` collects the headings of the card being rendered.
let sections: { id: string; title: string }[] = [];
let codeBlocks = 0;
const marked = new Marked({
  gfm: true,
  renderer: {
    html: ({ text }: Tokens.HTML | Tokens.Tag) => escapeHtml(text),
    heading({ tokens, depth }: Tokens.Heading) {
      const inner = this.parser.parseInline(tokens);
      const text = inner.replace(/<[^>]+>/g, '');
      // The page title is h1 and card sections sit under a "Model card" h2: shift down.
      const level = Math.min(depth + 1, 6);
      const id = `card-${slug(text)}`;
      if (depth <= 2) sections.push({ id, title: text });
      return `<h${level} id="${id}">${inner}</h${level}>\n`;
    },
    link({ href, title, tokens }: Tokens.Link) {
      const t = title ? ` title="${escapeHtml(title)}"` : '';
      return `<a href="${escapeHtml(safeUrl(href))}"${t} rel="noopener">${this.parser.parseInline(tokens)}</a>`;
    },
    code({ text, lang }: Tokens.Code) {
      return `${codeBlockHtml(`card-code-${++codeBlocks}`, lang?.trim().split(/\s+/)[0] || 'Code', text)}\n`;
    },
    image({ href, title, text }: Tokens.Image) {
      const t = title ? ` title="${escapeHtml(title)}"` : '';
      return `<img src="${escapeHtml(safeUrl(href))}" alt="${escapeHtml(text)}"${t} loading="lazy">`;
    },
  },
});

export function renderCardBody(markdown: string): RenderedBody {
  sections = [];
  codeBlocks = 0;
  const html = marked.parse(markdown, { async: false });
  return { html, sections };
}
