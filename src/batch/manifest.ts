// Manifests: CSV (header row) or JSON lines, one item per row. Paths are relative to the
// manifest's folder. Every refusal names the file, the line and the column or field.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { MhubError } from '../errors.ts';
import { usesPacs } from '../pacs/index.ts';
import { parseCsvRows } from '../registry/index.ts';
import { type GpuMode, OUTPUT_FORMATS, type OutputFormat } from '../runner/index.ts';
import { checkId } from './ids.ts';
import type { BatchItem, ItemInputs, ItemOptions } from './types.ts';

const GPU_MODES: readonly GpuMode[] = ['auto', 'on', 'off'];
const OPTION_COLUMNS = ['workflow', 'gpu', 'timeout', 'output_format'] as const;

function bad(where: string, message: string, hint: string): MhubError {
  return new MhubError('INVALID_INPUT', `${where}: ${message}`, hint);
}

function parseOptions(raw: Record<string, unknown>, where: string): ItemOptions | undefined {
  const options: ItemOptions = {};
  if (raw.workflow !== undefined && raw.workflow !== '') options.workflow = String(raw.workflow);
  if (raw.gpu !== undefined && raw.gpu !== '') {
    if (!GPU_MODES.includes(raw.gpu as GpuMode))
      throw bad(where, `gpu '${raw.gpu}' is not one of ${GPU_MODES.join(', ')}`, 'fix the gpu field');
    options.gpu = raw.gpu as GpuMode;
  }
  if (raw.timeout !== undefined && raw.timeout !== '') {
    const seconds = Number(raw.timeout);
    if (!(seconds > 0))
      throw bad(
        where,
        `timeout '${raw.timeout}' is not a positive number of seconds`,
        'fix the timeout field',
      );
    options.timeoutMs = seconds * 1000;
  }
  const formats = raw.output_format ?? raw.outputFormats;
  if (formats !== undefined && formats !== '') {
    const list = Array.isArray(formats)
      ? formats.map(String)
      : String(formats)
          .split(/[\s;]+/)
          .filter(Boolean);
    for (const f of list) {
      if (!OUTPUT_FORMATS.includes(f as OutputFormat))
        throw bad(
          where,
          `output format '${f}' is not one of ${OUTPUT_FORMATS.join(', ')}`,
          'fix the output_format field',
        );
    }
    options.outputFormats = list as OutputFormat[];
  }
  return Object.keys(options).length > 0 ? options : undefined;
}

function resolveInputs(given: Record<string, string>, base: string, where: string): ItemInputs {
  for (const [key, value] of Object.entries(given)) {
    if (!value)
      throw bad(where, `input ${key} is empty`, 'give a path to a DICOM folder or a NIfTI/NRRD file');
  }
  // A PACS address (dicomweb+http(s)://…/studies/<UID>, dimse://…) stays as written.
  const abs = Object.fromEntries(
    Object.entries(given).map(([k, v]) => [k, usesPacs(v) ? v : path.resolve(base, v)]),
  );
  if ('input' in abs) return abs.input!;
  return abs;
}

export function parseCsvManifest(text: string, file: string, inputIds: readonly string[]): BatchItem[] {
  const { header, rows } = parseCsvRows(text);
  const name = path.basename(file);
  const inputColumns = inputIds.length === 1 ? ['input', inputIds[0]!] : inputIds;
  const known = new Set<string>(['id', ...inputColumns, ...OPTION_COLUMNS]);
  const unknown = header.filter((h) => !known.has(h));
  if (header.length === 0 || !header.includes('id') || unknown.length > 0) {
    throw bad(
      `${file} line 1`,
      header.length === 0
        ? 'the manifest is empty'
        : unknown.length > 0
          ? `unknown column${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`
          : 'no id column',
      `columns are: id, ${inputIds.length === 1 ? 'input' : inputIds.join(', ')}, and optionally ${OPTION_COLUMNS.join(', ')}`,
    );
  }
  const present = inputColumns.filter((c) => header.includes(c));
  const missing =
    inputIds.length === 1
      ? present.length === 0
        ? ['input']
        : []
      : inputIds.filter((i) => !header.includes(i));
  if (missing.length > 0 || present.length > (inputIds.length === 1 ? 1 : inputIds.length)) {
    throw bad(
      `${file} line 1`,
      missing.length > 0
        ? `no column for input ${missing.join(', ')}`
        : `columns ${present.join(' and ')} both name the input`,
      `give one column per model input (${inputIds.length === 1 ? 'input' : inputIds.join(', ')})`,
    );
  }
  const base = path.dirname(path.resolve(file));
  return rows.map(({ line, fields }) => {
    const where = `${name} line ${line}`;
    if (fields.length !== header.length) {
      throw bad(
        `${file} line ${line}`,
        `${fields.length} fields where the header has ${header.length}`,
        'quote fields that contain commas',
      );
    }
    const row = Object.fromEntries(header.map((h, i) => [h, fields[i]!.trim()]));
    const id = checkId(row.id ?? '', `${file} line ${line}`);
    const given = Object.fromEntries(present.map((c) => [inputIds.length === 1 ? 'input' : c, row[c]!]));
    return {
      id,
      inputs: resolveInputs(given, base, `${file} line ${line}`),
      options: parseOptions(row, `${file} line ${line}`),
      source: where,
    };
  });
}

