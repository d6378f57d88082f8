// DICOM character sets (issue 12 §2): text is decoded by the declared Specific Character Set
// (0008,0005) and what we write is read back identically by pydicom and DCMTK. Inputs are
// pydicom's own character set samples and series whose text pydicom encoded.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import { charset, decodeText } from '../../src/io/dicom/charset.ts';
import { tagName } from '../../src/io/dicom/dictionary.ts';
import { type DataSet, parseDicom } from '../../src/io/dicom/parse.ts';
import {
  labelsFromSegments,
  pickSeries,
  readDicomSeg,
  scanDicom,
  seriesGeometry,
  type Volume,
  writeDicomSeg,
  writeLabelMapNifti,
  writeNifti,
} from '../../src/io/index.ts';
import { loadTerminology } from '../../src/registry/terminology.ts';
import { ioConverter } from '../../src/runner/io-converter.ts';
import { requirement } from '../support/requirements.ts';
import { makeSeries, python, pythonJson, tempDir, tools } from './support.ts';

// Without DCMTK the pydicom checks still run; only the dcmdump/dcmconv cross-checks are left out.
const dcmtk = requirement(
  'dcmdump (DCMTK)',
  !spawnSync('dcmdump', ['--version'], { stdio: 'ignore' }).error,
  'scripts/ci/io.sh installs dcmtk',
);

function capture(): CliIO & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, isTTY: false, out: (l) => stdout.push(l), err: (l) => stderr.push(l) };
}

interface PyText {
  [file: string]: { SpecificCharacterSet: string | string[] | null; text: Record<string, string> };
}

const TEXT_VRS = new Set(['SH', 'LO', 'ST', 'LT', 'UT', 'UC', 'PN']);

/** Our reading of every text element, keyed as read_text.py keys pydicom's. */
function ourText(d: DataSet, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  for (const [t, e] of d.elements) {
    if (e.items) {
      for (const [n, item] of e.items.entries()) ourText(item, `${prefix}${tagName(t)}[${n}]`, out);
    } else if (TEXT_VRS.has(e.vr)) out[prefix + tagName(t)] = d.strings(t).join('\\');
  }
  return out;
}

/**
 * pydicom strips text values on both sides for some VRs and not others, and prints a PN without
 * its trailing empty groups: compare values trimmed of both. Private elements are left out:
 * pydicom gives them VRs from its private dictionaries, where we keep the UN the file says.
 */
const trimmed = (m: Record<string, string>) =>
  Object.fromEntries(
    Object.entries(m)
      .filter(([k]) => Number.parseInt(k.slice(1, 5), 16) % 2 === 0)
      .map(([k, v]) => [
        k,
        v
          .split('\\')
          .map((s) => s.trim().replace(/[=^]+$/, ''))
          .join('\\'),
      ]),
  );

