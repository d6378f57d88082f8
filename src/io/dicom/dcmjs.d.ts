// dcmjs ships no type declarations; we use only its data dictionary (tag -> VR, keyword).
declare module 'dcmjs' {
  interface DictionaryEntry {
    tag: string;
    vr: string;
    vm: string;
    name: string;
  }
  const dcmjs: {
    data: { DicomMetaDictionary: { dictionary: Record<string, DictionaryEntry | undefined> } };
  };
  export default dcmjs;
}
