// Builds registry/terminology/segdb.json from MHub's SegDB tables (../shared/reference/segdb/*.csv
// by default). Run again when SegDB changes: `npm run gen:terminology [-- <segdb folder>]`.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseCsv } from '../src/registry/csv.ts';
import type { TerminologyFile } from '../src/registry/types.gen.ts';

type CodeTable = TerminologyFile['categories'];

async function readTable(folder: string, file: string): Promise<Record<string, string>[]> {
  return parseCsv(await readFile(path.join(folder, file), 'utf8'));
}

function codeTable(rows: Record<string, string>[]): CodeTable {
  const table: CodeTable = {};
  for (const row of rows) {
    table[row.id!] = {
      scheme: row.CodingSchemeDesignator!,
      value: row.CodeValue!,
      meaning: row.CodeMeaning!,
    };
  }
  return table;
}

export async function importSegdb(folder: string): Promise<TerminologyFile> {
  const segments: TerminologyFile['segments'] = {};
  for (const row of await readTable(folder, 'segmentations.csv')) {
    const color = row.color!.split(',').map((v) => Number(v.trim())) as [number, number, number];
    segments[row.id!] = {
      name: row.name!,
      category: row.category!,
      type: row.anatomic_region!,
      ...(row.modifier ? { modifier: row.modifier } : {}),
      color,
    };
  }
  return {
    source: 'MHub SegDB (github.com/MHubAI/SegDB, MIT licence), imported by scripts/import-segdb.ts',
    categories: codeTable(await readTable(folder, 'categories.csv')),
    types: codeTable(await readTable(folder, 'types.csv')),
    modifiers: codeTable(await readTable(folder, 'modifiers.csv')),
    segments,
  };
}

if (import.meta.main) {
  const folder = process.argv[2] ?? new URL('../../shared/reference/segdb', import.meta.url).pathname;
  const out = new URL('../registry/terminology/segdb.json', import.meta.url);
  await writeFile(out, `${JSON.stringify(await importSegdb(folder), null, 2)}\n`);
  console.log(`wrote registry/terminology/segdb.json from ${folder}`);
}