/** dcmdump's line for a tag, converted to UTF-8 by DCMTK itself (+U8). */
function dcmdumpValue(file: string, tag: string): string | undefined {
  const r = spawnSync('dcmdump', ['+U8', '+P', tag, file], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return /\[(.*)\]/.exec(r.stdout)?.[1];
}

describe.skipIf(!tools.ok)("decoding: pydicom's character set samples", () => {
  // The describe body runs even when skipped: ask pydicom only when it is there.
  const dir = tools.ok ? python('read_text.py', ['--charset-dir']).trim() : '';
  const files = tools.ok
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.dcm'))
        .map((f) => path.join(dir, f))
    : [];
  const expected = tools.ok ? pythonJson<PyText>('read_text.py', files) : ({} as PyText);

  it('has the samples (Japanese, Korean, Chinese, Cyrillic, Greek, Arabic, Hebrew...)', () => {
    expect(files.map((f) => path.basename(f))).toEqual(
      expect.arrayContaining([
        'chrH31.dcm',
        'chrH32.dcm',
        'chrI2.dcm',
        'chrRuss.dcm',
        'chrX2.dcm',
        'chrSQEncoding.dcm',
      ]),
    );
  });

  it.each(files.map((f) => [path.basename(f), f]))(
    '%s: every text element as pydicom reads it',
    (_, file) => {
      const { dataset } = parseDicom(readFileSync(file));
      const ours = ourText(dataset);
      expect(trimmed(ours)).toEqual(trimmed(expected[file]!.text));
      expect(dataset.charset.warnings).toEqual([]);
    },
  );

  it('reads the names the samples are known for', () => {
    const name = (f: string) => parseDicom(readFileSync(path.join(dir, f))).dataset.string(0x00100010);
    expect(name('chrH31.dcm')).toBe('Yamada^Tarou=山田^太郎=やまだ^たろう');
    expect(name('chrH32.dcm')).toBe('ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう');
    expect(name('chrI2.dcm')).toBe('Hong^Gildong=洪^吉洞=홍^길동');
    expect(name('chrRuss.dcm')).toBe('Люкceмбypг');
    expect(name('chrGreek.dcm')).toBe('Διονυσιος');
    expect(name('chrX1.dcm')).toBe('Wang^XiaoDong=王^小東=');
    expect(name('chrX2.dcm')).toBe('Wang^XiaoDong=王^小东=');
  });
});

describe('decoding: bytes that are not valid in the declared set', () => {
  const bytes = (s: string) => Buffer.from(s, 'latin1');

  it('replaces invalid UTF-8 under ISO_IR 192 and warns, naming the element', () => {
    const cs = charset('ISO_IR 192');
    expect(decodeText(bytes('M\xfcller^J\xfcrgen'), 'PN', cs, 0x00100010)).toBe('M\ufffdller^J\ufffdrgen');
    expect(cs.warnings).toHaveLength(1);
    expect(cs.warnings[0]).toMatch(/\(0010,0010\).*not valid ISO_IR 192.*replaced/);
  });

  it('replaces an unknown escape sequence instead of failing', () => {
    const cs = charset('\\ISO 2022 IR 87');
    expect(decodeText(bytes('Abc\x1b$ZXY'), 'LO', cs, 0x00081030)).toMatch(/^Abc\ufffd/);
    expect(cs.warnings[0]).toMatch(/\(0008,1030\)/);
  });

  it('reads an unknown term as the default repertoire and warns once', () => {
    const cs = charset('ISO_IR 999');
    expect(decodeText(bytes('Plain^Name'), 'PN', cs, 0x00100010)).toBe('Plain^Name');
    // Non-ASCII with no usable declaration: UTF-8 when valid, else latin1, with a warning.
    expect(decodeText(bytes('B\xe4r'), 'PN', cs, 0x00100010)).toBe('Bär');
    expect(decodeText(Buffer.from('Bär'), 'PN', cs, 0x00100010)).toBe('Bär');
    expect(cs.warnings.join('\n')).toMatch(/ISO_IR 999/);
  });

  it('takes the usual misspellings of defined terms', () => {
    expect(decodeText(bytes('J\xe9r\xf4me'), 'PN', charset('ISO-IR 100'), 0x00100010)).toBe('Jérôme');
    expect(decodeText(bytes('J\xe9r\xf4me'), 'PN', charset('ISO_IR_100'), 0x00100010)).toBe('Jérôme');
  });

  it('reads ISO_IR 13 (JIS X 0201) 0x7E as an overline, as iconv (DCMTK) does, even in an ASCII-only value', () => {
    expect(decodeText(bytes('Abc~'), 'LT', charset('ISO_IR 13'), 0x00081030)).toBe('Abc\u203e');
    expect(decodeText(bytes('Abc~\xb1'), 'LT', charset('ISO_IR 13'), 0x00081030)).toBe('Abc\u203e\uff71');
  });

  it('keeps values of non-text VRs (CS, UI, DA...) as their bytes', () => {
    const cs = charset('ISO_IR 192');
    expect(decodeText(bytes('1.2.3'), 'UI', cs, 0x00080018)).toBe('1.2.3');
    expect(cs.warnings).toEqual([]);
  });
});

// Names from the issue and pydicom's samples; descriptions in the same script.
const CASES: { lang: string; charset: string[]; name: string; study: string; series: string }[] = [
  {
    lang: 'German latin1',
    charset: ['ISO_IR 100'],
    name: 'Müller^Jürgen',
    study: 'Schädel CT',
    series: 'Übersicht',
  },
  {
    lang: 'German UTF-8',
    charset: ['ISO_IR 192'],
    name: 'Müller^Jürgen=山田^太郎',
    study: 'Schädel CT 頭部',
    series: 'Übersicht',
  },
  {
    lang: 'Russian',
    charset: ['ISO_IR 144'],
    name: 'Люксембург^Иван',
    study: 'КТ грудной клетки',
    series: 'Аксиальная',
  },
  {
    lang: 'Greek',
    charset: ['ISO_IR 126'],
    name: 'Διονυσιος^Νίκος',
    study: 'Αξονική τομογραφία',
    series: 'Εγκάρσια',
  },
  {
    lang: 'Japanese',
    charset: ['', 'ISO 2022 IR 87'],
    name: 'Yamada^Tarou=山田^太郎=やまだ^たろう',
    study: '頭部CT',
    series: '単純',
  },
  {
    lang: 'Japanese katakana',
    charset: ['ISO 2022 IR 13', 'ISO 2022 IR 87'],
    name: 'ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう',
    study: '胸部',
    series: '造影',
  },
  {
    lang: 'Korean',
    charset: ['', 'ISO 2022 IR 149'],
    name: 'Hong^Gildong=洪^吉洞=홍^길동',
    study: '흉부 CT',
    series: '축상',
  },
  {
    lang: 'Chinese',
    charset: ['GB18030'],
    name: 'Wang^XiaoDong=王^小东',
    study: '胸部CT平扫',
    series: '轴位',
  },
];

describe.skipIf(!tools.ok)(
  'round trips: SEG, --to dicom and --list keep names in every character set',
  () => {
    const tmp = tempDir('mhub-charset-');
    const root = tmp.dir;
    const dirs = new Map<string, string>();
    beforeAll(async () => {
      for (const [n, c] of CASES.entries()) {
        const dir = makeSeries(path.join(root, `src${n}`), { size: [8, 6, 3], shuffle: false });
        python('set_text.py', [
          dir,
          JSON.stringify({
            charset: c.charset,
            text: { PatientName: c.name, StudyDescription: c.study, SeriesDescription: c.series },
          }),
        ]);
        dirs.set(c.lang, dir);
      }
    });
    afterAll(() => tmp.cleanup());

    it.each(CASES)('$lang ($charset): the input holds the text as pydicom encoded it', async (c) => {
      const dir = dirs.get(c.lang)!;
      const first = path.join(dir, readdirSync(dir).sort()[0]!);
      const py = pythonJson<PyText>('read_text.py', [first])[first]!;
      expect(py.text['(0010,0010)']).toBe(c.name);
      // And the bytes are not UTF-8 where the set is not (the test would prove nothing otherwise).
      if (c.charset[0] !== 'ISO_IR 192')
        expect(readFileSync(first).includes(Buffer.from(c.name))).toBe(false);
    });

    it.each(CASES)('$lang: --list shows the name and descriptions', async (c) => {
      const io = capture();
      expect(await main(['convert', dirs.get(c.lang)!, '--list'], io)).toBe(0);
      const text = io.stdout.join('\n');
      expect(text).toContain(c.name);
      expect(text).toContain(c.study);
      expect(text).toContain(`"${c.series}"`);
      expect(io.stderr.join('\n') + text).not.toMatch(/warning/);
      const json = capture();
      expect(await main(['convert', dirs.get(c.lang)!, '--list', '--json'], json)).toBe(0);
      const listed = JSON.parse(json.stdout.join('\n'));
      expect(listed.studies[0]).toMatchObject({ patientName: c.name, description: c.study });
      expect(listed.series[0]).toMatchObject({ description: c.series });
    });

    it.each(CASES)('$lang: --to dicom writes the name that pydicom and DCMTK read back', async (c) => {
      const out = path.join(root, `dicom-${CASES.indexOf(c)}`);
      const io = capture();
      expect(await main(['convert', dirs.get(c.lang)!, '--to', 'dicom', '--out', out], io)).toBe(0);
      expect(io.stderr.join('\n')).not.toMatch(/warning/);
      const files = readdirSync(out).map((f) => path.join(out, f));
      expect(files).toHaveLength(3);
      const py = pythonJson<PyText>('read_text.py', [files[0]!])[files[0]!]!;
      expect(py.SpecificCharacterSet).toBe('ISO_IR 192');
      expect(py.text['(0010,0010)']).toBe(c.name);
      expect(py.text['(0008,1030)']).toBe(c.study);
      expect(py.text['(0008,103E)']).toBe(c.series);
      if (dcmtk) {
        expect(dcmdumpValue(files[0]!, '0010,0010')).toBe(c.name);
        expect(dcmdumpValue(files[0]!, '0008,1030')).toBe(c.study);
      }
      // DCMTK can turn our UTF-8 back into the source's set (not into ISO 2022 sets, which
      // dcmconv cannot write): the name survives, in the bytes pydicom itself would write.
      if (dcmtk && c.charset.length === 1) {
        const conv = path.join(root, `conv-${CASES.indexOf(c)}.dcm`);
        const r = spawnSync('dcmconv', ['+C', c.charset[0]!, files[0]!, conv], { encoding: 'utf8' });
        expect(r.status, r.stderr).toBe(0);
        expect(r.stderr).not.toMatch(/^[EFW]:/m);
        const back = pythonJson<PyText>('read_text.py', [conv])[conv]!;
        expect(back.SpecificCharacterSet).toBe(c.charset[0]);
        expect(back.text['(0010,0010)']).toBe(c.name);
      }
      // And our reader reads our writing: a second pass keeps the text.
      const again = capture();
      expect(await main(['convert', out, '--list'], again)).toBe(0);
      expect(again.stdout.join('\n')).toContain(c.name);
    });

    it.each(CASES)('$lang: a SEG carries the name that pydicom and DCMTK read back', async (c) => {
      const dir = dirs.get(c.lang)!;
      const reference = pickSeries(await scanDicom(dir));
      const grid = seriesGeometry(reference);
      const data = new Uint8Array(grid.size[0] * grid.size[1] * grid.size[2]);
      data.fill(1, 10, 30);
      const labelMap: Volume = { ...grid, data };
      const nii = path.join(root, `labels-${CASES.indexOf(c)}.nii.gz`);
      await writeLabelMapNifti(nii, labelMap, labelsFromSegments(['SPLEEN']));
      const seg = path.join(root, `seg-${CASES.indexOf(c)}.dcm`);
      const io = capture();
      expect(await main(['convert', nii, '--to', 'dicomseg', '--reference', dir, '--out', seg], io)).toBe(0);
      expect(io.stderr.join('\n')).not.toMatch(/warning/);
      const py = pythonJson<PyText>('read_text.py', [seg])[seg]!;
      expect(py.SpecificCharacterSet).toBe('ISO_IR 192');
      expect(py.text['(0010,0010)']).toBe(c.name);
      expect(py.text['(0008,1030)']).toBe(c.study);
      if (dcmtk) {
        expect(dcmdumpValue(seg, '0010,0010')).toBe(c.name);
        expect(dcmdumpValue(seg, '0008,1030')).toBe(c.study);
      }
    });

    it('reads implicit VR files by the same rules (VRs from the dictionary)', async () => {
      const dir = makeSeries(path.join(root, 'implicit'), { size: [8, 6, 2], implicit: true });
      const c = CASES.find((x) => x.lang === 'Japanese')!;
      python('set_text.py', [dir, JSON.stringify({ charset: c.charset, text: { PatientName: c.name } })]);
      const scan = await scanDicom(dir);
      expect(scan.series[0]!.instances[0]!.transferSyntax).toBe('1.2.840.10008.1.2');
      expect(scan.studies[0]!.patientName).toBe(c.name);
      expect(scan.series[0]!.warnings).toEqual([]);
    });

    // What `mhub run --output-format dicomseg` does once the model has written its label map.
    it.each(CASES.filter((c) => ['Russian', 'Japanese', 'Korean'].includes(c.lang)))(
      '$lang: the runner writes a SEG with the name, read back by pydicom',
      async (c) => {
        const dir = dirs.get(c.lang)!;
        const grid = seriesGeometry(pickSeries(await scanDicom(dir)));
        const data = new Uint8Array(grid.size[0] * grid.size[1] * grid.size[2]).fill(1, 5, 25);
        const nii = path.join(root, `run-${CASES.indexOf(c)}.nii.gz`);
        await writeNifti(nii, { ...grid, data });
        const seg = path.join(root, `run-${CASES.indexOf(c)}.seg.dcm`);
        await ioConverter().convertOutput({
          source: nii,
          sourceFormat: 'nifti',
          target: seg,
          targetFormat: 'dicomseg',
          segments: [loadTerminology().resolve('SPLEEN')!],
          reference: { path: dir, format: 'dicom' },
          progress: () => {},
        });
        const py = pythonJson<PyText>('read_text.py', [seg])[seg]!;
        expect(py.SpecificCharacterSet).toBe('ISO_IR 192');
        expect(py.text['(0010,0010)']).toBe(c.name);
        expect(py.text['(0008,1030)']).toBe(c.study);
      },
    );

    it('writes our own text (segment labels) in any script, read back by us and pydicom', async () => {
      const dir = dirs.get('Russian')!;
      const reference = pickSeries(await scanDicom(dir));
      const grid = seriesGeometry(reference);
      const data = new Uint8Array(grid.size[0] * grid.size[1] * grid.size[2]).fill(1, 0, 20);
      const name = 'Milz — 脾臓 — Селезёнка';
      const labels = labelsFromSegments(['SPLEEN']).map((l) => ({ ...l, name }));
      const seg = path.join(root, 'seg-labels.dcm');
      await writeDicomSeg(seg, { ...grid, data }, labels, reference, { algorithm: 'Modèle ü' });
      const back = await readDicomSeg(seg, { reference: grid });
      expect(back.labels[0]!.name).toBe(name);
      expect(back.warnings).toEqual([]);
      const py = pythonJson<{ segments: { label: string }[] }>('read_seg.py', [seg]);
      expect(py.segments[0]!.label).toBe(name);
      expect(pythonJson<PyText>('read_text.py', [seg])[seg]!.text['(0008,103E)']).toBe(
        'Modèle ü segmentation',
      );
    });
  },
);

describe.skipIf(!tools.ok)('a value whose bytes are not valid in the declared set', () => {
  const tmp = tempDir('mhub-charset-bad-');
  const root = tmp.dir;
  let dir: string;
  beforeAll(() => {
    // Latin-1 bytes of "Müller^Jürgen" in a file that declares UTF-8.
    dir = makeSeries(path.join(root, 'bad'), { size: [8, 6, 3], shuffle: false });
    python('set_text.py', [
      dir,
      JSON.stringify({
        charset: ['ISO_IR 192'],
        raw: { PatientName: Buffer.from('M\xfcller^J\xfcrgen', 'latin1').toString('hex') },
      }),
    ]);
  });
  afterAll(() => tmp.cleanup());

  it('--list shows it with replacement characters and one warning per series, exit 0', async () => {
    const io = capture();
    expect(await main(['convert', dir, '--list'], io)).toBe(0);
    const text = io.stdout.join('\n');
    expect(text).toContain('M\ufffdller^J\ufffdrgen');
    const warnings = text.split('\n').filter((l) => /warning/.test(l));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/\(0010,0010\).*not valid ISO_IR 192.*replaced/);
  });

  it('--to dicom converts, warns, and writes valid UTF-8 that pydicom reads', async () => {
    const out = path.join(root, 'out');
    const io = capture();
    expect(await main(['convert', dir, '--to', 'dicom', '--out', out], io)).toBe(0);
    expect(io.stderr.join('\n')).toMatch(/warning: .*\(0010,0010\).*not valid ISO_IR 192/);
    const file = path.join(out, readdirSync(out).sort()[0]!);
    expect(pythonJson<PyText>('read_text.py', [file])[file]!.text['(0010,0010)']).toBe(
      'M\ufffdller^J\ufffdrgen',
    );
  });
});
