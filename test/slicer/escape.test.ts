// The escapers, checked against the real parsers: python3's ast for Python literals, CMake's
// script mode for quoted arguments; and the rule that templates print values only through them.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cmakeString, csvField, markdownText, pyLiteral, pyString } from '../../src/generator/escape.ts';
import { templatesDir, VALUE_HELPERS } from '../../src/generator/templates.ts';
import { has, need, runPython, tempDir, walk } from './support.ts';

const SAMPLES = [
  '',
  'plain',
  `quote " and ' and """ and '''`,
  'back\\slash\\',
  'line\nbreak\r\n\ttab',
  `\${VAR} $(cmd) @AT@ ;semi; #hash )paren(`,
  'Ünïcödé 🫁 肺 \u2028\u2029\uFEFF',
  'controls \u0000\u0001\u001b\u007f\u0085',
  'lone \ud800 surrogate',
];

describe('escapers', () => {
  it('pyString/pyLiteral round-trip through Python ast.literal_eval', () => {
    const value = { samples: SAMPLES, n: 3, f: 0.5, yes: true, none: null, nested: [[1, 2], { a: 'b' }] };
    const file = path.join(tempDir('py'), 'v.py');
    writeFileSync(file, `V = ${pyLiteral(value)}\n`);
    const out = runPython([
      '-c',
      `import ast,json,sys
src=open(sys.argv[1],encoding='utf-8').read()
v=ast.literal_eval(ast.parse(src, feature_version=(3,9)).body[0].value)
print(json.dumps(v))`,
      file,
    ]);
    expect(out.status, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual(value);
    expect(pyString('a"b')).toBe('"a\\"b"');
  });

  it.runIf(need('cmake', has('cmake', ['--version'])))('cmakeString round-trips through CMake', () => {
    const dir = tempDir('cmake');
    // CMake has no escape for control characters (cmakeString turns them into spaces)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are the point
    const printable = SAMPLES.filter((s) => !/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ud800]/.test(s));
    const script = printable
      .map((s, i) => `set(V${i} ${cmakeString(s)})\nfile(WRITE \${OUT}/${i}.txt "\${V${i}}")\n`)
      .join('');
    writeFileSync(path.join(dir, 'check.cmake'), script);
    const result = spawnSync('cmake', [`-DOUT=${dir}`, '-P', path.join(dir, 'check.cmake')], {
      encoding: 'utf8',
    });
    expect(result.status, result.stderr).toBe(0);
    printable.forEach((s, i) => {
      expect(readFileSync(path.join(dir, `${i}.txt`), 'utf8')).toBe(s);
    });
  });

  it('csvField never emits quotes inside a field or a line break', () => {
    for (const s of SAMPLES) {
      const field = csvField(s);
      expect(field.slice(1, -1)).not.toContain('"');
      expect(field).not.toMatch(/[\n\r]/);
    }
    expect(csvField('Right lung')).toBe('"Right lung"');
    expect(csvField(7)).toBe('7');
  });

  it('markdownText stays on one line with markup escaped', () => {
    expect(markdownText('a | b\n# c')).toBe('a \\| b \\# c');
  });
});

describe('templates', () => {
  it('print values only through an escaping helper', () => {
    const files = walk(templatesDir).filter((f) => f.endsWith('.hbs'));
    expect(files.length).toBeGreaterThan(5);
    const allowed = new RegExp(
      `^(${VALUE_HELPERS.join('|')}) [A-Za-z0-9_.]+$|^[#/](each|if)\\b|^this$|^else$`,
    );
    for (const f of files) {
      const text = readFileSync(path.join(templatesDir, f), 'utf8');
      expect(text, f).not.toContain('{{{');
      for (const m of text.matchAll(/\{\{~?\s*([^}]*?)\s*~?\}\}/g)) {
        // a bare {{this}} only inside {{#each}} of generated file paths is still a value: reject it
        expect(m[1], `${f}: {{${m[1]}}}`).toMatch(allowed);
        expect(m[1], `${f}: {{${m[1]}}}`).not.toBe('this');
      }
    }
  });
});
