import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderExtension } from '../../src/generator/index.ts';
import { buildIndex } from '../../src/registry/build-index.ts';
import { repoRoot } from '../../src/registry/paths.ts';
import { projectLinks } from '../../src/registry/project.ts';
import { loadTerminology } from '../../src/registry/terminology.ts';
import type { ModelCard } from '../../src/registry/types.gen.ts';
import { loadRegistry } from '../../src/registry/validate.ts';
import {
  containerConfig,
  dockerCliArgs,
  imageReference,
  PIDS_LIMIT,
} from '../../src/runner/contract/index.ts';
import { toBibtex } from '../../src/site-data/bibtex.ts';
import { CODE_QUERY } from '../../src/site-data/code-query.ts';
import { facetTable } from '../../src/site-data/facet-table.ts';
import { commercialUse, commercialUseOf } from '../../src/site-data/licence.ts';
import { renderCardBody } from '../../src/site-data/markdown.ts';
import {
  dockerContractArgs,
  runInstructions,
  SHELL_USER,
  shellQuote,
} from '../../src/site-data/run-commands.ts';
import type { SearchDoc } from '../../src/site-data/search-index.ts';
import { buildSiteData, type SiteData } from '../../src/site-data/site-model.ts';
import { slicerZip } from '../../src/site-data/slicer-downloads.ts';

const card = (over: Partial<ModelCard> = {}): ModelCard => ({
  name: 'demo_model',
  title: 'Demo',
  version: '1.2.0',
  status: 'reference',
  description: 'A demo.',
  inputs: [{ id: 'ct', label: 'CT', modality: ['CT'], format: 'nifti' }],
  outputs: [{ id: 'seg', type: 'segmentation', segments: ['LIVER'] }],
  license: { code: 'MIT', weights: 'CC-BY-4.0' },
  requirements: { gpu: 'optional' },
  runtimes: { docker: { image: 'example/demo', tag: '1.2.0', interface: 'files' } },
  ...over,
});

