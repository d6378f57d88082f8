import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Docker and venv end-to-end suites share one daemon and cache: keep files in one worker pool
    // of two (the machine has two cores) and give slow integration tests room.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 600_000,
    reporters: ['default', './test/support/closing-line-reporter.ts'],
  },
});
