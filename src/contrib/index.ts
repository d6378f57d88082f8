// Contribution tooling used by the CLI: the card wizard and terminology search (`mhub registry
// new`), and the PR bot's rules applied to a local branch (`mhub registry check`). The PR bot and upstream sync (github.ts, pr-bot.ts, sync-upstream.ts, run-script.ts) are
// repository automation run by scripts/ from a clone; their GitHub client is a dev dependency,
// so they stay out of this entry and out of the installed CLI.
export { type Answer, type Draft, FIELDS, type Field } from './card-fields.ts';
export { type ChangeSource, type CheckResult, checkChanges, formatResults } from './check-changes.ts';
export { clackPrompter } from './clack-prompter.ts';
export { gitChanges } from './git-changes.ts';
export { type NewCardOptions, type NewCardResult, newCard, type Prompter } from './new-card.ts';
export { MULTI_MODEL_LABEL, RULES, type RuleResult } from './pr-rules.ts';
export { searchTerms, type TermMatch } from './term-search.ts';
