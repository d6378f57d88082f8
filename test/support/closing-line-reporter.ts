// Prints the plain closing line `N passed, N failed[, N skipped]` that CI reads for the count,
// preceded by a summary of what was skipped and why (reasons recorded by
// test/support/requirements.ts, and notes given to `ctx.skip(note)`). In CI a skipped test
// fails the run: CI installs every real dependency, so a skip there means one went missing.
// Under `npm test` a container left behind by the suite counts as one more failure.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';
import { checkLeftoverContainers } from './leftover-containers.ts';

export default class ClosingLineReporter implements Reporter {
  private readonly logDir = mkdtempSync(path.join(tmpdir(), 'mhub-test-skips-'));
  private readonly log = path.join(this.logDir, 'reasons.jsonl');

  onInit(): void {
    // Set before the pool forks its workers, which inherit the environment.
    process.env.MHUB_TEST_SKIP_LOG = this.log;
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const skippedPerFile = new Map<string, number>();
    const notes = new Set<string>();
    for (const module of modules) {
      for (const test of module.children.allTests()) {
        const result = test.result();
        if (result.state === 'passed') passed++;
        else if (result.state === 'failed') failed++;
        else {
          skipped++;
          const file = path.relative(process.cwd(), module.moduleId);
          skippedPerFile.set(file, (skippedPerFile.get(file) ?? 0) + 1);
          if (result.state === 'skipped' && result.note) notes.add(result.note);
        }
      }
      // A file that failed to load has no tests but must still count as a failure.
      if (module.state() === 'failed' && [...module.children.allTests()].length === 0) failed++;
    }
    const reasons = new Set([...this.recordedReasons(), ...notes]);
    rmSync(this.logDir, { recursive: true, force: true });
    if (skipped) {
      const lines = ['', `Skipped ${skipped} tests:`];
      for (const [file, n] of [...skippedPerFile].sort()) lines.push(`  ${file}: ${n}`);
      lines.push('Because:');
      for (const reason of [...reasons].sort()) lines.push(`  - ${reason}`);
      if (!reasons.size) lines.push('  - (no reason was recorded: use test/support/requirements.ts)');
      process.stdout.write(`${lines.join('\n')}\n`);
      if (process.env.CI) {
        process.stdout.write('CI: no test may skip in CI; install what is missing in .ci/run.\n');
        process.exitCode = 1;
      }
    }
    const leftovers = checkLeftoverContainers((text) => process.stdout.write(text));
    if (leftovers > 0) {
      failed += leftovers;
      process.exitCode = 1;
    }
    process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  }

  private recordedReasons(): string[] {
    try {
      return readFileSync(this.log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => (JSON.parse(line) as { reason: string }).reason);
    } catch {
      return []; // nothing was skipped for a missing dependency
    }
  }
}
