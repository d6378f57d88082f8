// The venv backend with real Pythons and processes: hash-pinned install failure, weights
// checked by sha256, reuse by stamp, rebuild of a half-built environment, a lock between two
// concurrent runs, and faults that must leave no process and no partial output behind.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV, envPaths, STAMP } from '../../src/runner/contract/index.ts';
import type { ProgressEvent } from '../../src/runner/progress-events.ts';
import { resolveModel, runModel } from '../../src/runner/run.ts';
import { ensureEnv } from '../../src/runner/venv/env.ts';
import { venvPython } from '../support/requirements.ts';
import { fixtureCards, fixtureNifti, processesWith, spawnMhub, tempDir } from './support.ts';

async function faultyInput(behaviour: string, marker = 'none'): Promise<string> {
  return fixtureNifti(await tempDir('venv-in'), `${behaviour} ${marker}`);
}

async function settled(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

async function noProcessesWith(marker: string): Promise<number[]> {
  for (let i = 0; i < 20 && processesWith(marker).length > 0; i++)
    await new Promise((r) => setTimeout(r, 100));
  return processesWith(marker);
}

describe.runIf(venvPython())('venv backend', () => {
  let home: string;
  beforeAll(async () => {
    home = await tempDir('venv-home');
  });

  it('runs the fixture, builds once, then reuses the stamped environment', async () => {
    const events: ProgressEvent[] = [];
    const out = path.join(await tempDir('venv-ok'), 'out');
    const request = {
      model: 'faulty_venv',
      registry: [fixtureCards],
      home,
      progress: (e: ProgressEvent) => events.push(e),
    };
    await runModel({ ...request, input: await faultyInput('ok'), output: out });
    expect(readdirSync(out).sort()).toEqual(['case', 'segmentation.nii.gz']);
    const installs = () =>
      events.filter((e) => e.phase === 'install' && /creating environment/.test(e.message ?? ''));
    expect(installs()).toHaveLength(1);
    await runModel({ ...request, input: await faultyInput('ok'), output: `${out}2` });
    expect(installs()).toHaveLength(1); // reused
    // A half-built environment (no stamp: a crash mid-install) is detected and rebuilt.
    rmSync(path.join(envPaths(home, 'faulty_venv', '0.0.1').root, STAMP));
    await runModel({ ...request, input: await faultyInput('ok'), output: `${out}3` });
    expect(installs()).toHaveLength(2);
  });

  it('two concurrent runs of one model build the environment once (file lock)', async () => {
    const shared = await tempDir('venv-lock');
    // A lock left by a dead process is taken over, not waited on forever.
    const { lock } = envPaths(shared, 'faulty_venv', '0.0.1');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(path.dirname(lock), { recursive: true });
    writeFileSync(lock, '999999999');
    const run = async (n: number) => {
      const input = await faultyInput('ok');
      const args = [
        'run',
        'faulty_venv',
        '--registry',
        fixtureCards,
        '-i',
        input,
        '-o',
        path.join(shared, `out${n}`),
      ];
      return spawnMhub([...args, '--backend', 'venv'], { env: { MHUB_HOME: shared } });
    };
    const [a, b] = await Promise.all([run(1), run(2)]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const built = [a, b].filter((r) => /creating environment/.test(r.stderr));
    expect(built).toHaveLength(1);
    expect(existsSync(lock)).toBe(false);
  });

  it('a requirement that does not match its hash fails clearly and leaves nothing', async () => {
    const out = path.join(await tempDir('venv-hash'), 'out');
    const error = await settled(
      runModel({
        model: 'faulty_badhash',
        registry: [fixtureCards],
        home,
        input: await faultyInput('ok'),
        output: out,
      }),
    );
    expect(error).toMatchObject({ code: 'ENVIRONMENT' });
    expect((error as Error).message).toMatch(/does not match its pinned hash/);
    expect(existsSync(envPaths(home, 'faulty_badhash', '0.0.1').root)).toBe(false);
    expect(existsSync(out)).toBe(false);
  }, 120_000);

  describe('weights', () => {
    const payload = Buffer.from('fake weights for the test\n'.repeat(1000));
    let url = '';
    const server = createServer((req, res) => {
      if (req.url === '/w.bin') res.end(payload);
      else res.writeHead(404).end();
    });
    beforeAll(async () => {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    async function withWeights(sha256: string, file = 'w.bin') {
      const record = structuredClone(await resolveModel('faulty_venv', [fixtureCards]));
      record.card.name = 'faulty_weights';
      record.card.runtimes.venv!.weights = [{ path: 'nested/model.bin', url: `${url}/${file}`, sha256 }];
      return record;
    }

    it('are downloaded into the cache and checked by sha256', async () => {
      const sha = createHash('sha256').update(payload).digest('hex');
      const env = await ensureEnv(await withWeights(sha), {
        home: await tempDir('venv-w'),
        progress: () => {},
      });
      expect(existsSync(path.join(env.weightsDir, 'nested/model.bin'))).toBe(true);
    });

    it('a wrong sha256 fails and leaves no environment', async () => {
      const wh = await tempDir('venv-wbad');
      const error = await settled(
        ensureEnv(await withWeights('0'.repeat(64)), { home: wh, progress: () => {} }),
      );
      expect((error as Error).message).toMatch(/does not match its sha256/);
      expect(existsSync(envPaths(wh, 'faulty_weights', '0.0.1').root)).toBe(false);
      const missing = await settled(
        ensureEnv(await withWeights('0'.repeat(64), 'nope'), { home: wh, progress: () => {} }),
      );
      expect((missing as Error).message).toMatch(/HTTP 404/);
    });
  });

  describe("a +cpu torch pin installs from PyTorch's index (the contract's PACKAGE_INDEX_RULES)", () => {
    // A real wheel named like PyTorch's CPU packages, served by nothing but a local index that
    // stands in for download.pytorch.org: pip finds it only through the flag the runner adds.
    let index = '';
    let pin = '';
    beforeAll(async () => {
      const dir = await tempDir('venv-torch-index');
      const make = `import base64, hashlib, sys, zipfile, os
root = sys.argv[1]
os.makedirs(os.path.join(root, "torchmini"))
wheel = os.path.join(root, "torchmini", "torchmini-1.0+cpu-py3-none-any.whl")
files = {"torchmini/__init__.py": b"VERSION = '1.0+cpu'\\n",
         "torchmini-1.0+cpu.dist-info/METADATA": b"Metadata-Version: 2.1\\nName: torchmini\\nVersion: 1.0+cpu\\n",
         "torchmini-1.0+cpu.dist-info/WHEEL": b"Wheel-Version: 1.0\\nGenerator: mhub-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"}
record = [f"{n},sha256={base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b'=').decode()},{len(b)}" for n, b in files.items()]
files["torchmini-1.0+cpu.dist-info/RECORD"] = ("\\n".join(record + ["torchmini-1.0+cpu.dist-info/RECORD,,"]) + "\\n").encode()
with zipfile.ZipFile(wheel, "w") as z:
    for n, b in files.items(): z.writestr(n, b)
# A PEP 503 project page: pip reads index.html from a file:// index's project folder.
with open(os.path.join(root, "torchmini", "index.html"), "w") as page:
    page.write('<a href="torchmini-1.0%2Bcpu-py3-none-any.whl">torchmini-1.0+cpu-py3-none-any.whl</a>')
print(hashlib.sha256(open(wheel, "rb").read()).hexdigest())`;
      const made = spawnSync('python3', ['-c', make, dir], { encoding: 'utf8' });
      expect(made.status, made.stderr).toBe(0);
      index = `file://${dir}`;
      pin = `torchmini==1.0+cpu --hash=sha256:${made.stdout.trim()}`;
    });

    async function withTorchPin() {
      const record = structuredClone(await resolveModel('faulty_venv', [fixtureCards]));
      record.card.name = 'faulty_torchpin';
      record.card.runtimes.venv!.requirements = [pin];
      return record;
    }
    const saved = process.env[ENV.torchIndex];
    afterAll(() => {
      if (saved === undefined) delete process.env[ENV.torchIndex];
      else process.env[ENV.torchIndex] = saved;
    });

    it("installs with the index named by $MHUB_TORCH_INDEX (a mirror of PyTorch's)", async () => {
      process.env[ENV.torchIndex] = index;
      const env = await ensureEnv(await withTorchPin(), {
        home: await tempDir('venv-tp'),
        progress: () => {},
      });
      const shown = spawnSync(env.python, ['-c', 'import torchmini; print(torchmini.VERSION)'], {
        encoding: 'utf8',
      });
      expect(shown.stdout.trim()).toBe('1.0+cpu');
    }, 120_000);

    it('without that index pip cannot find the +cpu build, and nothing is left', async () => {
      process.env[ENV.torchIndex] = '';
      const home = await tempDir('venv-tp0');
      const error = await settled(ensureEnv(await withTorchPin(), { home, progress: () => {} }));
      expect(error).toMatchObject({ code: 'ENVIRONMENT' });
      expect(existsSync(envPaths(home, 'faulty_torchpin', '0.0.1').root)).toBe(false);
    }, 120_000);
  });

  describe('faults leave no process and no output', () => {
    const run = async (behaviour: string, extra: { timeoutMs?: number; signal?: AbortSignal } = {}) => {
      const marker = `mhub-test-${behaviour}-${process.pid}-${Date.now()}`;
      const out = path.join(await tempDir(`venv-${behaviour}`), 'out');
      const controller = new AbortController();
      const error = await settled(
        runModel({
          model: 'faulty_venv',
          registry: [fixtureCards],
          home,
          input: await faultyInput(behaviour, marker),
          output: out,
          signal: extra.signal ?? controller.signal,
          timeoutMs: extra.timeoutMs,
        }),
      );
      return { error: error as { code: string; message: string }, marker, out };
    };

    it('non-zero exit', async () => {
      const { error, out } = await run('fail');
      expect(error).toMatchObject({ code: 'RUN_FAILED' });
      expect(error.message).toMatch(/exited with code 3[\s\S]*something went wrong/);
      expect(existsSync(out)).toBe(false);
    });

    it('exit 0 without outputs', async () => {
      const { error } = await run('noop');
      expect(error.message).toMatch(/finished without writing segmentation\.nii\.gz/);
    });

    it('timeout kills the whole process tree', async () => {
      const { error, marker, out } = await run('sleep', { timeoutMs: 1500 });
      expect(error).toMatchObject({ code: 'TIMEOUT' });
      expect(await noProcessesWith(marker)).toEqual([]);
      expect(existsSync(out)).toBe(false);
    });

    it('cancel kills the whole process tree', async () => {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 1500);
      const { error, marker } = await run('sleep', { signal: controller.signal });
      expect(error).toMatchObject({ code: 'CANCELLED' });
      expect(await noProcessesWith(marker)).toEqual([]);
    });
  });
});
