// Issue 20 §5: unknown commands and options are usage errors (exit 2) that point at the right
// command; `--help` after an unknown word still prints the help and succeeds.
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';

describe('mhub with unknown commands and options', () => {
  it.each([
    // [argv, exit code, text expected on stderr]
    [['regstry'], 2, /unknown command 'regstry'[\s\S]*Did you mean registry\?/],
    [['rn', 'model'], 2, /unknown command 'rn'[\s\S]*Did you mean run\?/],
    [['foo'], 2, /unknown command 'foo'[\s\S]*the commands are: registry, run, batch, listen, doctor/],
    [['registry', 'valdate'], 2, /unknown command 'valdate'[\s\S]*Did you mean validate\?/],
    [['registry', 'foo'], 2, /the commands are: new, validate, check, index, import-mhub/],
    [['--bogus'], 2, /unknown option '--bogus'/],
    [['registry', 'validate', '--jsn'], 2, /unknown option '--jsn'[\s\S]*Did you mean --json\?/],
  ] as const)('mhub %s exits %i naming the closest command', async (argv, code, message) => {
    const result = await runCli([...argv]);
    expect(result.code).toBe(code);
    expect(result.err).toMatch(message);
    expect(result.err).not.toMatch(/\n\s+at /);
  });

  it.each([[['foo', '--help']], [['foo', 'bar', '-h']]])(
    'mhub %s prints the top-level help and exits 0',
    async (argv) => {
      const result = await runCli([...argv]);
      expect(result.code).toBe(0);
      expect(result.out).toMatch(/^Usage: mhub \[options\] \[command\]/);
      expect(result.out).toContain('registry');
    },
  );

  it('mhub registry <unknown> --help prints the registry help and exits 0', async () => {
    const result = await runCli(['registry', 'foo', '--help']);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^Usage: mhub registry/);
  });
});
