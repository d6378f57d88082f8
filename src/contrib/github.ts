// The GitHub side of the contribution tools: one Octokit factory (with an injectable fetch, so
// tests serve recorded responses) and one translation of API failures into clear messages.
import { Octokit } from '@octokit/rest';
import { MhubError } from '../errors.ts';

export interface GitHubOptions {
  token?: string;
  /** Replaces global fetch: tests pass a fake that serves fixtures. */
  fetch?: typeof fetch;
  baseUrl?: string;
}

export function createOctokit(options: GitHubOptions = {}): Octokit {
  return new Octokit({
    ...(options.token ? { auth: options.token } : {}),
    ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
    userAgent: 'mhub-contrib-tools',
    request: { ...(options.fetch ? { fetch: options.fetch } : {}), retries: 0 },
    // Octokit logs 4xx responses itself; our callers turn them into one clear message instead.
    log: { debug() {}, info() {}, warn() {}, error() {} },
  });
}

export interface RepoRef {
  owner: string;
  repo: string;
}

export function parseRepo(value: string | undefined): RepoRef {
  const match = value?.match(/^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/);
  if (!match)
    throw new MhubError(
      'USAGE',
      `'${value ?? ''}' is not a repository`,
      'give --repo owner/name (or set GITHUB_REPOSITORY)',
    );
  return { owner: match[1]!, repo: match[2]! };
}

interface RequestErrorLike {
  status: number;
  message: string;
  response?: { headers?: Record<string, string | number | undefined> };
}

function isRequestError(error: unknown): error is RequestErrorLike {
  return (
    typeof error === 'object' && error !== null && typeof (error as { status?: unknown }).status === 'number'
  );
}

/**
 * Runs one GitHub call; a failure becomes an MhubError saying what could not be done, why, and
 * which permission or setting fixes it. `needs` names the workflow permission the call uses.
 */
export async function github<T>(what: string, needs: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!isRequestError(error)) throw error;
    const reason = error.message.split('\n')[0]!.replace(/ - https:\/\/docs\.github\.com\S*/, '');
    const headers = error.response?.headers ?? {};
    if (error.status === 401)
      throw new MhubError(
        'ENVIRONMENT',
        `cannot ${what}: GitHub rejected the token (401 ${reason})`,
        'set GITHUB_TOKEN to a valid token',
      );
    if ((error.status === 403 || error.status === 429) && String(headers['x-ratelimit-remaining']) === '0')
      throw new MhubError(
        'ENVIRONMENT',
        `cannot ${what}: the GitHub API rate limit is used up`,
        'wait for the limit to reset, or use an authenticated token',
      );
    if (error.status === 403)
      throw new MhubError(
        'ENVIRONMENT',
        `cannot ${what}: the token lacks permission (403 ${reason})`,
        `give the token \`${needs}\` (in a workflow: \`permissions: ${needs}\`); a pull_request run from a fork only ever gets a read-only token`,
      );
    if (error.status === 404)
      throw new MhubError(
        'NOT_FOUND',
        `cannot ${what}: not found (404), or the token cannot see it`,
        `check the repository and number, and that the token has \`${needs}\``,
      );
    throw new MhubError(
      'ENVIRONMENT',
      `cannot ${what}: GitHub answered ${error.status} ${reason}`,
      'try again later',
    );
  }
}

/** A file's text at a ref, or undefined when it does not exist there. */
export async function readFileAt(
  octokit: Octokit,
  repo: RepoRef,
  filePath: string,
  ref: string,
): Promise<string | undefined> {
  try {
    const { data } = await octokit.rest.repos.getContent({ ...repo, path: filePath, ref });
    if (Array.isArray(data) || data.type !== 'file' || !('content' in data)) return undefined;
    return Buffer.from(data.content, 'base64').toString('utf8');
  } catch (error) {
    if (isRequestError(error) && error.status === 404) return undefined;
    return github(`read ${filePath} at ${ref.slice(0, 7)}`, 'contents: read', () => Promise.reject(error));
  }
}
