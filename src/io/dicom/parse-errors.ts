// Why a DICOM file could not be parsed (shared by the parser and the deflate reader).
export class ParseError extends Error {}
/** Thrown when the buffer ends inside an element: the caller may retry with the whole file. */
export class TruncatedError extends ParseError {}
/** A well-formed file in an encoding this parser does not read. */
export class UnsupportedEncodingError extends ParseError {}
