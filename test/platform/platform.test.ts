// src/platform's rules as tables, every OS branch run here on Linux: the shared vectors
// (vectors.json, which the Slicer launcher's Python runs too: test_platform.py) and the
// Node-only rules (Docker endpoint discovery, WSL2 paths, PATH lookup, doctor findings).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  bindSource,
  containerUserFor,
  dockerEndpoint,
  dockerTrouble,
  emulationWarning,
  executableNames,
  findOnPath,
  gpuChoice,
  gpuEnvironment,
  type HostOs,
  hostPath,
  killPlan,
  longPathRisk,
  MountPathError,
  PLATFORM_MATRIX,
  PLATFORMS,
  type Probe,
  pathsOf,
  platformFindings,
  platformId,
  pythonCommands,
  spawnOptions,
  venvPython,
} from '../../src/platform/index.ts';
import { containerUser } from '../../src/runner/contract/index.ts';
import { python, runPython } from '../slicer/support.ts';

const here = fileURLToPath(new URL('./', import.meta.url));
const vectors = JSON.parse(readFileSync(path.join(here, 'vectors.json'), 'utf8'));

/** A machine of any OS: the files that exist, text files, environment. */
function probe(
  os: HostOs,
  options: {
    arch?: string;
    home?: string;
    env?: Record<string, string>;
    files?: string[];
    texts?: Record<string, string>;
    kernel?: string;
    uid?: number;
    gid?: number;
  } = {},
): Probe {
  const files = new Set([...(options.files ?? []), ...Object.keys(options.texts ?? {})]);
  return {
    os,
    arch: options.arch ?? (os === 'darwin' ? 'arm64' : 'x64'),
    env: options.env ?? {},
    home: options.home ?? (os === 'win32' ? 'C:\\Users\\Ana' : os === 'darwin' ? '/Users/ana' : '/home/ana'),
    exists: (f) => files.has(f),
    readText: (f) => options.texts?.[f],
    ...(options.uid !== undefined ? { uid: options.uid, gid: options.gid } : {}),
    ...(options.kernel !== undefined ? { kernel: options.kernel } : {}),
  };
}

