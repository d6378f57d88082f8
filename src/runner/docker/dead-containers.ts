// Containers a killed `mhub run` left behind: each carries `org.mhub-registry.owner=host:pid`
// (set in backend.ts); one whose owner process on this host is gone is removed.
import type Docker from 'dockerode';
import { ownerIsDead, parseOwner } from '../../fsafe/index.ts';
import { LABELS } from '../contract/index.ts';

const OWNER_LABEL = LABELS.owner;

/** Removes (forcefully) every container whose owner label names a dead process; returns their names. */
export async function removeDeadContainers(docker: Docker): Promise<string[]> {
  const listed = await docker.listContainers({ all: true, filters: { label: [OWNER_LABEL] } });
  const removed: string[] = [];
  for (const c of listed) {
    if (!ownerIsDead(parseOwner(c.Labels[OWNER_LABEL] ?? ''))) continue;
    await docker
      .getContainer(c.Id)
      .remove({ force: true })
      .then(() => removed.push(c.Names[0]?.replace(/^\//, '') ?? c.Id))
      .catch(() => {}); // already being removed
  }
  return removed;
}
