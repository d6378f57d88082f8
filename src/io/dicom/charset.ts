// DICOM text and its Specific Character Set (0008,0005), PS3.5 6.1 and 6.2. Every text value we
// read goes through decodeText and every one we write through encodeText. Decoding, ISO 2022
// escapes included, is dicom-character-set's (TextDecoder underneath; Node's full ICU has every
// encoding it names); around it we add what a reader of real files needs: misspelled terms,
// undeclared non-ASCII, code elements a writer forgot to designate again after a delimiter, and a
// warning instead of a crash when bytes are not valid in the declared set.
import { type CharacterSetElement, characterSets, convertBytes } from 'dicom-character-set';
import { tagLabel } from './dictionary.ts';
import type { DataSet } from './parse.ts';

/** The VRs whose values use the declared character set (PS3.5 6.1.2.3); the rest are ASCII. */
export const TEXT_VRS: ReadonlySet<string> = new Set(['SH', 'LO', 'ST', 'LT', 'UT', 'UC', 'PN']);

/**
 * What we declare in every object we write. Derived objects (SEG, --to dicom series) mix the
 * source's patient/study text with our own (segment labels, model names from cards), which the
 * source's set may not be able to hold; UTF-8 holds all of it, has no escape state to get wrong,
 * and pydicom and DCMTK (dcmdump +U8, dcmconv) read it. Source text is decoded to Unicode first,
 * so nothing is lost in the change of set.
 */
export const WRITTEN_CHARSET = 'ISO_IR 192';

export interface Charset {
  /** Defined terms as declared, spelling corrected; [] for the default repertoire. */
  readonly terms: readonly string[];
  /** The value as declared, for messages. */
  readonly label: string;
  /** What decoding had to repair; shared by a dataset, its items and their own declarations. */
  readonly warnings: string[];
}

const ESC = 0x1b;

function warn(cs: Charset, message: string): void {
  if (!cs.warnings.includes(message)) cs.warnings.push(message);
}

// Writers misspell the terms ("ISO-IR 100", "ISO_IR_100", "ISO 2022 IR100"); pydicom accepts those too.
function normalTerm(term: string): string {
  const t = term.trim().toUpperCase();
  const m = /^ISO[ _-]?(2022[ _-]?)?IR[ _-]?(\d+)$/.exec(t);
  if (!m) return t;
  return m[1] ? `ISO 2022 IR ${m[2]}` : `ISO_IR ${m[2]}`;
}

/** The character set a (0008,0005) value declares; unknown terms are dropped with a warning. */
export function charset(declared: string | undefined, warnings: string[] = []): Charset {
  const label = (declared ?? '').replace(/[\0 ]+$/, '');
  const cs: Charset = { terms: [], label: label || '(none)', warnings };
  if (!label) return cs;
  const terms = label.split('\\').map(normalTerm);
  const known = terms.filter((t, n) => (t === '' && n === 0) || characterSets[t] !== undefined);
  for (const t of terms) {
    if (t !== '' && characterSets[t] === undefined)
      warn(cs, `SpecificCharacterSet (0008,0005) term '${t}' is not a defined term; it was ignored`);
  }
  const plain = known.length === 0 || (known.length === 1 && (known[0] === '' || known[0] === 'ISO_IR 6'));
  return { ...cs, terms: plain ? [] : known };
}

/** Sets each dataset's character set: its own (0008,0005), else its parent's (PS3.5 7.5.1). */
export function assignCharsets(d: DataSet, inherited?: Charset): void {
  const own = d.bytes(0x00080005);
  const cs =
    own !== undefined ? charset(own.toString('latin1'), inherited?.warnings) : (inherited ?? d.charset);
  d.charset = cs;
  for (const e of d.elements.values()) for (const item of e.items ?? []) assignCharsets(item, cs);
}

function isPlainAscii(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b >= 0x80 || b === ESC) return false;
  return true;
}

const latin1 = (bytes: Uint8Array) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');

/** Decodes one element's value (all its values, backslashes kept) by VR and character set. */
export function decodeText(bytes: Uint8Array, vr: string, cs: Charset, tag: number): string {
  // Other VRs hold the default repertoire only; latin1 keeps their bytes one to one.
  if (!TEXT_VRS.has(vr)) return latin1(bytes);
  // JIS X 0201 (ISO_IR 13) puts yen and overline at 0x5C and 0x7E: its ASCII is not ASCII.
  const romaji = /[ _]IR 13$/.test(cs.terms[0] ?? '');
  if (!romaji && isPlainAscii(bytes)) return latin1(bytes);
  // A series repeats its names in every file: decode each distinct value once.
  const key = `${cs.label}|${vr}|${tag}|${latin1(bytes)}`;
  let hit = decoded.get(key);
  if (!hit) {
    if (decoded.size >= 4096) decoded.clear();
    hit = decodeNonAscii(bytes, vr, cs, tagLabel(tag));
    decoded.set(key, hit);
  }
  if (hit.warning) warn(cs, hit.warning);
  return hit.text;
}

const decoded = new Map<string, { text: string; warning?: string }>();

function decodeNonAscii(
  bytes: Uint8Array,
  vr: string,
  cs: Charset,
  where: string,
): { text: string; warning?: string } {
  if (cs.terms.length === 0) return undeclared(bytes, where);
  const terms = effectiveTerms(cs.terms);
  let text: string;
  try {
    text = convertBytes(terms.join('\\'), redesignate(bytes, vr, terms), { vr });
  } catch (error) {
    return {
      text: Array.from(bytes, (b) => (b < 0x80 && b !== ESC ? String.fromCharCode(b) : '\ufffd')).join(''),
      warning: `${where} cannot be decoded as ${cs.label} (${(error as Error).message}); what could not be read was replaced by U+FFFD`,
    };
  }
  if (!text.includes('\ufffd')) return { text };
  return {
    text,
    warning: `${where} holds bytes that are not valid ${cs.label}; they were replaced by U+FFFD`,
  };
}

