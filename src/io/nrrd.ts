// NRRD (.nrrd, attached header) reader and writer in LPS space, as Slicer and ITK write it.
// NRRD has no rescale: a volume with one is written in real values (int16 when they fit).
import { readFile } from 'node:fs/promises';
import { MhubError } from '../errors.ts';
import { inflateChecked } from './gzip.ts';
import { bytesOf, type WriteOptions, writeParts } from './nifti.ts';
import { bounded, inflateProblem } from './read-checked.ts';
import {
  allocate,
  MAX_VOLUME_BYTES,
  type Vec3,
  type Volume,
  type VoxelArray,
  type VoxelType,
  voxelType,
} from './volume.ts';

const NRRD_TYPE: Record<VoxelType, string> = {
  uint8: 'unsigned char',
  int8: 'signed char',
  uint16: 'unsigned short',
  int16: 'short',
  uint32: 'unsigned int',
  int32: 'int',
  float32: 'float',
  float64: 'double',
};

const TYPE_ALIASES: Record<string, VoxelType> = {
  uchar: 'uint8',
  'unsigned char': 'uint8',
  uint8: 'uint8',
  uint8_t: 'uint8',
  'signed char': 'int8',
  int8: 'int8',
  int8_t: 'int8',
  short: 'int16',
  'short int': 'int16',
  'signed short': 'int16',
  'signed short int': 'int16',
  int16: 'int16',
  int16_t: 'int16',
  ushort: 'uint16',
  'unsigned short': 'uint16',
  'unsigned short int': 'uint16',
  uint16: 'uint16',
  uint16_t: 'uint16',
  int: 'int32',
  'signed int': 'int32',
  int32: 'int32',
  int32_t: 'int32',
  uint: 'uint32',
  'unsigned int': 'uint32',
  uint32: 'uint32',
  uint32_t: 'uint32',
  float: 'float32',
  double: 'float64',
};

const num = (x: number) => (Object.is(x, -0) ? 0 : x).toString();
const vecText = (v: readonly number[]) => `(${v.map(num).join(',')})`;

/** Real values of a volume: applies rescale, into int16 when the values clip, else float32. */
export function applyRescale(v: Volume): VoxelArray {
  if (!v.rescale) return v.data;
  const { slope, intercept } = v.rescale;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let n = 0; n < v.data.length; n++) {
    const x = v.data[n]!;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const lo = Math.min(min * slope + intercept, max * slope + intercept);
  const hi = Math.max(min * slope + intercept, max * slope + intercept);
  const integral = Number.isInteger(slope) && Number.isInteger(intercept);
  const out =
    integral && lo >= -32768 && hi <= 32767 ? new Int16Array(v.data.length) : new Float32Array(v.data.length);
  for (let n = 0; n < v.data.length; n++) out[n] = v.data[n]! * slope + intercept;
  return out;
}

export function nrrdHeader(
  v: Volume,
  data: VoxelArray,
  gz: boolean,
  fields: Record<string, string> = {},
): string {
  const lines = [
    'NRRD0004',
    '# Complete NRRD file format specification at:',
    '# http://teem.sourceforge.net/nrrd/format.html',
    `type: ${NRRD_TYPE[voxelType(data)]}`,
    'dimension: 3',
    'space: left-posterior-superior',
    `sizes: ${v.size.join(' ')}`,
    `space directions: ${v.axes.map((a, i) => vecText(a.map((x) => x * v.spacing[i]!))).join(' ')}`,
    'kinds: domain domain domain',
    'endian: little',
    `encoding: ${gz ? 'gzip' : 'raw'}`,
    `space origin: ${vecText(v.origin)}`,
    ...Object.entries(fields).map(([k, value]) => `${k}:=${value.replaceAll('\n', ' ')}`),
  ];
  return `${lines.join('\n')}\n\n`;
}

export interface NrrdWriteOptions extends WriteOptions {
  /** Key/value pairs written as `key:=value` (Slicer segment metadata). */
  fields?: Record<string, string>;
  /** gzip the data (default: true for .nrrd as Slicer does; false gives raw). */
  gzip?: boolean;
}

export async function writeNrrd(file: string, volume: Volume, options: NrrdWriteOptions = {}): Promise<void> {
  const gz = options.gzip ?? true;
  const data = applyRescale(volume);
  const header = Buffer.from(nrrdHeader(volume, data, gz, options.fields), 'latin1');
  if (gz) await writeParts(file, [bytesOf(data)], { ...options, gz: true, plain: header });
  else await writeParts(file, [header, bytesOf(data)], { ...options, gz: false });
}

export interface NrrdImage extends Volume {
  /** `key:=value` pairs from the header. */
  fields: Record<string, string>;
}