describe('shared vectors (TypeScript side)', () => {
  it.each(vectors.bindSource as { os: HostOs; path: string; source?: string; error?: string; why: string }[])(
    'bind source on $os: $path',
    (v) => {
      if (v.error) {
        expect(() => bindSource(v.path, { os: v.os })).toThrow(MountPathError);
        expect(() => bindSource(v.path, { os: v.os })).toThrow(v.error);
      } else expect(bindSource(v.path, { os: v.os }), v.why).toBe(v.source);
    },
  );

  it('refused mount paths carry a fix', () => {
    try {
      bindSource('\\\\server\\share\\ct', { os: 'win32' });
      expect.unreachable();
    } catch (error) {
      expect((error as MountPathError).fix).toMatch(/copy the data to a local drive/);
    }
  });

  it('container user: the caller on Linux engines only', () => {
    for (const v of vectors.containerUser) {
      const p = probe(v.os, v.uid === null ? {} : { uid: v.uid, gid: v.gid });
      expect(containerUserFor(p, containerUser) ?? null, v.os).toBe(v.user);
    }
  });

  it('venv interpreter per OS (path.win32 / path.posix)', () => {
    for (const v of vectors.venvPython) expect(venvPython(v.root, { os: v.os })).toBe(v.python);
    expect(pathsOf({ os: 'win32' })).toBe(path.win32);
    expect(pathsOf({ os: 'darwin' })).toBe(path.posix);
  });

  it('interpreters to try, the py launcher on Windows', () => {
    for (const v of vectors.pythonCommands) {
      const got = pythonCommands({ os: v.os, env: {} }, v.user ?? undefined).map((c) => [
        c.command,
        ...c.args,
      ]);
      expect(got, v.os).toEqual(v.commands);
    }
  });

  it('kill plans: taskkill /T /F on Windows, the process group elsewhere', () => {
    for (const v of vectors.killPlan) expect(killPlan(v.os, v.pid), v.os).toEqual(v.plan);
    expect(spawnOptions('linux').detached).toBe(true);
    expect(spawnOptions('darwin').detached).toBe(true);
    expect(spawnOptions('win32')).toEqual({ detached: false, windowsHide: true });
  });

  it('GPU choice per OS and backend', () => {
    for (const v of vectors.gpuChoice) {
      const choice = gpuChoice({ os: v.os, arch: v.arch }, v.backend, v.nvidia);
      expect(choice.device, `${v.os} ${v.arch} ${v.backend} nvidia=${v.nvidia}`).toBe(v.device);
      expect(choice.reason.length).toBeGreaterThan(10);
    }
    for (const v of vectors.gpuEnvironment) expect(gpuEnvironment(v.device, v.base)).toEqual(v.env);
  });

  it('emulation warnings', () => {
    for (const v of vectors.emulation)
      expect(emulationWarning(v.engine, v.images, v.image) ?? null, `${v.engine} ${v.images}`).toBe(
        v.warning,
      );
  });

  it('platform ids', () => {
    for (const v of vectors.platformId) expect(platformId(v)).toBe(v.id);
  });

  it('Docker fixes per platform, missing or stopped', () => {
    const ids = Object.fromEntries(vectors.platformId.map((v: { id: string }) => [v.id, v]));
    for (const v of vectors.dockerFixes) {
      const where = ids[v.platform];
      const installedMarker =
        where.os === 'win32'
          ? 'C:\\Program Files\\Docker\\Docker\\Docker Desktop.exe'
          : '/usr/local/bin/colima';
      const p = probe(where.os, {
        arch: where.arch,
        env: where.env,
        kernel: where.kernel,
        files: v.installed ? [installedMarker, '/usr/bin/dockerd'] : [],
      });
      const trouble = dockerTrouble(p, dockerEndpoint(p));
      expect(trouble.installed, v.platform).toBe(v.installed);
      expect(trouble.fix).toBe(`${v.fix}, or use --backend venv`);
      expect(trouble.why).toMatch(v.installed ? /installed but its engine is not running/ : /not installed/);
    }
  });
});

