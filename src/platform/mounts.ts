// Host folders as the Docker engine wants them in a bind mount, and the container's user:
// only a Linux engine shares the caller's uid:gid with the host.
import { isWsl, type Probe } from './probe.ts';

/** The container user rule of the run contract (uid:gid, nobody for root), given in. */
export type ContainerUserRule = (uid: number | undefined, gid: number | undefined) => string | undefined;

export class MountPathError extends Error {
  readonly fix: string;
  constructor(message: string, fix: string) {
    super(message);
    this.fix = fix;
  }
}

const DRIVE = /^([A-Za-z]):[\\/](.*)$/;

/**
 * The bind-mount source for a host folder. Windows (Docker Desktop, WSL 2 backend): C:\a b\x ->
 * /run/desktop/mnt/host/c/a b/x; \\?\C:\... is read as C:\...; UNC and \\wsl$ paths cannot be
 * mounted. Linux and macOS: the path itself, refused when it holds a ':' (the bind syntax's
 * separator). Spaces and non-ASCII characters pass unchanged (no shell is involved).
 */
export function bindSource(hostPath: string, probe: Pick<Probe, 'os'>): string {
  if (probe.os === 'win32') {
    const plain = hostPath.replace(/^\\\\\?\\(?=[A-Za-z]:)/, '');
    const drive = DRIVE.exec(plain);
    if (drive) {
      const rest = drive[2]!.replace(/\\/g, '/').replace(/\/+$/, '');
      if (rest.includes(':')) throw badColon(hostPath);
      return `/run/desktop/mnt/host/${drive[1]!.toLowerCase()}${rest ? `/${rest}` : ''}`;
    }
    if (/^(\\\\|\/\/)/.test(plain)) {
      const wsl = /^(\\\\|\/\/)(wsl\$|wsl\.localhost)[\\/]/i.test(plain);
      throw new MountPathError(
        `${hostPath} is a ${wsl ? 'WSL' : 'network (UNC)'} path, which Docker Desktop cannot mount`,
        wsl
          ? 'run mhub inside that WSL distro, or copy the data to a local drive'
          : 'copy the data to a local drive (e.g. C:\\data), or map the share to a drive letter',
      );
    }
    throw new MountPathError(
      `${hostPath} is not an absolute Windows path`,
      'give a path such as C:\\data\\ct',
    );
  }
  if (hostPath.includes(':')) throw badColon(hostPath);
  return hostPath;
}

function badColon(hostPath: string) {
  return new MountPathError(
    `${hostPath} holds a ':', which a Docker bind mount cannot carry`,
    'rename the folder, or move the data to a path without ":"',
  );
}

/**
 * A path the user typed, as this host reads it: inside WSL2 a Windows path (C:\data) is the
 * drive under /mnt (/mnt/c/data); elsewhere unchanged.
 */
export function hostPath(typed: string, probe: Pick<Probe, 'os' | 'env' | 'kernel'>): string {
  if (!isWsl(probe)) return typed;
  const drive = DRIVE.exec(typed);
  if (!drive) return typed;
  const rest = drive[2]!.replace(/\\/g, '/').replace(/\/+$/, '');
  return `/mnt/${drive[1]!.toLowerCase()}${rest ? `/${rest}` : ''}`;
}

/**
 * uid:gid for the container: on a Linux host (WSL2 included) the contract's rule; on Windows and
 * macOS none (Docker Desktop, Colima and the others map file ownership to the user themselves,
 * and the caller's uid means nothing inside their VM).
 */
export function containerUserFor(
  probe: Pick<Probe, 'os' | 'uid' | 'gid'>,
  rule: ContainerUserRule,
): string | undefined {
  return probe.os === 'linux' ? rule(probe.uid, probe.gid) : undefined;
}