export async function readNrrd(file: string): Promise<NrrdImage> {
  const raw = await readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new MhubError('NOT_FOUND', `${file} cannot be read (${error.code})`, 'check the path');
  });
  const bad = (why: string) =>
    new MhubError(
      'INVALID_INPUT',
      `${file} is not a readable NRRD file: ${why}`,
      'give a .nrrd file with an attached header',
    );
  if (raw.toString('latin1', 0, 4) !== 'NRRD') throw bad('it does not start with NRRD');
  const end = raw.indexOf('\n\n');
  if (end < 0) throw bad('its header has no end');
  const header = raw.toString('latin1', 0, end).split('\n');
  const fields: Record<string, string> = {};
  const info: Record<string, string> = {};
  for (const line of header.slice(1)) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const kv = line.indexOf(':=');
    if (kv >= 0) {
      fields[line.slice(0, kv)] = line.slice(kv + 2);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon < 0) throw bad(`header line '${line}' has no ':'`);
    info[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  if (info['data file'] || info.datafile) throw bad('detached headers (.nhdr) are not supported');
  const type = TYPE_ALIASES[info.type ?? ''];
  if (!type) throw bad(`type '${info.type}' is not supported`);
  const sizes = (info.sizes ?? '').split(/\s+/).map(Number);
  const dimension = Number(info.dimension);
  if (dimension !== 3 || sizes.length !== 3)
    throw bad(`it has ${dimension} dimensions; only 3D images are supported`);
  if (sizes.some((n) => !(Number.isInteger(n) && n >= 1)))
    throw bad(`its sizes '${info.sizes}' are not three positive whole numbers`);
  const space = (info.space ?? 'left-posterior-superior').toLowerCase();
  const flip = space === 'right-anterior-superior' || space === 'ras' ? -1 : 1;
  if (!['left-posterior-superior', 'lps', 'right-anterior-superior', 'ras'].includes(space)) {
    throw bad(`space '${info.space}' is not supported`);
  }
  const parseVec = (s: string, field: string): Vec3 => {
    const v = s.replace(/[()]/g, '').split(',').map(Number);
    if (v.length !== 3 || !v.every(Number.isFinite))
      throw bad(`'${field}' holds '${s}', not three finite numbers`);
    return [v[0]! * flip, v[1]! * flip, v[2]!];
  };
  const dirs = (info['space directions'] ?? '')
    .match(/\([^)]*\)/g)
    ?.map((d) => parseVec(d, 'space directions'));
  if (dirs?.length !== 3) throw bad("'space directions' must give three vectors");
  const spacing = dirs.map((d) => Math.hypot(...d)) as Vec3;
  if (spacing.some((x) => !(x > 0))) throw bad("a 'space directions' vector has length zero");
  const axes = dirs.map((d, i) => d.map((x) => x / spacing[i]!)) as [Vec3, Vec3, Vec3];
  const origin = info['space origin'] ? parseVec(info['space origin'], 'space origin') : ([0, 0, 0] as Vec3);
  const encoding = (info.encoding ?? 'raw').toLowerCase();
  const endian = (info.endian ?? 'little').toLowerCase();
  if (endian !== 'little' && endian !== 'big') throw bad(`endian '${info.endian}' is not little or big`);
  const n = sizes[0]! * sizes[1]! * sizes[2]!;
  const bytesPerVoxel = allocate(type, 0).BYTES_PER_ELEMENT;
  const bytes = n * bytesPerVoxel;
  if (bytes > MAX_VOLUME_BYTES)
    throw bad(
      `its sizes ${sizes.join('x')} declare ${(bytes / 2 ** 30).toFixed(1)} GiB, more than this machine can hold (${(MAX_VOLUME_BYTES / 2 ** 30).toFixed(1)} GiB)`,
    );
  let body: Buffer = raw.subarray(end + 2);
  if (encoding === 'gzip' || encoding === 'gz') {
    // Streamed: inflation stops past the size the header declares (no decompression bombs).
    const plan = bounded(() => ({ total: bytes, keep: [0, bytes] }), body.length, bad);
    const r = await inflateChecked(body, 0, plan);
    const problem = inflateProblem(r, bad);
    if (problem) throw problem;
    body = r.kept;
  } else if (encoding !== 'raw') throw bad(`encoding '${encoding}' is not supported`);
  const data = allocate(type, n);
  if (body.length < bytes) throw bad(`it ends ${bytes - body.length} bytes before its data does`);
  // Raw data sits at the end of the file (what 'byte skip: -1' says; extra blank lines are common).
  const target = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  target.set(body.subarray(body.length - bytes));
  if (endian === 'big') {
    if (bytesPerVoxel === 2) target.swap16();
    else if (bytesPerVoxel === 4) target.swap32();
    else if (bytesPerVoxel === 8) target.swap64();
  }
  return { size: sizes as Vec3, spacing, origin, axes, data, fields };
}