describe('Docker endpoint discovery', () => {
  const ctxHash = (name: string) => createHash('sha256').update(name).digest('hex');

  it.each([
    ['linux', [], '/var/run/docker.sock', 'system socket', false],
    ['linux', ['/var/run/docker.sock'], '/var/run/docker.sock', 'system socket', true],
    ['linux', ['/run/user/1000/docker.sock'], '/run/user/1000/docker.sock', 'rootless Docker', true],
    [
      'linux',
      ['/home/ana/.docker/desktop/docker.sock'],
      '/home/ana/.docker/desktop/docker.sock',
      'Docker Desktop for Linux',
      true,
    ],
    [
      'darwin',
      ['/Users/ana/.docker/run/docker.sock'],
      '/Users/ana/.docker/run/docker.sock',
      'Docker Desktop',
      true,
    ],
    [
      'darwin',
      ['/Users/ana/.colima/default/docker.sock'],
      '/Users/ana/.colima/default/docker.sock',
      'Colima',
      true,
    ],
    ['darwin', ['/Users/ana/.rd/docker.sock'], '/Users/ana/.rd/docker.sock', 'Rancher Desktop', true],
    [
      'darwin',
      ['/Users/ana/.orbstack/run/docker.sock'],
      '/Users/ana/.orbstack/run/docker.sock',
      'OrbStack',
      true,
    ],
    [
      'darwin',
      ['/var/run/docker.sock', '/Users/ana/.colima/default/docker.sock'],
      '/var/run/docker.sock',
      'system socket',
      true,
    ],
    ['darwin', [], '/var/run/docker.sock', 'system socket', false],
    ['win32', ['\\\\.\\pipe\\docker_engine'], '//./pipe/docker_engine', 'Docker Desktop named pipe', true],
    ['win32', [], '//./pipe/docker_engine', 'Docker Desktop named pipe', false],
  ] as [HostOs, string[], string, string, boolean][])(
    '%s with %j: %s',
    (os, files, address, source, present) => {
      const p = probe(os, { files, env: os === 'linux' ? { XDG_RUNTIME_DIR: '/run/user/1000' } : {} });
      const e = dockerEndpoint(p);
      expect(e).toMatchObject({ address, source, present });
      expect(e.modem).toEqual({ socketPath: address });
    },
  );

  it('DOCKER_HOST comes first: unix, npipe, tcp (dockerode reads tcp and TLS itself), ssh', () => {
    const files = ['/var/run/docker.sock', '/tmp/d.sock', '\\\\.\\pipe\\podman'];
    expect(
      dockerEndpoint(probe('linux', { files, env: { DOCKER_HOST: 'unix:///tmp/d.sock' } })),
    ).toMatchObject({
      address: '/tmp/d.sock',
      kind: 'unix',
      source: 'DOCKER_HOST',
      present: true,
      modem: { socketPath: '/tmp/d.sock' },
    });
    expect(
      dockerEndpoint(probe('win32', { files, env: { DOCKER_HOST: 'npipe:////./pipe/podman' } })),
    ).toMatchObject({
      address: '//./pipe/podman',
      kind: 'npipe',
      present: true,
    });
    const tcp = dockerEndpoint(probe('darwin', { env: { DOCKER_HOST: 'tcp://10.0.0.5:2376' } }));
    expect(tcp).toMatchObject({ kind: 'tcp', source: 'DOCKER_HOST', present: true });
    expect(tcp.modem).toBeUndefined();
    expect(dockerEndpoint(probe('linux', { env: { DOCKER_HOST: 'ssh://me@box' } }))).toMatchObject({
      kind: 'ssh',
    });
  });

  it('an explicit socket beats everything; a Windows pipe is recognised', () => {
    const p = probe('linux', { env: { DOCKER_HOST: 'unix:///x.sock' } });
    expect(dockerEndpoint(p, '/tmp/mine.sock')).toMatchObject({
      address: '/tmp/mine.sock',
      source: '--docker-socket',
    });
    expect(dockerEndpoint(probe('win32'), '//./pipe/other')).toMatchObject({ kind: 'npipe' });
    expect(dockerEndpoint(probe('win32'), 'tcp://127.0.0.1:2375').modem).toEqual({
      host: '127.0.0.1',
      port: 2375,
      protocol: 'http',
    });
  });

  it('the current Docker context: config.json currentContext, then DOCKER_CONTEXT', () => {
    const meta = (name: string, host: string, home = '/Users/ana') => ({
      [`${home}/.docker/contexts/meta/${ctxHash(name)}/meta.json`]: JSON.stringify({
        Name: name,
        Endpoints: { docker: { Host: host } },
      }),
    });
    const texts = {
      '/Users/ana/.docker/config.json': JSON.stringify({ currentContext: 'colima' }),
      '/Users/ana/.colima/default/docker.sock': '',
      ...meta('colima', 'unix:///Users/ana/.colima/default/docker.sock'),
      ...meta('remote', 'tcp://build.example:2376'),
    };
    expect(dockerEndpoint(probe('darwin', { texts }))).toMatchObject({
      address: '/Users/ana/.colima/default/docker.sock',
      source: 'context colima',
      present: true,
    });
    expect(dockerEndpoint(probe('darwin', { texts, env: { DOCKER_CONTEXT: 'remote' } }))).toMatchObject({
      kind: 'tcp',
      source: 'context remote',
      modem: { host: 'build.example', port: 2376, protocol: 'http' },
    });
    // "default", an unknown context, or a broken config: the usual sockets
    for (const config of [{ currentContext: 'default' }, { currentContext: 'gone' }, 'not json']) {
      const t = {
        '/Users/ana/.docker/config.json': JSON.stringify(config),
        '/Users/ana/.rd/docker.sock': '',
      };
      expect(dockerEndpoint(probe('darwin', { texts: t })).source).toBe('Rancher Desktop');
    }
    // DOCKER_CONFIG moves the config folder (Windows paths through path.win32)
    const win = probe('win32', {
      env: { DOCKER_CONFIG: 'D:\\dockercfg' },
      texts: {
        'D:\\dockercfg\\config.json': JSON.stringify({ currentContext: 'rd' }),
        [`D:\\dockercfg\\contexts\\meta\\${ctxHash('rd')}\\meta.json`]: JSON.stringify({
          Endpoints: { docker: { Host: 'npipe:////./pipe/docker_engine_rd' } },
        }),
      },
    });
    expect(dockerEndpoint(win)).toMatchObject({
      address: '//./pipe/docker_engine_rd',
      source: 'context rd',
      present: false,
    });
  });

  it('not running vs not installed vs no permission, per OS', () => {
    const linux = probe('linux', { files: ['/usr/bin/dockerd'] });
    expect(dockerTrouble(linux, dockerEndpoint(linux), 'EACCES').fix).toMatch(/usermod -aG docker/);
    const mac = probe('darwin', { files: ['/Applications/Docker.app'] });
    expect(dockerTrouble(mac, dockerEndpoint(mac)).fix).toMatch(/^start Docker: open -a Docker/);
    const macPath = probe('darwin', {
      env: { PATH: '/opt/homebrew/bin:/usr/bin' },
      files: ['/opt/homebrew/bin/docker'],
    });
    expect(dockerTrouble(macPath, dockerEndpoint(macPath)).installed).toBe(true);
    const winPath = probe('win32', {
      env: { PATH: 'C:\\Tools;C:\\Docker\\bin', PATHEXT: '.EXE;.CMD' },
      files: ['C:\\Docker\\bin\\docker.exe'],
    });
    expect(dockerTrouble(winPath, dockerEndpoint(winPath)).why).toMatch(
      /not running .*\/\/\.\/pipe\/docker_engine/,
    );
    const remote = probe('linux', { env: { DOCKER_HOST: 'tcp://10.1.1.1:2375' } });
    expect(dockerTrouble(remote, dockerEndpoint(remote)).fix).toMatch(/unset DOCKER_HOST/);
  });
});

