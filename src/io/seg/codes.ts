// Coded concepts and colours as DICOM SEG encodes them.
import { T, tag } from '../dicom/dictionary.ts';
import { clip, type Encoded, el } from '../dicom/write.ts';
import type { Code } from '../labels.ts';

const LongCodeValue = tag(0x0008, 0x0119);

/** A code sequence item; values longer than SH's 16 characters go to LongCodeValue. */
export function codeItem(code: Code, extra: Encoded[] = []): Encoded[] {
  return [
    code.value.length > 16 ? el(LongCodeValue, 'UC', code.value) : el(T.CodeValue, 'SH', code.value),
    el(T.CodingSchemeDesignator, 'SH', code.scheme),
    el(T.CodeMeaning, 'LO', clip(code.meaning)),
    ...extra,
  ];
}

export function codeFromItem(item: { string(t: number): string | undefined }): Code | undefined {
  const value = item.string(T.CodeValue) ?? item.string(LongCodeValue);
  const scheme = item.string(T.CodingSchemeDesignator);
  if (!value || !scheme) return undefined;
  return { scheme, value, meaning: item.string(T.CodeMeaning) ?? '' };
}

/** sRGB (0-255) -> DICOM scaled CIELab (PS3.3 C.10.7.1.1), D65 white as dcmqi uses. */
export function rgbToDicomLab([r, g, b]: readonly number[]): [number, number, number] {
  const lin = (c: number) => {
    const v = c / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  const [R, G, B] = [lin(r!), lin(g!), lin(b!)];
  const x = (0.4124564 * R + 0.3575761 * G + 0.1804375 * B) / 0.95047;
  const y = 0.2126729 * R + 0.7151522 * G + 0.072175 * B;
  const z = (0.0193339 * R + 0.119192 * G + 0.9503041 * B) / 1.08883;
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 / 116) * t + 16 / 116);
  const L = 116 * f(y) - 16;
  const a = 500 * (f(x) - f(y));
  const bb = 200 * (f(y) - f(z));
  const clamp = (v: number) => Math.max(0, Math.min(65535, Math.round(v)));
  return [clamp((L * 65535) / 100), clamp(((a + 128) * 65535) / 255), clamp(((bb + 128) * 65535) / 255)];
}

/** DICOM scaled CIELab -> sRGB (0-255), the inverse of rgbToDicomLab. */
export function dicomLabToRgb([l, a, b]: readonly number[]): [number, number, number] {
  const L = (l! * 100) / 65535;
  const A = (a! * 255) / 65535 - 128;
  const B = (b! * 255) / 65535 - 128;
  const fy = (L + 16) / 116;
  const fx = fy + A / 500;
  const fz = fy - B / 200;
  const inv = (t: number) => (t ** 3 > 216 / 24389 ? t ** 3 : (t - 16 / 116) / (24389 / 27 / 116));
  const x = inv(fx) * 0.95047;
  const y = inv(fy);
  const z = inv(fz) * 1.08883;
  const R = 3.2404542 * x - 1.5371385 * y - 0.4985314 * z;
  const G = -0.969266 * x + 1.8760108 * y + 0.041556 * z;
  const Bl = 0.0556434 * x - 0.2040259 * y + 1.0572252 * z;
  const gamma = (v: number) => (v <= 0.0031308 ? 12.92 * v : 1.055 * v ** (1 / 2.4) - 0.055);
  const to255 = (v: number) => Math.max(0, Math.min(255, Math.round(gamma(v) * 255)));
  return [to255(R), to255(G), to255(Bl)];
}