describe('run commands', () => {
  it('uses the workflow named default even when another is listed first', () => {
    const docker = {
      image: 'mhubai/x',
      interface: 'mhub' as const,
      workflows: [{ name: 'composite' }, { name: 'default' }],
    };
    expect(dockerContractArgs(docker).slice(-2)).toEqual(['--workflow', 'default']);
    expect(dockerContractArgs({ ...docker, workflows: [{ name: 'only' }] }).slice(-2)).toEqual([
      '--workflow',
      'only',
    ]);
    expect(dockerContractArgs(docker, { workflow: 'composite' }).slice(-2)).toEqual([
      '--workflow',
      'composite',
    ]);
  });

  it('writes the MHub contract line with the default workflow', () => {
    const run = runInstructions(
      card({
        runtimes: {
          docker: {
            image: 'mhubai/lungmask',
            tag: 'latest',
            interface: 'mhub',
            workflows: [{ name: 'slicer' }, { name: 'default' }],
          },
        },
      }),
    );
    expect(run.docker?.command).toBe(
      'docker run --rm --user "$(id -u):$(id -g)" --env HOME=/tmp --network none --cap-drop ALL ' +
        `--security-opt no-new-privileges --pids-limit ${PIDS_LIMIT} ` +
        '--volume "$PWD/input:/app/data/input_data:ro" --volume "$PWD/output:/app/data/output_data:rw" ' +
        'mhubai/lungmask:latest --workflow default',
    );
    expect(run.mhub).toBe('mhub run demo_model --input "$PWD/input" --output "$PWD/output"');
    expect(run.slicer).toEqual({ module: 'MHubDemoModel', zip: '/slicer/MHubDemoModel.zip' });
  });

  it('passes no --workflow to files-interface images and pins digests', () => {
    const docker = {
      image: 'example/demo',
      tag: '1.2.0',
      digest: `sha256:${'a'.repeat(64)}`,
      interface: 'files' as const,
    };
    expect(imageReference(docker)).toBe(`example/demo@sha256:${'a'.repeat(64)}`);
    const args = dockerContractArgs(docker, { input: '/data/in', output: '/data/out' });
    // the runner's own container, spelled as CLI flags: the same function builds both
    const runner = containerConfig({
      image: imageReference(docker),
      inputDir: '/data/in',
      outputDir: '/data/out',
      user: SHELL_USER,
    });
    expect(args).toEqual(['--rm', ...dockerCliArgs(runner)]);
    expect(args.slice(-5)).toEqual([
      '--volume',
      '/data/in:/app/data/input_data:ro',
      '--volume',
      '/data/out:/app/data/output_data:rw',
      imageReference(docker),
    ]);
    expect(imageReference({ image: 'x/y', interface: 'files' })).toBe('x/y:latest');
  });

  it('quotes hostile paths so the shell sees one argument', () => {
    expect(shellQuote("/tmp/it's here; rm -rf /")).toBe(`'/tmp/it'\\''s here; rm -rf /'`);
    expect(shellQuote('$(reboot)')).toBe(`'$(reboot)'`);
    expect(shellQuote('$PWD/out put')).toBe(`'$PWD/out put'`);
    expect(shellQuote('/plain/path')).toBe('/plain/path');
  });

  it('lists the venv steps: hash-pinned install, checked weights, entrypoint', () => {
    const run = runInstructions(
      card({
        runtimes: {
          venv: {
            python: '>=3.10',
            requirements: [`numpy==2.1.0 --hash=sha256:${'b'.repeat(64)}`],
            weights: [{ path: 'model.bin', url: 'https://example.org/m.bin', sha256: 'c'.repeat(64) }],
            entrypoint: 'demo.run',
            interface: 'files',
          },
        },
      }),
    );
    expect(run.docker).toBeUndefined();
    expect(run.venv?.mhub).toBe(
      'mhub run demo_model --input "$PWD/input" --output "$PWD/output" --backend venv',
    );
    const steps = run.venv!.steps.join('\n');
    expect(steps).toContain('python3 -m venv ~/.cache/mhub/venvs/demo_model/1.2.0');
    expect(steps).toContain(
      'pip install --require-hashes --only-binary :all: --no-input --disable-pip-version-check -r requirements.txt',
    );
    const weights = '~/.cache/mhub/venvs/demo_model/1.2.0/weights';
    expect(steps).toContain(`curl -fL -o ${weights}/model.bin --create-dirs https://example.org/m.bin`);
    expect(steps).toContain(`echo '${'c'.repeat(64)}  ${weights}/model.bin' | sha256sum -c -`);
    // The model finds its weights where the runner puts them (the contract's variable).
    expect(steps).toContain(
      `MHUB_WEIGHTS_DIR=${weights} ~/.cache/mhub/venvs/demo_model/1.2.0/bin/python -m demo.run "$PWD/input" "$PWD/output"`,
    );
    expect(steps).not.toContain('extra-index-url');
    expect(steps).not.toContain('git clone');
  });

  it("writes run lines that work as pasted: input, GPU, pinning, the model's code and index", async () => {
    const cards = Object.fromEntries((await loadRegistry()).map((r) => [r.card.name, r.card]));
    const clone = 'https://example.org/acme/registry.git';
    // unet_ct: torch CPU wheels (their index), code and weights in the repository.
    const unet = runInstructions(cards.unet_ct!, {}, { cloneUrl: clone });
    expect(unet.inputs).toEqual([expect.stringMatching(/: a NIfTI file, \.nii or \.nii\.gz \(CT\)$/)]);
    const steps = unet.venv!.steps.join('\n');
    expect(steps).toContain(`git clone --depth 1 ${clone} mhub-registry`);
    expect(steps).toContain('--extra-index-url https://download.pytorch.org/whl/cpu -r requirements.txt');
    expect(steps).toContain('cp "$PWD/mhub-registry/models/unet_ct/weights/unet_ct.pt"');
    expect(steps).toMatch(
      /PYTHONPATH="\$PWD\/mhub-registry\/models\/unet_ct" MHUB_WEIGHTS_DIR=\S+ \S+ -m unet_ct /,
    );
    expect(unet.docker!.pinned).toBe(false);
    expect(unet.docker!.build!.join('\n')).toContain('mhub-registry/models/unet_ct/build-image.sh');
    // classical_ct_mhub: a DICOM series in, no GPU, built by the shared script.
    const mhub = runInstructions(cards.classical_ct_mhub!, {}, { cloneUrl: clone });
    expect(mhub.inputs[0]).toMatch(/a folder holding one DICOM series \(CT\)$/);
    expect(mhub.docker!.gpuCommand).toBeUndefined();
    expect(mhub.docker!.build!.join('\n')).toContain('mhub-registry/models/build-images.sh');
    // An imported MHub model is pulled, not built; a required GPU is in the line itself.
    const optional = runInstructions(card({ requirements: { gpu: 'optional' } }));
    expect(optional.docker!.command).not.toContain('--gpus');
    expect(optional.docker!.gpuCommand).toContain('--gpus all');
    const required = runInstructions(card({ status: 'published', requirements: { gpu: 'required' } }));
    expect(required.docker!.command).toContain('--gpus all');
    expect(required.docker!.gpuCommand).toBeUndefined();
    expect(required.docker!.build).toBeUndefined();
    const pinned = { image: 'example/demo', digest: `sha256:${'a'.repeat(64)}`, interface: 'files' as const };
    expect(runInstructions(card({ runtimes: { docker: pinned } })).docker!.pinned).toBe(true);
  });

  it('links the Slicer download the build writes, named like the generated module', async () => {
    const records = await loadRegistry();
    const kidney = records.find((r) => r.card.name === 'bamf_nnunet_ct_kidney')!;
    expect(runInstructions(kidney.card).slicer.zip).toBe('/slicer/MHubBamfNnunetCtKidney.zip');
    const zipBytes = slicerZip([kidney], loadTerminology(), 'MHubBamfNnunetCtKidney');
    const zip = unzipSync(zipBytes);
    const rendered = renderExtension([kidney], loadTerminology(), { registry: [kidney] });
    expect(Object.keys(zip).sort()).toEqual(rendered.map((f) => `MHubBamfNnunetCtKidney/${f.path}`).sort());
    for (const f of rendered) {
      expect(Buffer.from(zip[`MHubBamfNnunetCtKidney/${f.path}`]!).equals(Buffer.from(f.content))).toBe(true);
    }
    expect(Object.keys(zip)).toContain(
      'MHubBamfNnunetCtKidney/MHubBamfNnunetCtKidney/MHubBamfNnunetCtKidney.py',
    );
    expect(slicerZip([kidney], loadTerminology(), 'MHubBamfNnunetCtKidney').equals(zipBytes)).toBe(true);
    // An independent reader checks the archive (CRCs, sizes, directory).
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'mhub-zip-')), 'module.zip');
    await writeFile(file, zipBytes);
    expect(execFileSync('/usr/bin/python3', ['-m', 'zipfile', '-t', file], { encoding: 'utf8' })).toMatch(
      /Done testing/,
    );
  });
});

