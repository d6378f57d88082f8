// What `mhub doctor` says about the platform itself: which OS and Docker endpoint, and the
// known limits there (matrix.ts), each with its fix.
import { dockerEndpoint, dockerTrouble, platformId } from './docker-endpoint.ts';
import { platformInfo } from './matrix.ts';
import type { Probe } from './probe.ts';
import { longPathRisk } from './python.ts';

export interface Finding {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  fix?: string;
}

export function platformFindings(
  probe: Probe,
  options: { cacheRoot: string; dockerSocket?: string },
): Finding[] {
  const id = platformId(probe);
  const info = platformInfo(id);
  const out: Finding[] = [
    {
      name: 'Platform',
      status: 'ok',
      detail: `${info.name} (${probe.arch})${id === 'wsl2' ? `, distro ${probe.env.WSL_DISTRO_NAME ?? '?'}` : ''}`,
    },
  ];
  const endpoint = dockerEndpoint(probe, options.dockerSocket);
  if (endpoint.present) {
    out.push({ name: 'Docker endpoint', status: 'ok', detail: `${endpoint.address} (${endpoint.source})` });
  } else {
    const t = dockerTrouble(probe, endpoint);
    out.push({ name: 'Docker endpoint', status: 'warn', detail: t.why, fix: t.fix });
  }
  if (id === 'macos-arm64') {
    out.push({
      name: 'Apple Silicon',
      status: 'warn',
      detail: info.limits.join('; '),
      fix: 'prefer models whose image is published for arm64, or use --backend venv for GPU (MPS) and native speed',
    });
  }
  if (id === 'wsl2') {
    out.push({ name: 'WSL2', status: 'ok', detail: info.limits.join('; ') });
  }
  if (longPathRisk(options.cacheRoot, probe)) {
    out.push({
      name: 'Windows long paths',
      status: 'warn',
      detail: `environments under ${options.cacheRoot} may hold paths longer than 260 characters`,
      fix: 'enable long paths (HKLM\\SYSTEM\\CurrentControlSet\\Control\\FileSystem LongPathsEnabled = 1) or set MHUB_HOME to a short folder such as C:\\mhub',
    });
  }
  return out;
}
