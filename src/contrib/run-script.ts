// The end of every contribution script: exit codes and messages as the CLI gives them
// (src/exit-codes.ts), and the GitHub client both scripts build from the environment.

import { isMhubError } from '../errors.ts';
import { EXIT_CODES } from '../exit-codes.ts';
import { createOctokit } from './github.ts';

/** GITHUB_TOKEN, and GITHUB_API_URL (set by Actions, GitHub Enterprise too; tests point it at a fake). */
export function octokitFromEnv(env: NodeJS.ProcessEnv = process.env) {
  return createOctokit({
    ...(env.GITHUB_TOKEN ? { token: env.GITHUB_TOKEN } : {}),
    ...(env.GITHUB_API_URL ? { baseUrl: env.GITHUB_API_URL } : {}),
  });
}

export function runScript(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (isMhubError(error)) {
        console.error(`${name}: ${error.message}${error.hint ? `\n  Fix: ${error.hint}` : ''}`);
        process.exit(EXIT_CODES[error.code]);
      }
      console.error(`${name}: unexpected error: ${(error as Error)?.stack ?? String(error)}`);
      process.exit(EXIT_CODES.INTERNAL);
    },
  );
}