// Non-ASCII without a declared set breaks PS3.5; such files are mostly UTF-8 from new tools or
// latin1 from old ones. UTF-8 cannot be valid by accident, so it is tried first.
function undeclared(bytes: Uint8Array, where: string): { text: string; warning: string } {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return {
      text,
      warning: `${where} holds non-ASCII bytes but no usable character set is declared; read as UTF-8`,
    };
  } catch {
    return {
      text: latin1(bytes),
      warning: `${where} holds non-ASCII bytes but no usable character set is declared; read as latin-1 (ISO_IR 100)`,
    };
  }
}

// The library's own rules (README "Differences from DICOM standard"): a multi-byte set without
// extensions stands alone or is ignored, and several terms mean their ISO 2022 forms.
function effectiveTerms(terms: readonly string[]): string[] {
  const first = characterSets[terms[0] || 'ISO_IR 6'];
  if (first?.multiByte && !first.extension) return [terms[0]!];
  const kept = terms.filter((t) => t === '' || !characterSets[t]?.multiByte || characterSets[t]?.extension);
  if (kept.length === 1 && !kept[0]!.startsWith('ISO 2022')) return kept;
  const extended = kept.map((t, n) =>
    t === '' && n === 0 ? 'ISO 2022 IR 6' : t.replace('ISO_IR', 'ISO 2022 IR'),
  );
  // Writers return to ASCII with ESC ( B even when the first set is JIS X 0201 (ISO 2022 IR 13),
  // whose own return is ESC ( J; pydicom reads both. Listed last, it changes no initial set.
  if (!extended.includes('ISO 2022 IR 6')) extended.push('ISO 2022 IR 6');
  return extended;
}

/** Value delimiters that return the code elements to their initial sets (PS3.5 6.1.2.5.3). */
function delimiters(vr: string): Set<number> {
  const d = new Set([0x09, 0x0a, 0x0c, 0x0d]);
  if (vr !== 'ST' && vr !== 'LT' && vr !== 'UT') d.add(0x5c);
  if (vr === 'PN') for (const b of [0x3d, 0x5e]) d.add(b);
  return d;
}

/**
 * G1 sets must be designated again after each delimiter, but common writers (pydicom among them)
 * designate once per value: "ESC $ ) C Hong^Gildong=<KS X 1001 bytes>". Read strictly, the bytes
 * after '=' have no G1 set and come out as latin1. Where a GR byte meets no designated G1 set,
 * this inserts the escape of the last one designated (else the first declared), as pydicom reads it.
 * Well-formed values pass unchanged.
 */
function redesignate(bytes: Uint8Array, vr: string, terms: readonly string[]): Uint8Array {
  const sets = terms.map((t) => characterSets[t]!);
  if (!sets[0]?.extension) return bytes;
  const elements = sets.flatMap((s) => s.elements ?? []);
  const initial = {
    G0: sets[0].elements?.find((e) => e.codeElement === 'G0'),
    G1: sets[0].elements?.find((e) => e.codeElement === 'G1'),
  };
  const fallbackG1 = elements.find((e) => e.codeElement === 'G1');
  const stops = delimiters(vr);
  let active = { ...initial };
  let lastG1: CharacterSetElement | undefined;
  const out: number[] = [];
  let changed = false;
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    if (b === ESC) {
      const e = elements.find((x) => x.escapeSequence.every((v, k) => bytes[i + k] === v));
      if (e) {
        active[e.codeElement] = e;
        if (e.codeElement === 'G1') lastG1 = e;
        out.push(...e.escapeSequence);
        i += e.escapeSequence.length;
        continue;
      }
    } else if (b >= 0x80 && !active.G1) {
      const e = lastG1 ?? fallbackG1;
      if (e) {
        out.push(...e.escapeSequence);
        active.G1 = e;
        changed = true;
      }
    }
    const width = (b >= 0x80 ? active.G1 : active.G0)?.bytesPerCodePoint ?? 1;
    if (width === 1 && stops.has(b)) active = { ...initial };
    for (let k = 0; k < width && i < bytes.length; k++) out.push(bytes[i++]!);
  }
  return changed ? Uint8Array.from(out) : bytes;
}

/** Bytes of a value we write: text VRs in WRITTEN_CHARSET, the rest in the default repertoire. */
export function encodeText(text: string, vr: string): Buffer {
  if (TEXT_VRS.has(vr)) return Buffer.from(text, 'utf8');
  // Non-text values we write are ours or read from a source as bytes (decodeText); latin1 gives
  // those bytes back. A character beyond a byte would be a bug in our code, not user data.
  if (/[^\0-\xff]/.test(text)) throw new Error(`a ${vr} value cannot hold '${text}'`);
  return Buffer.from(text, 'latin1');
}

/** One line per distinct decoding problem of a series' files, naming a file and how many. */
export function textWarnings(
  instances: readonly { path: string; textWarnings?: readonly string[] }[],
): string[] {
  const files = new Map<string, Set<string>>();
  for (const i of instances) {
    for (const w of i.textWarnings ?? []) files.set(w, (files.get(w) ?? new Set()).add(i.path));
  }
  return [...files].map(([w, paths]) => {
    const [first] = paths;
    return `${first}${paths.size > 1 ? ` (and ${paths.size - 1} more file(s))` : ''}: ${w}`;
  });
}
