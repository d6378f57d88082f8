// What the "Get started" page shows, from the sources that already say it: the install commands
// are README.md's block under "## Installing the CLI" (the one copy; the page never retypes it),
// and the first model is a reference model whose sample the site serves, with the run line its
// own page shows.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MhubError } from '../errors.ts';
import { repoRoot } from '../registry/index.ts';
import type { SampleView } from './samples.ts';

export const INSTALL_HEADING = '## Installing the CLI';

export interface GetStartedView {
  /** The shell block of README.md's install section. */
  install: string;
  /** The model to run first, with its sample download and run line. */
  first?: {
    name: string;
    title: string;
    url: string;
    sample: SampleView;
    /** Its Slicer module download, as its page offers it. */
    slicer: { module: string; zip: string };
  };
}

/** The first ```sh block after README's install heading; a README without one is a build error. */
export function installCommands(root: string = repoRoot): string {
  const file = path.join(root, 'README.md');
  const readme = readFileSync(file, 'utf8');
  const section = readme.split(INSTALL_HEADING)[1]?.split(/\n## /)[0];
  const block = section && /```sh\n([\s\S]*?)\n```/.exec(section)?.[1];
  if (!block)
    throw new MhubError(
      'VALIDATION',
      `${file}: no \`\`\`sh block under "${INSTALL_HEADING}", which the Get started page shows`,
      `put the install commands in a \`\`\`sh block under that heading`,
    );
  return block;
}

/** The first (by name) reference model whose sample the site serves itself. */
export function firstModel(
  pages: readonly {
    card: { name: string; title: string; status: string };
    sample?: SampleView;
    run: { slicer: { module: string; zip: string } };
  }[],
  modelUrl: (name: string) => string,
): GetStartedView['first'] {
  const page = [...pages]
    .sort((a, b) => a.card.name.localeCompare(b.card.name))
    .find((p) => p.card.status === 'reference' && p.sample?.url.startsWith('/'));
  if (!page?.sample) return undefined;
  const { name, title } = page.card;
  return { name, title, url: modelUrl(name), sample: page.sample, slicer: page.run.slicer };
}
