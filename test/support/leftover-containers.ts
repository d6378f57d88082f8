// After the whole suite (`npm test` sets MHUB_CHECK_LEFTOVERS=1): no container carrying one of
// the project's run labels may exist. A cancelled or failed run must remove its container, from
// the Node runner and from the Slicer launcher alike; a leftover is one failed test.
import { spawnSync } from 'node:child_process';
import { PROJECT_LABEL_KEYS } from '../../src/runner/contract/index.ts';

/** "id name state key=value" per leftover container, or a reason when Docker cannot be asked. */
export function leftoverContainers(): { found: string[] } | { error: string } {
  const found = new Set<string>();
  for (const key of PROJECT_LABEL_KEYS) {
    const listed = spawnSync(
      'docker',
      [
        'ps',
        '-a',
        '--filter',
        `label=${key}`,
        '--format',
        `{{.ID}} {{.Names}} {{.State}} ${key}={{.Label "${key}"}}`,
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    if (listed.status !== 0)
      return { error: (listed.stderr || String(listed.error ?? 'docker failed')).trim() };
    for (const line of listed.stdout.split('\n')) if (line.trim()) found.add(line.trim());
  }
  return { found: [...found] };
}

/** Failures to add to the run's count (0 or 1), after printing why. */
export function checkLeftoverContainers(write: (text: string) => void): number {
  if (process.env.MHUB_CHECK_LEFTOVERS !== '1') return 0;
  const result = leftoverContainers();
  if ('error' in result) {
    if (!process.env.CI) {
      write(`\nleftover-container check skipped: docker is not available (${result.error.split('\n')[0]})\n`);
      return 0;
    }
    write(
      `\nFAIL leftover-container check: docker is not available in CI (${result.error.split('\n')[0]})\n`,
    );
    return 1;
  }
  if (result.found.length === 0) return 0;
  write(
    `\nFAIL ${result.found.length} container(s) with the project's labels (${PROJECT_LABEL_KEYS.join(', ')}) ` +
      `outlived the tests:\n${result.found.map((l) => `  ${l}`).join('\n')}\n`,
  );
  return 1;
}