describe('paths and programs', () => {
  it('WSL2 reads a typed Windows path as /mnt/<drive>; other systems leave it', () => {
    const wsl = probe('linux', { env: { WSL_DISTRO_NAME: 'Ubuntu' } });
    expect(hostPath('C:\\Users\\Ana\\ct scan.nii.gz', wsl)).toBe('/mnt/c/Users/Ana/ct scan.nii.gz');
    expect(hostPath('D:/data/', wsl)).toBe('/mnt/d/data');
    expect(hostPath('/home/ana/ct', wsl)).toBe('/home/ana/ct');
    expect(hostPath('C:\\x', probe('linux', { kernel: 'Linux version 6.1.0-18-amd64' }))).toBe('C:\\x');
    expect(hostPath('C:\\x', probe('win32'))).toBe('C:\\x');
  });

  it('PATH lookup uses PATHEXT on Windows', () => {
    const win = probe('win32', {
      env: { Path: 'C:\\Python311;C:\\Windows', PATHEXT: '.COM;.EXE' },
      files: ['C:\\Windows\\py.exe'],
    });
    expect(executableNames('py', win)).toEqual(['py.com', 'py.exe']);
    expect(executableNames('python.exe', win)).toEqual(['python.exe']);
    expect(findOnPath('py', win)).toBe('C:\\Windows\\py.exe');
    expect(findOnPath('python', win)).toBeUndefined();
    const mac = probe('darwin', {
      env: { PATH: '/usr/bin:/opt/homebrew/bin' },
      files: ['/opt/homebrew/bin/python3.12'],
    });
    expect(findOnPath('python3.12', mac)).toBe('/opt/homebrew/bin/python3.12');
  });

  it('Windows long paths: a deep cache folder is a risk, elsewhere never', () => {
    expect(longPathRisk('C:\\mhub', { os: 'win32' })).toBe(false);
    const deep = `C:\\Users\\${'a'.repeat(60)}\\AppData\\Local\\Caches\\mhub`;
    expect(longPathRisk(deep, { os: 'win32' })).toBe(true);
    expect(longPathRisk(`/home/${'a'.repeat(200)}`, { os: 'linux' })).toBe(false);
  });
});

