// Per-output colour table (Slicer 5.10 CSV with terminology columns) and terminology context
// JSON (dcmqi segment-context format, which Slicer's Terminologies module loads).
import type { Code } from '../registry/index.ts';
import { csvField } from './escape.ts';
import type { SegmentSpec } from './model-spec.ts';

const CODE_GROUPS = ['Category', 'Type', 'TypeModifier', 'Region', 'RegionModifier'] as const;
const HEADER = [
  'LabelValue',
  'Name',
  'Color_R',
  'Color_G',
  'Color_B',
  'Color_A',
  ...CODE_GROUPS.flatMap((g) => [`${g}_CodingScheme`, `${g}_CodeValue`, `${g}_CodeMeaning`]),
];

function codeFields(code: Code | undefined): (string | number)[] {
  return code ? [code.scheme, code.value, code.meaning] : ['', '', ''];
}

export function colourTableCsv(segments: readonly SegmentSpec[]): string {
  const rows = segments.map((s) =>
    [
      s.label,
      s.name,
      ...s.color,
      255,
      ...codeFields(s.category),
      ...codeFields(s.type),
      ...codeFields(s.modifier),
      ...codeFields(s.region),
      ...codeFields(s.regionModifier),
    ]
      .map(csvField)
      .join(','),
  );
  return `${[HEADER.join(','), ...rows].join('\n')}\n`;
}

// DICOM LO (CodeMeaning) holds at most 64 characters; SH (CodeValue, scheme) 16.
const lo = (text: string) => [...text].slice(0, 64).join('');
const coded = (c: Code) => ({
  CodeValue: [...c.value].slice(0, 16).join(''),
  CodeMeaning: lo(c.meaning),
  CodingSchemeDesignator: [...c.scheme].slice(0, 16).join(''),
});

interface TypeEntry extends ReturnType<typeof coded> {
  recommendedDisplayRGBValue: [number, number, number];
  '3dSlicerLabel': string;
  Modifier?: (ReturnType<typeof coded> & { recommendedDisplayRGBValue: number[]; '3dSlicerLabel': string })[];
}

export function terminologyContext(contextName: string, segments: readonly SegmentSpec[]) {
  const categories = new Map<
    string,
    ReturnType<typeof coded> & { showAnatomy: boolean; Type: TypeEntry[] }
  >();
  for (const s of segments) {
    const [cat, type, modifier] = [coded(s.category), coded(s.type), s.modifier && coded(s.modifier)];
    const catKey = `${cat.CodingSchemeDesignator}|${cat.CodeValue}`;
    let category = categories.get(catKey);
    if (!category) {
      category = { ...cat, showAnatomy: false, Type: [] };
      categories.set(catKey, category);
    }
    let entry = category.Type.find((t) => t.CodeValue === type.CodeValue && !modifier === !t.Modifier);
    if (!entry) {
      entry = { ...type, recommendedDisplayRGBValue: s.color, '3dSlicerLabel': s.name };
      category.Type.push(entry);
    }
    if (modifier) {
      entry.Modifier ??= [];
      if (!entry.Modifier.some((m) => m.CodeValue === modifier.CodeValue))
        entry.Modifier.push({ ...modifier, recommendedDisplayRGBValue: s.color, '3dSlicerLabel': s.name });
    }
  }
  return {
    SegmentationCategoryTypeContextName: contextName,
    '@schema':
      'https://raw.githubusercontent.com/qiicr/dcmqi/master/doc/schemas/segment-context-schema.json#',
    SegmentationCodes: { Category: [...categories.values()] },
  };
}
