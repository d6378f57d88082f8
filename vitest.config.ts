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
    // Tests reach no network: torch's +cpu wheels come from pip's own configuration here (the
    // machine's local index), not from download.pytorch.org, unless the caller names a mirror.
    env: { MHUB_TORCH_INDEX: process.env.MHUB_TORCH_INDEX ?? '' },
  },
});
