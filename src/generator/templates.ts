// Handlebars with noEscape and strict: a missing field is an error, and nothing is HTML-escaped
// by accident. Card values reach the output only through the helpers below, one per target
// language; test/slicer/templates.test.ts checks that every mustache in templates/slicer is one.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { cmakeString, filePath, identifier, jsonText, markdownText, pyLiteral } from './escape.ts';

export const templatesDir = fileURLToPath(new URL('../../templates/slicer/', import.meta.url));

/** The helpers a template may use to print a value: name -> target language. */
export const VALUE_HELPERS = ['py', 'cmake', 'json', 'md', 'id', 'path'] as const;

const hbs = Handlebars.create();
hbs.registerHelper('py', (value: unknown) => pyLiteral(value));
hbs.registerHelper('cmake', (value: unknown) => cmakeString(String(value)));
hbs.registerHelper('json', (value: unknown) => jsonText(value));
hbs.registerHelper('md', (value: unknown) => markdownText(String(value)));
hbs.registerHelper('id', (value: unknown) => identifier(String(value)));
hbs.registerHelper('path', (value: unknown) => filePath(String(value)));

const compiled = new Map<string, Handlebars.TemplateDelegate>();

export function render(template: string, context: object): string {
  let fn = compiled.get(template);
  if (!fn) {
    const source = readFileSync(`${templatesDir}${template}`, 'utf8');
    fn = hbs.compile(source, { noEscape: true, strict: true });
    compiled.set(template, fn);
  }
  return fn(context);
}
