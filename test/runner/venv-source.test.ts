// runtimes.venv.source.url: the reference model's code served as a real archive by a local HTTP
// server, downloaded, checked by sha256, unpacked into $MHUB_HOME/sources/<sha256>/ and run by the
// venv backend, with the same label map as the source.path run. A wrong sha256, archives whose
// entries leave the target, a 404 and an unreachable server are each refused with their message.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleModel, loadBundle } from '../../src/bundle/index.ts';
import type { CardRecord } from '../../src/registry/index.ts';
import { envPaths, sourcePaths } from '../../src/runner/contract/index.ts';
import type { ProgressEvent } from '../../src/runner/progress-events.ts';
import { resolveModel, runModel } from '../../src/runner/run.ts';
import { ensureEnv } from '../../src/runner/venv/env.ts';
import { venvPython } from '../support/requirements.ts';
import { makePhantom, modelsDir, niftiVoxels, repo, tempDir, testHome } from './support.ts';

/** Writes archives with python3's tarfile/zipfile: the good one from models/classical_ct, and hostile ones. */
const MAKE_ARCHIVES = String.raw`
import io, os, sys, tarfile, zipfile
src, out = sys.argv[1], sys.argv[2]
def add_tree(add):
    for base, dirs, files in os.walk(os.path.join(src, "classical_ct")):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for f in sorted(files):
            full = os.path.join(base, f)
            add(full, os.path.relpath(full, src))
with tarfile.open(os.path.join(out, "code.tar.gz"), "w:gz") as t:
    add_tree(lambda full, rel: t.add(full, rel))
with zipfile.ZipFile(os.path.join(out, "code.zip"), "w", zipfile.ZIP_DEFLATED) as z:
    add_tree(lambda full, rel: z.write(full, rel))
def hostile(name, entries):
    with tarfile.open(os.path.join(out, name), "w:gz") as t:
        for kind, entry, extra in entries:
            info = tarfile.TarInfo(entry)
            if kind == "file":
                info.size = len(extra); t.addfile(info, io.BytesIO(extra))
            else:
                info.type = tarfile.SYMTYPE; info.linkname = extra; t.addfile(info)
hostile("absolute.tar.gz", [("file", "classical_ct/ok.py", b""), ("file", "/tmp/mhub-evil.py", b"x")])
hostile("dotdot.tar.gz", [("file", "classical_ct/../../mhub-evil.py", b"x")])
hostile("symlink.tar.gz", [("link", "classical_ct/data", "../../../etc")])
hostile("chain.tar.gz", [("link", "a", "."), ("link", "a/b", "..")])
with zipfile.ZipFile(os.path.join(out, "dotdot.zip"), "w") as z:
    z.writestr("../mhub-evil.py", "x")
open(os.path.join(out, "notes.txt"), "w").write("not an archive\n")
`;

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe.runIf(venvPython())('venv source archives', () => {
  let served: string;
  let url = '';
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const file = path.join(served, path.basename(req.url ?? ''));
    if (req.url?.startsWith('/files/') && existsSync(file)) res.end(readFileSync(file));
    else res.writeHead(404).end();
  });
  let base: CardRecord;
  let phantom: string;

  beforeAll(async () => {
    served = await tempDir('src-served');
    execFileSync('python3', ['-c', MAKE_ARCHIVES, path.join(repo, 'models/classical_ct'), served]);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/files`;
    base = await resolveModel('classical_ct', [modelsDir]);
    phantom = await tempDir('src-phantom');
    makePhantom(phantom);
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  /** classical_ct with its code from `file` on the server (name changed: its own environment). */
  function fromArchive(file: string, sha256 = sha(path.join(served, file)), at = url): CardRecord {
    const record = structuredClone(base);
    record.card.name = 'classical_ct_archive';
    record.card.runtimes.venv!.source = { url: `${at}/${file}`, sha256 };
    return record;
  }

  async function refusal(record: CardRecord, home: string): Promise<string> {
    const error = await ensureEnv(record, { home, progress: () => {} }).then(
      () => new Error('no error'),
      (e: Error) => e,
    );
    return error.message;
  }

  it('runs classical_ct from a .tar.gz and a .zip with the same label map as from source.path', async () => {
    const out = await tempDir('src-out');
    const input = path.join(phantom, 'ct.nii.gz');
    const fromPath = await runModel({
      model: base,
      input,
      output: path.join(out, 'path'),
      backend: 'venv',
      home: testHome,
    });
    const home = await tempDir('src-home');
    const events: ProgressEvent[] = [];
    const tgz = fromArchive('code.tar.gz');
    const fromTar = await runModel({
      model: tgz,
      input,
      output: path.join(out, 'tar'),
      backend: 'venv',
      home,
      progress: (e) => events.push(e),
    });
    const want = niftiVoxels(fromPath.outputs[0]!);
    expect(niftiVoxels(fromTar.outputs[0]!).equals(want)).toBe(true);
    expect(want.equals(niftiVoxels(path.join(phantom, 'expected.nii.gz')))).toBe(true);
    // Downloaded with progress, cached by sha256, unpacked with the archive's root as the code.
    const size = readFileSync(path.join(served, 'code.tar.gz')).length;
    expect(events.filter((e) => e.phase === 'download').at(-1)).toMatchObject({ done: size, total: size });
    const { archive, dir } = sourcePaths(home, tgz.card.runtimes.venv!.source!.sha256!);
    expect(sha(archive)).toBe(tgz.card.runtimes.venv!.source!.sha256);
    expect(readdirSync(path.join(dir, 'classical_ct')).sort()).toEqual(
      readdirSync(path.join(repo, 'models/classical_ct/classical_ct'))
        .filter((f) => f !== '__pycache__')
        .sort(),
    );
    // The second run reuses the environment and the unpacked code: no second download.
    const before = requests.length;
    await runModel({ model: tgz, input, output: path.join(out, 'tar2'), backend: 'venv', home });
    expect(requests.length).toBe(before);

    const fromZip = await runModel({
      model: fromArchive('code.zip'),
      input,
      output: path.join(out, 'zip'),
      backend: 'venv',
      home,
    });
    expect(niftiVoxels(fromZip.outputs[0]!).equals(want)).toBe(true);
  }, 480_000);

  it('refuses an archive that does not match its sha256, naming the card and field', async () => {
    const home = await tempDir('src-bad');
    const record = fromArchive('code.tar.gz', '0'.repeat(64));
    expect(await refusal(record, home)).toBe(
      `${base.file}: runtimes.venv.source.url: ${url}/code.tar.gz does not match its sha256 ` +
        `(runtimes.venv.source.sha256): expected ${'0'.repeat(64)}, got ${sha(path.join(served, 'code.tar.gz'))}`,
    );
    expect(existsSync(sourcePaths(home, '0'.repeat(64)).archive)).toBe(false);
    expect(existsSync(envPaths(home, 'classical_ct_archive', base.card.version).root)).toBe(false);
  }, 120_000);

  it('refuses archives whose entries leave the target, unpacking nothing', async () => {
    const home = await tempDir('src-escape');
    const where = (file: string) =>
      `${base.file}: the archive at runtimes.venv.source.url (${url}/${file}) holds`;
    const cases: [string, string][] = [
      ['absolute.tar.gz', `'/tmp/mhub-evil.py', which is an absolute path`],
      ['dotdot.tar.gz', `'classical_ct/../../mhub-evil.py', which climbs out of the archive with ..`],
      [
        'symlink.tar.gz',
        `'classical_ct/data', which is a link pointing outside the archive ('../../../etc')`,
      ],
      ['chain.tar.gz', `'a/b', which is a link pointing outside the archive ('..')`],
      ['dotdot.zip', `'../mhub-evil.py', which climbs out of the archive with ..`],
    ];
    for (const [file, why] of cases) {
      expect(await refusal(fromArchive(file), home)).toBe(`${where(file)} ${why}; nothing was unpacked`);
    }
    expect(await refusal(fromArchive('notes.txt'), home)).toBe(
      `${base.file}: the archive at runtimes.venv.source.url (${url}/notes.txt) is neither a tar archive ` +
        '(.tar, .tar.gz, .tar.bz2, .tar.xz) nor a zip file',
    );
    // Only the checked downloads are in the cache: no unpacked folder, nothing beside or above it.
    const sources = path.dirname(sourcePaths(home, 'x').dir);
    expect(readdirSync(sources).every((f) => f.endsWith('.archive'))).toBe(true);
    expect(existsSync(path.join(home, 'mhub-evil.py'))).toBe(false);
    expect(existsSync('/tmp/mhub-evil.py')).toBe(false);
  }, 180_000);

  it('says which url failed: HTTP 404 and an unreachable server', async () => {
    const home = await tempDir('src-404');
    const missing = fromArchive('code.tar.gz', 'a'.repeat(64));
    missing.card.runtimes.venv!.source!.url = `${url}/missing.tar.gz`;
    expect(await refusal(missing, home)).toBe(
      `${base.file}: runtimes.venv.source.url: cannot download ${url}/missing.tar.gz: HTTP 404`,
    );
    // A port that nothing listens on (taken, then released).
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const down = fromArchive('code.tar.gz', undefined, `http://127.0.0.1:${port}/files`);
    expect(await refusal(down, home)).toBe(
      `${base.file}: runtimes.venv.source.url: cannot download http://127.0.0.1:${port}/files/code.tar.gz: ` +
        'connection refused (is the server up?)',
    );
  }, 120_000);

  it('refuses a url without sha256', async () => {
    const record = fromArchive('code.tar.gz');
    delete record.card.runtimes.venv!.source!.sha256;
    expect(await refusal(record, await tempDir('src-nosha'))).toBe(
      `${base.file}: runtimes.venv.source.url has no sha256`,
    );
  });

  it('bundles a card whose code is an archive, and loads and runs it with the server gone', async () => {
    // A real card file (the bundle carries the file): classical_ct with its code from the archive.
    const archiveSha = sha(path.join(served, 'code.tar.gz'));
    const cards = path.join(await tempDir('src-card'), 'registry', 'models');
    mkdirSync(cards, { recursive: true });
    // ... and a weights file downloaded by url, which the bundle must carry too.
    const weights = Buffer.from('weights for the bundle test\n'.repeat(100));
    writeFileSync(path.join(served, 'w.bin'), weights);
    const weightsSha = createHash('sha256').update(weights).digest('hex');
    const text = readFileSync(base.file, 'utf8')
      .replace(
        '    source:\n      path: models/classical_ct\n',
        `    source:\n      url: ${url}/code.tar.gz\n      sha256: ${archiveSha}\n`,
      )
      .replace(
        '    entrypoint: classical_ct\n',
        `    entrypoint: classical_ct\n    weights:\n      - path: extra/w.bin\n        url: ${url}/w.bin\n        sha256: ${weightsSha}\n`,
      );
    expect(text).toContain(weightsSha);
    expect(text).toContain(archiveSha);
    writeFileSync(path.join(cards, 'classical_ct.md'), text);
    const out = await tempDir('src-bundle');
    const online = await tempDir('src-bundle-home');
    const file = path.join(out, 'cct.mhub.tar');
    const made = await bundleModel({
      model: 'classical_ct',
      registry: [cards],
      out: file,
      backend: 'venv',
      home: online,
    });
    expect(Object.keys(made.manifest.files)).toEqual(
      expect.arrayContaining([`files/${archiveSha}`, `files/${weightsSha}`]),
    );
    expect(Object.keys(made.manifest.files).some((f) => f.startsWith('source/'))).toBe(false);

    // Offline: the archive's server answers 404 to everything from now on; pip has no index.
    served = await tempDir('src-served-empty');
    const before = requests.length;
    const home = await tempDir('src-load-home');
    const index = process.env.PIP_INDEX_URL;
    process.env.PIP_INDEX_URL = `${url}/no-index`;
    try {
      const loaded = await loadBundle({ file, sha256: made.sha256, home });
      const run = await runModel({
        model: 'classical_ct',
        registry: [loaded.registry],
        input: path.join(phantom, 'ct.nii.gz'),
        output: path.join(out, 'result'),
        backend: 'venv',
        home,
      });
      expect(niftiVoxels(run.outputs[0]!).equals(niftiVoxels(path.join(phantom, 'expected.nii.gz')))).toBe(
        true,
      );
    } finally {
      if (index === undefined) delete process.env.PIP_INDEX_URL;
      else process.env.PIP_INDEX_URL = index;
    }
    // The archive and the weights came from the bundle, not from the server.
    expect(requests.slice(before).filter((r) => /\.tar\.gz$|w\.bin$/.test(r))).toEqual([]);
    expect(
      readFileSync(path.join(envPaths(home, 'classical_ct', base.card.version).weights, 'extra/w.bin')),
    ).toEqual(weights);
    expect(existsSync(sourcePaths(home, archiveSha).dir)).toBe(true);
  }, 480_000);
});
