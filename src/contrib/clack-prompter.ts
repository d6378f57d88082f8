// The wizard's terminal side: @clack/prompts behind the Prompter interface, loaded only when
// the wizard runs interactively (every `mhub registry` command loads this module).
import { MhubError } from '../errors.ts';
import type { Prompter } from './new-card.ts';

const DONE = '\u0000done';
const UNDO = '\u0000undo';
const SKIP = '(none)';

function answered<T>(value: T | symbol): Exclude<T, symbol> {
  if (typeof value === 'symbol') throw new MhubError('CANCELLED', 'cancelled; no card was written');
  return value as Exclude<T, symbol>;
}

export async function clackPrompter(): Promise<Prompter> {
  const clack = await import('@clack/prompts');
  return {
    intro: (title) => clack.intro(title),
    info: (message) => clack.log.info(message),
    warn: (message) => clack.log.warn(message),
    outro: (message) => clack.outro(message),
    async text({ message, initial, edit, optional }) {
      // A default is shown greyed and taken on Enter; typing replaces it. A value to correct is
      // put in the input, to edit in place.
      const value = await clack.text({
        message: optional ? `${message} (optional)` : message,
        ...(initial ? { placeholder: initial, defaultValue: initial } : {}),
        ...(edit ? { initialValue: edit } : {}),
        validate: (v) => (optional || initial || (v ?? '').trim() ? undefined : 'required'),
      });
      return answered(value).trim();
    },
    async select({ message, choices, initial, optional }) {
      const options = [...(optional ? [SKIP] : []), ...choices].map((value) => ({ value }));
      const value = answered(
        await clack.select({ message, options, initialValue: initial ?? options[0]?.value }),
      );
      return value === SKIP ? '' : value;
    },
    async segments({ message, initial, search, progress }) {
      const chosen: string[] = [];
      if (initial.length > 0) {
        const keep = answered(
          await clack.select({
            message: `Keep these ${initial.length} segments? ${initial.join(', ')}`,
            options: [
              { value: 'keep', label: 'yes, keep them' },
              { value: 'add', label: 'keep them and add or remove segments' },
              { value: 'new', label: 'no, choose again' },
            ],
          }),
        );
        if (keep === 'keep') return initial;
        if (keep === 'add') chosen.push(...initial);
      }
      // One search per label value: the order of the answers is the label order.
      for (;;) {
        const k = chosen.length + 1;
        const value = answered(
          await clack.autocomplete<string>({
            message: `${message}: label ${k}${chosen.length ? ` (so far: ${chosen.join(', ')})` : ''}`,
            placeholder: 'type a name, an id or a SNOMED CT code',
            maxItems: 8,
            // Results come ranked from the fuzzy search; clack's own substring filter is off.
            filter: () => true,
            // Enter with no match (nothing selected) asks for another search instead of
            // recording an empty segment.
            validate: (v) =>
              v === undefined || v === '' ? 'no match: type another name, id or SNOMED CT code' : undefined,
            options(this: { userInput: string }) {
              const empty = chosen.length > 0 && this.userInput.trim() === '';
              const matches = search(this.userInput).filter((m) => !chosen.includes(m.id));
              return [
                ...(empty
                  ? [
                      {
                        value: DONE,
                        label: `done: ${chosen.length} segment${chosen.length === 1 ? '' : 's'}`,
                      },
                      { value: UNDO, label: `undo: remove ${chosen.at(-1)}` },
                    ]
                  : []),
                ...matches.map((m) => ({ value: m.id, label: `${m.id}  ${m.name}`, hint: m.codes })),
              ];
            },
          }),
        );
        if (value === DONE) return chosen;
        if (value === UNDO) chosen.pop();
        else if (typeof value === 'string' && value !== '') chosen.push(value);
        await progress?.([...chosen]);
      }
    },
  };
}
