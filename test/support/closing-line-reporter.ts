// Prints the plain closing line `N passed, N failed[, N skipped]` that CI reads for the count.
// Under `npm test` a container left behind by the suite counts as one more failure.
import type { Reporter, TestModule } from 'vitest/node';
import { checkLeftoverContainers } from './leftover-containers.ts';

export default class ClosingLineReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of modules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
      // A file that failed to load has no tests but must still count as a failure.
      if (module.state() === 'failed' && [...module.children.allTests()].length === 0) failed++;
    }
    const leftovers = checkLeftoverContainers((text) => process.stdout.write(text));
    if (leftovers > 0) {
      failed += leftovers;
      process.exitCode = 1;
    }
    process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  }
}
