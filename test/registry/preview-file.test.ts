// A card's contributed preview (preview.path + alt): the validator reads the file it names and
// refuses anything but a real PNG, JPEG or WebP of sane size, in one sentence with the fix.
// preview.jpg and preview.webp are real encodings (Chromium's canvas encoder, 48 x 40 pixels).
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../src/registry/diagnostics.ts';
import { imageHeader } from '../../src/registry/preview-file.ts';
import { validateCards } from '../../src/registry/validate.ts';
import { encodePng } from '../../src/site-data/preview.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const fixtures = path.join(import.meta.dirname, 'fixtures', 'preview');
const png = (w: number, h: number) => encodePng(w, h, new Uint8Array(w * h * 3).fill(90));

describe('a contributed preview image', () => {
  let root: string;
  let card: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'mhub-preview-'));
    await mkdir(path.join(root, 'registry', 'models'), { recursive: true });
    await mkdir(path.join(root, 'models', 'classical_ct'), { recursive: true });
    card = path.join(root, 'registry', 'models', 'classical_ct.md');
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  /** Validates classical_ct with `preview` naming `rel` (written with `data` unless undefined). */
  async function validate(rel: string, data?: Buffer): Promise<string[]> {
    const text = await readFile(path.join(repo, 'registry/models/classical_ct.md'), 'utf8');
    const withPreview = text.replace(
      /\n---\n\n/,
      `\npreview:\n  path: ${rel}\n  alt: Axial CT slice with the lungs in blue\n---\n\n`,
    );
    await writeFile(card, withPreview);
    if (data) await writeFile(path.join(root, rel), data);
    const { cards, diagnostics } = await validateCards([card]);
    const lines = diagnostics.map((d) => formatDiagnostic(d, root));
    if (lines.length === 0) expect(cards.map((c) => c.card.preview?.path)).toEqual([rel]);
    else expect(cards).toEqual([]);
    return lines;
  }

  it('accepts a real PNG, JPEG and WebP and reads their size from the header', async () => {
    expect(await validate('models/classical_ct/preview.png', png(64, 48))).toEqual([]);
    for (const name of ['preview.jpg', 'preview.webp']) {
      const data = await readFile(path.join(fixtures, name));
      expect(imageHeader(data), name).toMatchObject({ width: 48, height: 40 });
      await copyFile(path.join(fixtures, name), path.join(root, 'models', 'classical_ct', name));
      expect(await validate(`models/classical_ct/${name}`)).toEqual([]);
    }
    expect(imageHeader(png(64, 48))).toEqual({ format: 'png', width: 64, height: 48 });
  });

  it('refuses a text file renamed .png, naming the file, field and fix', async () => {
    const [line, ...rest] = await validate('models/classical_ct/fake.png', Buffer.from('not an image\n'));
    expect(rest).toEqual([]);
    expect(line).toMatch(
      /^registry\/models\/classical_ct\.md:\d+:\d+ preview\.path: 'models\/classical_ct\/fake\.png' is not a PNG, JPEG or WebP image .*\. Fix: export the preview as PNG, JPEG or WebP/,
    );
  });

  it('refuses a missing file', async () => {
    expect(await validate('models/classical_ct/missing.png')).toEqual([
      expect.stringMatching(
        /preview\.path: 'models\/classical_ct\/missing\.png' is not a file in the repository \(nothing is there\)\. Fix: commit the image at models\/classical_ct\/missing\.png or correct the path/,
      ),
    ]);
  });

  it('refuses an image over 1 MB and one of unusable dimensions', async () => {
    // Noise does not compress: a real 700 x 700 RGB PNG of it is about 1.4 MB.
    const noise = new Uint8Array(700 * 700 * 3).map(() => Math.floor(Math.random() * 256));
    const big = encodePng(700, 700, noise);
    expect(big.length).toBeGreaterThan(1024 * 1024);
    expect(await validate('models/classical_ct/big.png', big)).toEqual([
      expect.stringMatching(
        /preview\.path: 'models\/classical_ct\/big\.png' is 1\.\d MB, over the 1 MB limit\. Fix: resize it/,
      ),
    ]);
    expect(await validate('models/classical_ct/tiny.png', png(8, 8))).toEqual([
      expect.stringMatching(
        /'models\/classical_ct\/tiny\.png' is 8 x 8 pixels, outside 32 to 4096 on each side/,
      ),
    ]);
  });

  it('requires alt text (schema)', async () => {
    await writeFile(path.join(root, 'models/classical_ct/preview.png'), png(64, 48));
    const text = (await readFile(path.join(repo, 'registry/models/classical_ct.md'), 'utf8')).replace(
      /\n---\n\n/,
      '\npreview:\n  path: models/classical_ct/preview.png\n---\n\n',
    );
    await writeFile(card, text);
    const { diagnostics } = await validateCards([card]);
    expect(diagnostics.map((d) => `${d.path}: ${d.message}. Fix: ${d.hint}`)).toEqual([
      expect.stringMatching(
        /^preview: .*alt.*\. Fix: give path \(e\.g\. models\/<name>\/preview\.png\) and alt/,
      ),
    ]);
  });
});
