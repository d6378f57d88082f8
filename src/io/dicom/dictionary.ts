// Tag numbers we read or write, and VR look-up for implicit-VR files through dcmjs's dictionary.
import { createRequire } from 'node:module';

// dcmjs (a large bundle) is loaded on first use, not at import: start-up of every command that
// reaches src/io would otherwise pay for it. Only its dictionary (dcmjs.data) is used here.
const require = createRequire(import.meta.url);
let bundle: typeof import('dcmjs').default | undefined;
const dcmjs = {
  get data() {
    bundle ??= require('dcmjs') as typeof import('dcmjs').default;
    return bundle.data;
  },
};

/** A tag as one unsigned 32-bit number: group << 16 | element. */
export const tag = (group: number, element: number): number => ((group << 16) | element) >>> 0;

const vrCache = new Map<number, string>();

/** The VR of a standard tag (implicit VR files do not carry it); 'UN' when unknown. */
export function vrOf(t: number): string {
  const cached = vrCache.get(t);
  if (cached) return cached;
  const group = t >>> 16;
  const element = t & 0xffff;
  let vr = 'UN';
  if (element === 0) vr = 'UL';
  else if (group % 2 === 1) vr = element >= 0x10 && element <= 0xff ? 'LO' : 'UN';
  else {
    const key = `(${hex4(group)},${hex4(element)})`;
    const entry = dcmjs.data.DicomMetaDictionary.dictionary[key];
    if (entry) vr = entry.vr.split('|')[0]!.replace('ox', 'OW').replace('xs', 'US');
  }
  vrCache.set(t, vr);
  return vr;
}

export const hex4 = (n: number): string => n.toString(16).toUpperCase().padStart(4, '0');
export const tagName = (t: number): string => `(${hex4(t >>> 16)},${hex4(t & 0xffff)})`;
/** "(0010,0010) PatientName": a tag as messages name it. */
export function tagLabel(t: number): string {
  const name = dcmjs.data.DicomMetaDictionary.dictionary[tagName(t)]?.name;
  return name ? `${tagName(t)} ${name}` : tagName(t);
}

export const T = {
  TransferSyntaxUID: tag(0x0002, 0x0010),
  ImageType: tag(0x0008, 0x0008),
  SOPClassUID: tag(0x0008, 0x0016),
  SOPInstanceUID: tag(0x0008, 0x0018),
  StudyDate: tag(0x0008, 0x0020),
  SeriesDate: tag(0x0008, 0x0021),
  StudyTime: tag(0x0008, 0x0030),
  AccessionNumber: tag(0x0008, 0x0050),
  Modality: tag(0x0008, 0x0060),
  Manufacturer: tag(0x0008, 0x0070),
  StudyDescription: tag(0x0008, 0x1030),
  SeriesDescription: tag(0x0008, 0x103e),
  ReferencedSOPClassUID: tag(0x0008, 0x1150),
  ReferencedSOPInstanceUID: tag(0x0008, 0x1155),
  PatientName: tag(0x0010, 0x0010),
  PatientID: tag(0x0010, 0x0020),
  PatientBirthDate: tag(0x0010, 0x0030),
  PatientSex: tag(0x0010, 0x0040),
  SliceThickness: tag(0x0018, 0x0050),
  SpacingBetweenSlices: tag(0x0018, 0x0088),
  StudyInstanceUID: tag(0x0020, 0x000d),
  SeriesInstanceUID: tag(0x0020, 0x000e),
  StudyID: tag(0x0020, 0x0010),
  SeriesNumber: tag(0x0020, 0x0011),
  AcquisitionNumber: tag(0x0020, 0x0012),
  InstanceNumber: tag(0x0020, 0x0013),
  ImagePositionPatient: tag(0x0020, 0x0032),
  ImageOrientationPatient: tag(0x0020, 0x0037),
  FrameOfReferenceUID: tag(0x0020, 0x0052),
  SamplesPerPixel: tag(0x0028, 0x0002),
  PhotometricInterpretation: tag(0x0028, 0x0004),
  NumberOfFrames: tag(0x0028, 0x0008),
  Rows: tag(0x0028, 0x0010),
  Columns: tag(0x0028, 0x0011),
  PixelSpacing: tag(0x0028, 0x0030),
  BitsAllocated: tag(0x0028, 0x0100),
  BitsStored: tag(0x0028, 0x0101),
  HighBit: tag(0x0028, 0x0102),
  PixelRepresentation: tag(0x0028, 0x0103),
  RescaleIntercept: tag(0x0028, 0x1052),
  RescaleSlope: tag(0x0028, 0x1053),
  SegmentSequence: tag(0x0062, 0x0002),
  SegmentNumber: tag(0x0062, 0x0004),
  SegmentLabel: tag(0x0062, 0x0005),
  SegmentedPropertyCategoryCodeSequence: tag(0x0062, 0x0003),
  SegmentedPropertyTypeCodeSequence: tag(0x0062, 0x000f),
  SegmentedPropertyTypeModifierCodeSequence: tag(0x0062, 0x0011),
  SegmentationType: tag(0x0062, 0x0001),
  SegmentIdentificationSequence: tag(0x0062, 0x000a),
  ReferencedSegmentNumber: tag(0x0062, 0x000b),
  RecommendedDisplayCIELabValue: tag(0x0062, 0x000d),
  AnatomicRegionSequence: tag(0x0008, 0x2218),
  AnatomicRegionModifierSequence: tag(0x0008, 0x2220),
  CodeValue: tag(0x0008, 0x0100),
  CodingSchemeDesignator: tag(0x0008, 0x0102),
  CodeMeaning: tag(0x0008, 0x0104),
  SharedFunctionalGroupsSequence: tag(0x5200, 0x9229),
  PerFrameFunctionalGroupsSequence: tag(0x5200, 0x9230),
  PixelMeasuresSequence: tag(0x0028, 0x9110),
  PlanePositionSequence: tag(0x0020, 0x9113),
  PlaneOrientationSequence: tag(0x0020, 0x9116),
  PixelValueTransformationSequence: tag(0x0028, 0x9145),
  ReferencedSeriesSequence: tag(0x0008, 0x1115),
  GridFrameOffsetVector: tag(0x3004, 0x000c),
  DoseGridScaling: tag(0x3004, 0x000e),
  SiemensMrHeaderCreator: tag(0x0019, 0x0010),
  SiemensNumberOfImagesInMosaic: tag(0x0019, 0x100a),
  SiemensCsaImageHeaderCreator: tag(0x0029, 0x0010),
  SiemensCsaImageHeader: tag(0x0029, 0x1010),
  PixelData: tag(0x7fe0, 0x0010),
  Item: tag(0xfffe, 0xe000),
  ItemDelimitation: tag(0xfffe, 0xe00d),
  SequenceDelimitation: tag(0xfffe, 0xe0dd),
} as const;
