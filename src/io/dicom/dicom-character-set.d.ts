// dicom-character-set ships no type declarations; these cover what charset.ts uses
// (node_modules/dicom-character-set/src/character-sets.js and convert-bytes.js).
declare module 'dicom-character-set' {
  export interface CharacterSetElement {
    codeElement: 'G0' | 'G1';
    escapeSequence: number[];
    encoding: string;
    bytesPerCodePoint: number;
    isASCII?: boolean;
    setHighBit?: boolean;
    isJISX0212?: boolean;
  }
  export interface CharacterSet {
    encoding?: string;
    extension?: boolean;
    multiByte?: boolean;
    elements?: CharacterSetElement[];
  }
  export const characterSets: Record<string, CharacterSet | undefined>;
  /** Throws on an unknown term or escape sequence; invalid bytes become U+FFFD (TextDecoder). */
  export function convertBytes(
    specificCharacterSet: string | undefined,
    bytes: Uint8Array,
    options?: { vr?: string },
  ): string;
}
