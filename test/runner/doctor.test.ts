// `mhub doctor`: real checks on this machine (Docker, Pythons, disk) and against a card.
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { doctor } from '../../src/runner/doctor.ts';
import { resolveModel } from '../../src/runner/run.ts';
import { fixtureCards, hasDocker } from './support.ts';

describe('mhub doctor', () => {
  it.skipIf(!hasDocker)(
    'reports Docker, Python and disk, and that the reference model can run here',
    async () => {
      const checks = await doctor(await resolveModel('classical_ct'));
      const byName = Object.fromEntries(checks.map((c) => [c.name, c]));
      expect(byName.Docker?.status).toBe('ok');
      expect(byName.Python?.status).toBe('ok');
      expect(byName['Cache disk']?.status).toBe('ok');
      expect(byName['classical_ct: runnable']).toMatchObject({ status: 'ok', detail: 'with docker or venv' });
    },
  );

  it('says what is wrong and how to fix it when Docker is unreachable', async () => {
    const record = await resolveModel('faulty_docker', [fixtureCards]);
    const checks = await doctor(record, { dockerSocket: '/tmp/mhub-no-such-docker.sock' });
    const docker = checks.find((c) => c.name === 'Docker')!;
    expect(docker.status).toBe('fail');
    expect(docker.fix).toMatch(/start Docker/);
    expect(checks.find((c) => c.name === 'faulty_docker: runnable')?.status).toBe('fail');
  });

  it('exits 4 from the CLI when a model cannot run here', async () => {
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l), isTTY: false };
    const previous = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'unix:///tmp/mhub-no-such-docker.sock';
    try {
      expect(await main(['doctor', 'faulty_docker', '--registry', fixtureCards], io)).toBe(4);
    } finally {
      if (previous === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = previous;
    }
    expect(lines.join('\n')).toMatch(
      /NOT OK {2}Docker: cannot reach the Docker daemon[\s\S]*fix: start Docker/,
    );
  });
});
