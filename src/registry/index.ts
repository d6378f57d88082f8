// The registry's public API: what the CLI and the other capabilities import (parse, validate,
// terminology, index, import, remote sources). Nothing outside src/registry reaches past this file.
export {
  buildIndex,
  cardOfIndexed,
  INDEX_VERSION,
  type IndexedCard,
  type IndexedModel,
  type IndexOptions,
  type MhubV2Model,
  type ModelUrls,
  type PublishedDate,
  type RegistryIndex,
  writeIndex,
} from './build-index.ts';
export { type CardReadResult, type CardSource, MAX_CARD_BYTES, readCardText } from './card-file.ts';
export { BODY_TEMPLATE, defaultBody, formatCard } from './card-writer.ts';
export { digestProblem, imageNameProblem, isPinnedRequirement } from './checks.ts';
export { closest, editDistance } from './closest.ts';
export { parseCsv, parseCsvRows } from './csv.ts';
export { type Diagnostic, formatDiagnostic, formatPath, hasErrors, type Severity } from './diagnostics.ts';
export {
  type ImportOptions,
  type ImportResult,
  importMhubMeta,
  type MhubMeta,
  type MhubWorkflows,
} from './import-mhub.ts';
export { type ImportedFile, importMhubFiles, writeCards } from './import-mhub-files.ts';
export { cardRepo, defaultModelsDir, modelSourceDir, repoRoot } from './paths.ts';
export { imageHeader, type PreviewFormat } from './preview-file.ts';
export { type ProjectLinks, projectLinks } from './project.ts';
export { describeAge, type RegistryLookup, type ResolvedRegistry, resolveRegistry } from './source.ts';
export {
  type Code,
  defaultTerminologyDir,
  loadTerminology,
  type ResolvedSegment,
  SEARCH_SYNONYMS_FILE,
  Terminology,
} from './terminology.ts';
export type * from './types.gen.ts';
export {
  type CardRecord,
  listCardFiles,
  loadRegistry,
  type ValidationResult,
  validateCards,
  validateCardText,
} from './validate.ts';
export { defaultWorkflow } from './workflows.ts';
