// Injection safety: hostile card and terminology text (quotes, triple quotes, backslashes, line
// breaks, ${...}, #, ), markup, unicode, control characters) must stay data in every target
// language: Python (compiles; ast shows the values only as string constants), CMake
// (configures; the values round-trip), JSON, CSV and Markdown.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderExtension } from '../../src/generator/index.ts';
import { writeFiles } from '../../src/generator/write.ts';
import { parseCsv } from '../../src/registry/csv.ts';
import {
  defaultTerminologyDir,
  loadTerminology,
  readTerminologyFiles,
} from '../../src/registry/terminology.ts';
import type { TerminologyFile } from '../../src/registry/types.gen.ts';
import { type CardRecord, loadRegistry } from '../../src/registry/validate.ts';
import {
  checkGenerated,
  cmakeConfigure,
  fakeSlicerPython,
  has,
  here,
  need,
  runPython,
  tempDir,
  walk,
} from './support.ts';

const MARK = 'PWNED';
const H = {
  call: `${MARK}"); import os; os.system("${MARK}") #`,
  triple: `${MARK}''' + """ triple \\""" quotes ''' "`,
  backslash: `back\\slash \\n \\x00 \\u0041 ${MARK}\\`,
  lines: `multi\nline\r\n${MARK} = 1\n# comment \u0007 bell`,
  cmake: `\${${MARK}} $(${MARK}) @${MARK}@ ; set(${MARK} 1) ) ( # "`,
  unicode: `Ünïcödé 🫁 肺 \u2028 \u0085 \uFEFF ${MARK}`,
  markup: `</p><script>${MARK}</script><img onerror=x>`,
};

let out: string;
let records: CardRecord[];

beforeAll(async () => {
  // hostile segment names and code meanings, through the real terminology loader
  const termDir = tempDir('term');
  cpSync(defaultTerminologyDir, termDir, { recursive: true });
  // The folder's terminology files as the loader reads them (not the search synonyms table).
  for (const { file: full, data } of readTerminologyFiles(termDir) as {
    file: string;
    data: TerminologyFile;
  }[]) {
    const rename: Record<string, string> = {
      BODY: H.triple,
      RIGHT_LUNG: H.cmake,
      LEFT_LUNG: H.unicode,
      BONE: H.backslash,
    };
    for (const [id, name] of Object.entries(rename)) if (data.segments[id]) data.segments[id].name = name;
    if (data.types.T_ENTIRE_BODY) data.types.T_ENTIRE_BODY.meaning = `${H.lines} ~ ^ ${MARK}`;
    writeFileSync(full, JSON.stringify(data));
  }
  const terminology = loadTerminology(termDir);
  // hostile card values (beyond what the validator lets through: the generator must not rely on it)
  records = (await loadRegistry()).filter((r) => ['classical_ct', 'lungmask'].includes(r.card.name));
  const [ct, lung] = records.map((r) => structuredClone(r)) as [CardRecord, CardRecord];
  ct.card.title = H.call;
  ct.card.description = `${H.lines} ${H.triple} ${H.markup}`;
  ct.card.cite = H.backslash;
  ct.card.authors = [H.cmake];
  ct.card.inputs[0].label = H.unicode;
  ct.card.inputs[0].description = H.markup;
  ct.card.outputs[0].label = H.cmake;
  ct.card.outputs[0].id = 'seg/../x"y';
  lung.card.title = H.cmake;
  lung.card.license = { code: H.markup, weights: H.triple };
  records = [ct, lung];
  out = path.join(tempDir('hostile'), 'ext');
  await writeFiles(renderExtension(records, terminology, { registry: records }), out);
});

describe('hostile card text', () => {
  it('stays string constants in the generated Python (3.9 grammar, compiles)', () => {
    const hostileFile = path.join(tempDir('h'), 'hostile.json');
    writeFileSync(hostileFile, JSON.stringify([H.call, H.cmake, H.unicode, H.triple, H.backslash, H.markup]));
    const report = checkGenerated(out, ['--hostile', hostileFile, '--marker', MARK]);
    expect(report.errors).toEqual([]);
  });

  it.runIf(fakeSlicerPython())(
    'is HTML-escaped in the help text and the modules still import (FAKE slicer)',
    () => {
      const result = runPython(
        [
          '-c',
          `import ast,sys,json
src=open(sys.argv[1],encoding='utf-8').read()
model=[n for n in ast.parse(src).body if isinstance(n,ast.Assign) and n.targets[0].id=='MODEL'][0]
m=ast.literal_eval(model.value); print(json.dumps([m['title'],m['helpText'],m['acknowledgementText']]))`,
          path.join(out, 'MHubClassicalCt/MHubClassicalCt.py'),
        ],
        {},
      );
      const [title, help, ack] = JSON.parse(result.stdout) as string[];
      expect(title).toBe(H.call);
      expect(help).not.toMatch(/<script|<img/);
      expect(help).toContain('&#60;script&#62;');
      expect(ack).toContain('back\\slash');
      const imported = runPython(
        [
          '-m',
          'unittest',
          'test_fake_slicer_modules.FakeSlicerModulesTest.test_every_module_imports_and_sets_up',
        ],
        {
          PYTHONPATH: path.join(here, 'py'),
          MHUB_EXTENSION_DIR: out,
          MHUB_REPO: path.resolve(here, '../..'),
        },
      );
      expect(imported.status, imported.stderr).toBe(0);
    },
  );

  it.runIf(need('cmake', has('cmake', ['--version'])))(
    'keeps CMake well-formed and the text round-trips',
    () => {
      const { status, output, listing } = cmakeConfigure(out);
      expect(status, output).toBe(0);
      const description = readFileSync(`${listing}.description`, 'utf8');
      expect(description).toContain(H.call);
      expect(description).toContain(H.cmake);
      expect(output).not.toContain(MARK);
    },
  );

  it('keeps JSON, CSV and Markdown well-formed', () => {
    for (const f of walk(out).filter((f) => f.endsWith('.json')))
      JSON.parse(readFileSync(path.join(out, f), 'utf8'));
    const index = JSON.parse(
      readFileSync(path.join(out, 'MHubModelBrowser/Resources/Registry/models.json'), 'utf8'),
    );
    expect(index.models.map((m: { title: string }) => m.title).sort()).toEqual([H.call, H.cmake].sort());
    const csvFile = walk(out).find((f) => f.startsWith('MHubClassicalCt/Resources/ColorTables/'))!;
    expect(csvFile).toMatch(/^MHubClassicalCt\/Resources\/ColorTables\/MHubClassicalCt_seg____x_y\.csv$/);
    const rows = parseCsv(readFileSync(path.join(out, csvFile), 'utf8'));
    expect(rows.map((r) => r.LabelValue)).toEqual(['1', '2', '3', '4']);
    expect(rows.every((r) => Object.keys(r).length === 21 && r.Color_A === '255')).toBe(true);
    expect(rows[0]!.Name).toBe(H.triple.replace(/"/g, "'"));
    expect(rows[0]!.Type_CodeMeaning).not.toMatch(/[\n\r"]/);
    const readme = readFileSync(path.join(out, 'README.md'), 'utf8');
    expect(readme.split('\n').filter((l) => l.startsWith('| MHub'))).toHaveLength(2);
  });

  it('refuses a card name that is not a safe identifier instead of writing it', () => {
    const bad = structuredClone(records[0]!);
    bad.card.name = 'x"); import os #';
    expect(() => renderExtension([bad], loadTerminology())).toThrow(/not a safe identifier/);
  });
});
