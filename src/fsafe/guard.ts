// An output must not be an input, sit inside one, or hold one: replacing it would destroy the
// data the command reads.
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { MhubError } from '../errors.ts';

/** The real path of `p`, resolving symlinks in the part that exists. */
function real(p: string): string {
  const abs = path.resolve(p);
  try {
    return realpathSync(abs);
  } catch {
    const parent = path.dirname(abs);
    return parent === abs ? abs : path.join(real(parent), path.basename(abs));
  }
}

const within = (child: string, parent: string) => {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

/** Refuses an output that is, lies inside (unless outputInsideOk) or holds (unless inputInsideOk) an input. */
export function refuseOverlap(
  output: string,
  inputs: readonly (string | undefined)[],
  options: { flag?: string; inputInsideOk?: boolean; outputInsideOk?: boolean } = {},
): void {
  const flag = options.flag ?? '--out';
  const out = real(output);
  for (const input of inputs) {
    if (!input) continue;
    const inp = real(input);
    // A run adds files to its output folder without replacing any: an input there is safe.
    // A site built inside its cards folder reads no file it writes: only "is or holds" matters there.
    const outInside = within(out, inp) && (out === inp || !options.outputInsideOk);
    if (outInside || (!options.inputInsideOk && within(inp, out))) {
      throw new MhubError(
        'INVALID_INPUT',
        out === inp
          ? `${flag} ${output} is the input ${input}: writing there would destroy it`
          : within(out, inp)
            ? `${flag} ${output} lies inside the input ${input}: writing there would change the input`
            : `${flag} ${output} holds the input ${input}: writing there would destroy it`,
        `choose a ${flag} path outside ${input}`,
      );
    }
  }
}
