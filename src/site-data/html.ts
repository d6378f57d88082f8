// HTML the site writes as strings (card text, result cards, the API page), escaped one way. No
// imports: site/src/scripts loads it in the browser too.

/** Text for an element or a double- or single-quoted attribute. */
export const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/**
 * A code box with its Copy button (scripts/copy.ts copies the element named by data-copy): the
 * run lines (components/CodeBlock.astro) and fenced code in card text share this markup.
 */
export function codeBlockHtml(id: string, label: string, code: string): string {
  const e = escapeHtml;
  return (
    `<div class="codeblock"><div class="codeblock-head"><span id="${e(id)}-label">${e(label)}</span>` +
    `<button type="button" class="copy" data-copy="${e(id)}" aria-describedby="${e(id)}-label">Copy</button></div>` +
    `<pre id="${e(id)}" tabindex="0" aria-labelledby="${e(id)}-label"><code>${e(code)}</code></pre></div>`
  );
}
