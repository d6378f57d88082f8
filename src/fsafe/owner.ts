// Who holds a lock, a workspace or a container: host name and process id. Only an owner on this
// host whose process is gone counts as dead; another host's owner is left alone.
import { hostname } from 'node:os';

export interface Owner {
  host: string;
  pid: number;
}

export const thisOwner = (): Owner => ({ host: hostname(), pid: process.pid });

/** `host:pid`, the form used in container labels. */
export const ownerLabel = (owner: Owner = thisOwner()): string => `${owner.host}:${owner.pid}`;

export function parseOwner(text: string): Owner | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return { host: hostname(), pid: Number(trimmed) }; // older pid-only locks
  try {
    const o = JSON.parse(trimmed) as Partial<Owner>;
    if (typeof o.host === 'string' && Number.isInteger(o.pid)) return { host: o.host, pid: o.pid! };
  } catch {
    const m = /^(.+):(\d+)$/.exec(trimmed);
    if (m) return { host: m[1]!, pid: Number(m[2]) };
  }
  return undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function ownerIsDead(owner: Owner | undefined): boolean {
  return owner !== undefined && owner.pid > 0 && owner.host === hostname() && !alive(owner.pid);
}
