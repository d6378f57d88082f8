// Credentials for a DICOMweb server: from the environment, or from a config file only its owner
// can read. Never from the command line (shell history, `ps`), never printed.
import { readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MhubError } from '../errors.ts';

export const AUTH_ENV = {
  token: 'MHUB_DICOMWEB_TOKEN',
  user: 'MHUB_DICOMWEB_USER',
  password: 'MHUB_DICOMWEB_PASSWORD',
  config: 'MHUB_DICOMWEB_CONFIG',
} as const;

/** `~/.config/mhub/dicomweb.json` unless MHUB_DICOMWEB_CONFIG names another file. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return (
    env[AUTH_ENV.config] ??
    path.join(env.XDG_CONFIG_HOME ?? path.join(os.homedir(), '.config'), 'mhub', 'dicomweb.json')
  );
}

interface ServerEntry {
  token?: string;
  user?: string;
  password?: string;
}

/**
 * The Authorization header value for `base`, or undefined for none. The environment wins; else
 * the config file's entry whose key is a prefix of `base` (the longest), so a credential is only
 * sent to the server it was written for.
 */
export async function authorizationFor(
  base: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  const token = env[AUTH_ENV.token];
  if (token) return `Bearer ${token}`;
  const user = env[AUTH_ENV.user];
  if (user !== undefined && user !== '') {
    const password = env[AUTH_ENV.password];
    if (password === undefined) {
      throw new MhubError(
        'ENVIRONMENT',
        `${AUTH_ENV.user} is set but ${AUTH_ENV.password} is not`,
        `export ${AUTH_ENV.password} as well (it is never read from the command line)`,
      );
    }
    return basic(user, password);
  }
  const file = configPath(env);
  const info = await stat(file).catch(() => undefined);
  if (!info) return undefined;
  if ((info.mode & 0o077) !== 0) {
    throw new MhubError(
      'ENVIRONMENT',
      `${file} holds credentials but its mode is ${(info.mode & 0o777).toString(8)}: other users can read it`,
      `chmod 600 ${file}`,
    );
  }
  let servers: Record<string, ServerEntry>;
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as { servers?: unknown };
    if (!parsed || typeof parsed.servers !== 'object' || parsed.servers === null)
      throw new Error('no servers');
    servers = parsed.servers as Record<string, ServerEntry>;
  } catch {
    throw new MhubError(
      'ENVIRONMENT',
      `${file}: field servers is missing or the file is not JSON`,
      'write {"servers": {"http://host:port/root": {"token": "..."}}} (or "user" and "password")',
    );
  }
  const key = Object.keys(servers)
    .filter((k) => samePrefix(base, k))
    .sort((a, b) => b.length - a.length)[0];
  if (key === undefined) return undefined;
  const entry = servers[key]!;
  if (typeof entry.token === 'string' && entry.token) return `Bearer ${entry.token}`;
  if (typeof entry.user === 'string' && typeof entry.password === 'string')
    return basic(entry.user, entry.password);
  throw new MhubError(
    'ENVIRONMENT',
    `${file}: servers["${key}"] has neither a token nor a user and password`,
    'add "token", or "user" and "password"',
  );
}

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

function samePrefix(base: string, key: string): boolean {
  const k = key.replace(/^dicomweb\+/i, '').replace(/\/+$/, '');
  return base === k || base.startsWith(`${k}/`);
}
