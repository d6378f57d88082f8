// Contribution tooling used by the CLI (`mhub registry new`): the card wizard and terminology
// search. The PR bot and upstream sync (github.ts, pr-bot.ts, sync-upstream.ts, run-script.ts) are
// repository automation run by scripts/ from a clone; their GitHub client is a dev dependency,
// so they stay out of this entry and out of the installed CLI.
export { type Answer, type Draft, FIELDS, type Field } from './card-fields.ts';
export { clackPrompter } from './clack-prompter.ts';
export { type NewCardOptions, type NewCardResult, newCard, type Prompter } from './new-card.ts';
export { searchTerms, type TermMatch } from './term-search.ts';
