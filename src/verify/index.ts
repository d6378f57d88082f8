// Reproducibility: `mhub test` runs a model on its card's sample through the normal runner and
// compares each output with the reference (label geometry, per-segment Dice, voxel mismatch,
// numeric tolerance); reports in JSON or Markdown; the catalog's one-line verification.

export {
  readReport,
  referencePath,
  repoFile,
  reportFile,
  type SampleInput,
  sampleInput,
} from './committed.ts';
export {
  type Comparison,
  compareFiles,
  compareLabelMaps,
  compareNumbers,
  DEFAULT_TOLERANCE,
  describeRule,
  type SegmentFigure,
} from './compare.ts';
export {
  allSummaryLines,
  lowestDice,
  type ReportSummary,
  type RunSummary,
  reportMarkdown,
  summariseReport,
  summaryLines,
  type Verification,
  verificationSummary,
} from './report.ts';
export {
  type AllResult,
  BACKENDS,
  type BackendRun,
  cannotRun,
  type TestCaseResult,
  type TestOptions,
  type TestReport,
  testAll,
  testModel,
  unsupportedSource,
} from './run-tests.ts';