describe('doctor findings per OS', () => {
  const names = (p: Probe, cacheRoot = '/c') => platformFindings(p, { cacheRoot }).map((f) => f.name);

  it('names the OS and the endpoint, with each OS its own findings', () => {
    const linux = platformFindings(probe('linux', { files: ['/var/run/docker.sock'] }), { cacheRoot: '/c' });
    expect(linux).toEqual([
      { name: 'Platform', status: 'ok', detail: 'Linux (x64)' },
      { name: 'Docker endpoint', status: 'ok', detail: '/var/run/docker.sock (system socket)' },
    ]);
    expect(names(probe('darwin'))).toEqual(['Platform', 'Docker endpoint', 'Apple Silicon']);
    expect(names(probe('darwin', { arch: 'x64' }))).toEqual(['Platform', 'Docker endpoint']);
    expect(names(probe('linux', { env: { WSL_DISTRO_NAME: 'Ubuntu' } }))).toEqual([
      'Platform',
      'Docker endpoint',
      'WSL2',
    ]);
    const deep = `C:\\Users\\${'a'.repeat(80)}\\mhub`;
    expect(names(probe('win32'), deep)).toEqual(['Platform', 'Docker endpoint', 'Windows long paths']);
    const missing = platformFindings(probe('win32'), { cacheRoot: 'C:\\mhub' })[1]!;
    expect(missing).toMatchObject({ status: 'warn', detail: 'Docker is not installed' });
    expect(missing.fix).toMatch(/install Docker Desktop with the WSL 2 backend/);
  });
});

describe('the supported-platforms table', () => {
  it('covers every platform x backend once, each with its engines and fixes', () => {
    const keys = PLATFORM_MATRIX.map((r) => `${r.platform}/${r.backend}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const p of PLATFORMS) {
      expect(keys).toContain(`${p.id}/docker`);
      expect(keys).toContain(`${p.id}/venv`);
      expect(p.engines.length).toBeGreaterThan(0);
      expect(p.installDocker).toMatch(/^install /);
      expect(p.startDocker).toMatch(/^start /);
    }
  });

  it("agrees with the GPU rule: each row's GPU is what gpuChoice gives there with an NVIDIA GPU", () => {
    const where: Record<string, Pick<Probe, 'os' | 'arch'>> = {
      linux: { os: 'linux', arch: 'x64' },
      wsl2: { os: 'linux', arch: 'x64' },
      windows: { os: 'win32', arch: 'x64' },
      'macos-arm64': { os: 'darwin', arch: 'arm64' },
      'macos-x64': { os: 'darwin', arch: 'x64' },
    };
    for (const row of PLATFORM_MATRIX)
      expect(
        gpuChoice(where[row.platform]!, row.backend, true).device,
        `${row.platform}/${row.backend}`,
      ).toBe(row.gpu);
  });
});

describe('shared vectors (Python launcher)', () => {
  it(`pass in MHubLib under ${python} (ntpath for Windows paths)`, () => {
    const result = runPython([path.join(here, 'test_platform.py')], {
      MHUB_LIB: path.join(here, '../../templates/slicer'),
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/^Ran \d+ tests/m);
    expect(result.stderr).toMatch(/^OK$/m);
  });
});
