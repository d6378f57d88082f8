// `mhub doctor` on this machine says which platform and Docker endpoint it found, with the fix
// from src/platform's table when the endpoint is not there.
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { dockerInstalled, platformId, platformInfo, systemProbe } from '../../src/platform/index.ts';

async function doctorJson(env: Record<string, string | undefined>) {
  const lines: string[] = [];
  const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l), isTTY: false };
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    await main(['doctor', '--json'], io);
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  return JSON.parse(lines.join('\n')) as { name: string; status: string; detail: string; fix?: string }[];
}

describe('mhub doctor: platform findings', () => {
  it('names this platform and, for a Docker endpoint that is not there, the fix of this OS', async () => {
    const checks = await doctorJson({ DOCKER_HOST: 'unix:///tmp/mhub-platform-no-such.sock' });
    const byName = Object.fromEntries(checks.map((c) => [c.name, c]));
    const info = platformInfo(platformId(systemProbe()));
    expect(byName.Platform).toEqual({
      name: 'Platform',
      status: 'ok',
      detail: expect.stringContaining(info.name),
    });
    expect(byName.Platform!.detail).toContain(os.arch());
    const endpoint = byName['Docker endpoint']!;
    expect(endpoint.status).toBe('warn');
    const installed = dockerInstalled(systemProbe());
    expect(endpoint.detail).toMatch(
      installed ? /\/tmp\/mhub-platform-no-such\.sock, DOCKER_HOST/ : /not installed/,
    );
    expect(endpoint.fix).toBe(`${installed ? info.startDocker : info.installDocker}, or use --backend venv`);
    // the daemon check says the same fix
    expect(byName.Docker?.fix).toBe(endpoint.fix);
  });
});
