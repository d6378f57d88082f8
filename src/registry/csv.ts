// RFC 4180 CSV with a header row; enough for SegDB tables (quoted fields, commas inside quotes).
export function parseCsv(text: string): Record<string, string>[] {
  const { header, rows } = parseCsvRows(text);
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r.fields[i] ?? ''])));
}

/** The header and each non-blank row with the 1-based line it starts on (for error messages). */
export function parseCsvRows(text: string): { header: string[]; rows: { line: number; fields: string[] }[] } {
  const rows: { line: number; fields: string[] }[] = [];
  let row: string[] = [];
  let line = 1;
  let rowLine = 1;
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else {
        if (ch === '\n') line++;
        field += ch;
      }
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push({ line: rowLine, fields: row });
      row = [];
      field = '';
      line++;
      rowLine = line;
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push({ line: rowLine, fields: row });
  }
  const [header, ...body] = rows.filter((r) => r.fields.length > 1 || r.fields[0] !== '');
  return header ? { header: header.fields, rows: body } : { header: [], rows: [] };
}