describe('licences', () => {
  it('derives commercial use from SPDX ids', () => {
    expect(commercialUseOf('Apache-2.0')).toBe('yes');
    expect(commercialUseOf('CC-BY-NC-SA-4.0')).toBe('no');
    expect(commercialUseOf('PolyForm-Noncommercial-1.0.0')).toBe('no');
    expect(commercialUseOf('NOASSERTION')).toBe('unknown');
    expect(commercialUseOf('LicenseRef-custom')).toBe('unknown');
    expect(commercialUse({ code: 'Apache-2.0', weights: 'CC-BY-NC-4.0' })).toBe('no');
    expect(commercialUse({ code: 'MIT', weights: 'NONE' })).toBe('yes');
    expect(commercialUse({ code: 'AGPL-3.0-only', weights: 'NOASSERTION' })).toBe('unknown');
  });
});

describe('card body and citation', () => {
  it('shows raw HTML as text and drops script URLs', () => {
    const { html, sections } = renderCardBody(
      '## Intended Use\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) [ok](https://example.org)\n',
    );
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
    expect(html).not.toContain('javascript:');
    expect(html).toContain('href="https://example.org"');
    expect(sections).toEqual([{ id: 'card-intended-use', title: 'Intended Use' }]);
  });

  it('puts fenced code in the code box with a Copy button, escaped, with ids unique per card', () => {
    const body = '## Reproduce\n\n```bash\necho "<b>" && make\n```\n\n```\nsecond\n```\n';
    const { html } = renderCardBody(body);
    expect(html).toContain('<span id="card-code-1-label">bash</span>');
    expect(html).toContain('data-copy="card-code-1"');
    expect(html).toContain('<pre id="card-code-1" tabindex="0" aria-labelledby="card-code-1-label">');
    expect(html).toContain('echo &quot;&lt;b&gt;&quot; &amp;&amp; make');
    expect(html).toContain('<span id="card-code-2-label">Code</span>');
    expect(html.match(/class="copy"/g)).toHaveLength(2);
    // The numbering starts again for the next card (each page holds one card body).
    expect(renderCardBody(body).html).toContain('id="card-code-1"');
  });

  it('builds BibTeX from the cite text', () => {
    const bib = toBibtex(card({ cite: 'Ada Lovelace and Alan Turing (1950). On {Machines}. J. 1:1' }))!;
    expect(bib).toContain('@misc{demo_model,');
    expect(bib).toContain('author = {Lovelace, Ada and Turing, Alan}');
    expect(bib).toContain('year = {1950}');
    expect(bib).toContain('On \\{Machines\\}');
    expect(toBibtex(card())).toBeUndefined();
  });
});