export function parseJsonlManifest(text: string, file: string, inputIds: readonly string[]): BatchItem[] {
  const base = path.dirname(path.resolve(file));
  const items: BatchItem[] = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.trim();
    if (!line) continue;
    const where = `${file} line ${n + 1}`;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (error) {
      throw bad(where, `not JSON (${(error as Error).message})`, 'write one JSON object per line');
    }
    if (!raw || typeof raw !== 'object' || Array.isArray(raw))
      throw bad(where, 'not a JSON object', 'write {"id": ..., "input": ...}');
    const obj = raw as Record<string, unknown>;
    const unknown = Object.keys(obj).filter((k) => !['id', 'input', 'options'].includes(k));
    if (unknown.length > 0)
      throw bad(
        where,
        `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`,
        'fields are id, input and options',
      );
    if (typeof obj.id !== 'string') throw bad(where, 'no id', 'give "id": "case01"');
    const id = checkId(obj.id, where);
    let given: Record<string, string>;
    if (typeof obj.input === 'string') given = inputIds.length === 1 ? { input: obj.input } : {};
    else if (obj.input && typeof obj.input === 'object' && !Array.isArray(obj.input))
      given = obj.input as Record<string, string>;
    else
      throw bad(
        where,
        'no input',
        `give "input": "path"${inputIds.length > 1 ? ` or {${inputIds.map((i) => `"${i}": "path"`).join(', ')}}` : ''}`,
      );
    if (!('input' in given)) {
      const missing = inputIds.filter((i) => typeof given[i] !== 'string');
      const extra = Object.keys(given).filter((k) => !inputIds.includes(k));
      if (missing.length > 0 || extra.length > 0) {
        throw bad(
          where,
          missing.length > 0
            ? `no path for input ${missing.join(', ')}`
            : `the model has no input ${extra.join(', ')}`,
          `inputs: ${inputIds.join(', ')}`,
        );
      }
    }
    if (obj.options !== undefined && (typeof obj.options !== 'object' || obj.options === null))
      throw bad(where, 'options is not an object', 'write "options": {"timeout": 600}');
    const opts = (obj.options ?? {}) as Record<string, unknown>;
    const unknownOpts = Object.keys(opts).filter((k) => ![...OPTION_COLUMNS, 'outputFormats'].includes(k));
    if (unknownOpts.length > 0)
      throw bad(
        where,
        `unknown option ${unknownOpts.join(', ')}`,
        `options are ${OPTION_COLUMNS.join(', ')}`,
      );
    items.push({
      id,
      inputs: resolveInputs(given, base, where),
      options: parseOptions(opts, where),
      source: `${path.basename(file)} line ${n + 1}`,
    });
  }
  return items;
}

export async function readManifest(file: string, inputIds: readonly string[]): Promise<BatchItem[]> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new MhubError(
      'NOT_FOUND',
      `cannot read the manifest ${file}: ${error.code ?? error.message}`,
      'give an existing .csv or .jsonl file',
    );
  });
  if (/\.jsonl?$/i.test(file)) return parseJsonlManifest(text, file, inputIds);
  return parseCsvManifest(text, file, inputIds);
}