describe('site data from the real registry', () => {
  let data: SiteData;
  let cards = 0;
  beforeAll(async () => {
    const terminology = loadTerminology();
    const records = await loadRegistry();
    cards = records.length;
    data = buildSiteData(buildIndex(records, terminology), terminology);
  });

  it("links to the project's repository and catalog as package.json names them", async () => {
    const pkg = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8'));
    const repository = pkg.repository.url.replace(/^git\+/, '').replace(/\.git$/, '');
    expect(data.project.repository).toBe(repository);
    expect(data.project.api).toBe(`${pkg.homepage.replace(/\/$/, '')}/api/v1`);
    const lungmask = data.pages.find((p) => p.card.name === 'lungmask')!;
    expect(lungmask.source.edit).toBe(`${repository}/edit/main/registry/models/lungmask.md`);
    expect(lungmask.source.report).toBe(`${repository}/issues/new?title=lungmask%3A%20`);
  });

  it('lists, per concept code, exactly the models whose segments carry it', () => {
    const table = facetTable(data);
    const liver = table.codes['10200004']!.map((i) => data.models[i]!.name);
    expect(liver).toEqual(
      expect.arrayContaining(['nnunet_liver', 'bamf_nnunet_ct_liver', 'totalsegmentator']),
    );
    expect(liver).not.toContain('lungmask');
    for (const [code, models] of Object.entries(table.codes))
      for (const i of models) {
        const page = data.pages.find((p) => p.entry.url === data.models[i]!.url)!;
        const carried = page.outputs
          .flatMap((o) => o.segments ?? [])
          .flatMap((r) => r.codes.map((c) => c.value));
        expect(carried, `${page.card.name} ${code}`).toContain(code);
      }
    expect(CODE_QUERY.test('10200004')).toBe(true);
    expect(CODE_QUERY.test('10')).toBe(false);
    expect(CODE_QUERY.test('liver 10200004')).toBe(false);
  });

  it('gives the browser, per model, what its result card shows (facet table v3)', () => {
    const table = facetTable(data);
    expect(table.version).toBe(3);
    const modality = table.facets.find((f) => f.key === 'modality')!;
    const structure = table.facets.find((f) => f.key === 'structure')!;
    expect(modality.codes![modality.values.indexOf('PET')]).toBe('PT');
    for (const [k, facet] of table.facets.entries()) expect(facet.key).toBe(data.facets[k]!.key);
    table.models.forEach((row, i) => {
      const m = data.models[i]!;
      expect([row.u, row.t, row.d]).toEqual([m.url, m.title, m.description]);
      expect(row.d.length).toBeLessThanOrEqual(240);
      expect(table.licences[row.l]).toEqual([m.licence, m.commercial]);
      expect(row.y).toBe(m.latest);
      for (const [k, facet] of table.facets.entries())
        expect(row.f[k]!.map((v) => facet.values[v])).toEqual(m.facets[facet.key as 'gpu']);
      expect(row.f[0]!.map((v) => modality.codes![v])).toEqual(m.modalities.map((x) => x.code));
    });
    // Synonyms once per structure value, not per model.
    structure.values.forEach((v, s) => {
      expect(structure.synonyms![s]).toEqual(data.structureSynonyms[v] ?? []);
    });
    const liver = structure.values.indexOf('Liver');
    expect(table.codeStructures['10200004']).toContain(liver);
    const totalseg = data.models.findIndex((m) => m.name === 'totalsegmentator');
    expect(table.codes['10200004']).toContain(totalseg);
    // Dates: lungmask's weights date is ambiguous; its latest known date is the latest ISO one.
    const lungmask = data.pages.find((p) => p.card.name === 'lungmask')!;
    const known = lungmask.dates.flatMap((d) => (d.iso ? [d.iso] : [])).sort();
    expect(lungmask.entry.latest).toBe(known.at(-1));
  });

  it('marks reference models by their status as their own model kind', () => {
    const kind = data.facets.find((f) => f.key === 'status')!;
    expect(kind.label).toBe('Model kind');
    const reference = data.models
      .filter((m) => m.facets.status.includes('Reference (for testing)'))
      .map((m) => m.name);
    expect(reference.sort()).toEqual(
      data.pages
        .filter((p) => p.card.status === 'reference')
        .map((p) => p.card.name)
        .sort(),
    );
    expect(reference).toEqual(expect.arrayContaining(['classical_ct', 'classical_ct_mhub', 'unet_ct']));
  });

  it('shows an ambiguous source date as unknown, keeping the source text', () => {
    const lungmask = data.pages.find((p) => p.card.name === 'lungmask')!;
    expect(lungmask.dates).toContainEqual({ label: 'Date (weights)', iso: null, text: '17/02/20' });
    expect(lungmask.card.dates!.weights).toEqual({ text: '17/02/20' });
  });

  it('searches each model by its structures synonyms and both spellings of its words', () => {
    const text = (doc: SearchDoc) => Object.values(doc.fields).join('\n');
    const content = (name: string) => text(data.search[data.models.findIndex((m) => m.name === name)]!);
    const words = (name: string) =>
      new Set(
        content(name)
          .toLowerCase()
          .split(/[^a-z]+/),
      );
    // The liver models are found as hepatic, and so is the liver in the structure facet's box.
    for (const liver of ['nnunet_liver', 'bamf_nnunet_ct_liver', 'totalsegmentator'])
      expect(words(liver), liver).toContain('hepatic');
    expect(data.structureSynonyms.Liver).toContain('hepatic');
    expect(words('lungmask')).not.toContain('hepatic');
    expect(words('lungmask')).toContain('pulmonary');
    // Every record that says tumor says tumour too, and the other way round.
    for (const record of data.search) {
      const ws = new Set(
        text(record)
          .toLowerCase()
          .split(/[^a-z]+/),
      );
      expect(ws.has('tumor'), record.url).toBe(ws.has('tumour'));
    }
    expect([...words('bamf_pet_ct_lung_tumor')]).toEqual(expect.arrayContaining(['tumour', 'neoplasm']));
  });

  it('has one entry, page and search record per card, search records in catalog order', () => {
    expect(data.models.length).toBe(cards);
    expect(data.pages.length).toBe(cards);
    expect(data.search.map((r) => r.url)).toEqual(data.models.map((m) => m.url));
  });

  it('counts every facet value over the models that have it', () => {
    for (const facet of data.facets)
      for (const { value, count } of facet.values)
        expect(count).toBe(data.models.filter((m) => m.facets[facet.key as 'gpu'].includes(value)).length);
    const modality = data.facets.find((f) => f.key === 'modality')!.values;
    expect(modality.find((v) => v.value === 'CT')?.count).toBeGreaterThan(10);
  });

  it('groups structures by SNOMED CT code, keeping names and meanings as synonyms', () => {
    const total = data.models.find((m) => m.name === 'totalsegmentator')!;
    expect(total.facets.structure).toContain('Kidney');
    expect(total.facets.structure).not.toContain('Left kidney');
    expect(data.structureSynonyms.Kidney).toEqual(
      expect.arrayContaining(['Left kidney', 'Kidney structure']),
    );
  });

  it('puts segment names and SNOMED CT meanings into the search records, each in its field', () => {
    const record = data.search.find((r) => r.url === '/models/totalsegmentator/')!;
    expect(record.fields.meanings).toContain('Splenic structure');
    expect(record.fields.structures).toContain('Right kidney');
    expect(record.fields.title).toBe('TotalSegmentator');
    expect(record.fields.modalities).toBe('CT CT');
  });

  it('gives segment rows in label order with colours and codes', () => {
    const page = data.pages.find((p) => p.entry.name === 'totalsegmentator')!;
    const rows = page.outputs[0]!.segments!;
    expect(rows.length).toBe(104);
    expect(rows[0]).toMatchObject({ label: 1, id: 'SPLEEN', color: '#9d6ca2' });
    expect(rows[0]!.codes[0]).toMatchObject({
      scheme: 'SCT',
      value: '78961009',
      meaning: 'Splenic structure',
    });
  });
});

describe('project addresses', () => {
  const withPackage = async (pkg: object) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mhub-project-'));
    await writeFile(path.join(dir, 'package.json'), JSON.stringify(pkg));
    return dir;
  };

  it('come from package.json, in each form npm accepts for "repository"', async () => {
    for (const repository of [
      'github:acme/models',
      'git+https://github.com/acme/models.git',
      { type: 'git', url: 'https://github.com/acme/models' },
    ]) {
      const links = projectLinks(await withPackage({ repository, homepage: 'https://acme.example/models' }));
      expect(links.repository).toBe('https://github.com/acme/models');
      expect(links.api).toBe('https://acme.example/models/api/v1');
      expect(links.file('registry/models/x.md', 'edit')).toBe(
        'https://github.com/acme/models/edit/main/registry/models/x.md',
      );
    }
  });

  it('are refused when package.json lacks them, naming the file and fields', async () => {
    const dir = await withPackage({ homepage: 'https://acme.example/' });
    expect(() => projectLinks(dir)).toThrow(
      /package\.json: "repository" and "homepage" must be https:\/\/ addresses/,
    );
  });
});
