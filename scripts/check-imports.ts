// The architecture rule, run by `npm test`: each capability (a folder under src/) is reached from
// outside only through its entry `src/<capability>/index.ts`, and nothing imports src/cli (the CLI
// is a thin shell over the capabilities). The shared modules at src/'s top level (errors,
// exit codes, progress) are open to all. Exits 1 and names each offending import.
// `--fix` rewrites each import that reaches past another capability's entry to that entry
// (then `npx biome check --write src` merges the imports it duplicates); imports of src/cli
// cannot be fixed mechanically and are only reported.
// Usage: node scripts/check-imports.ts [--fix] [src dir]
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface ImportViolation {
  file: string;
  line: number;
  specifier: string;
  message: string;
  /** The specifier that keeps the rule (the capability's index.ts); absent for src/cli. */
  fix?: string;
}

// Static imports, re-exports, side-effect imports and dynamic import() with a literal.
const IMPORT =
  /\b(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Drops comments (keeping line breaks) so commented-out or quoted-in-prose imports don't count. */
function stripComments(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '))
    .replace(/(^|[^:'"\\])\/\/[^\n]*/g, (_m, p: string) => p);
}

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...tsFiles(full));
    else if (/\.(ts|js)$/.test(name) && !name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

export function checkImports(srcDir: string): ImportViolation[] {
  const src = path.resolve(srcDir);
  const violations: ImportViolation[] = [];
  for (const file of tsFiles(src)) {
    const rel = path.relative(src, file).split(path.sep);
    const own = rel.length > 1 ? rel[0] : undefined; // undefined: a shared top-level module
    const text = stripComments(readFileSync(file, 'utf8'));
    for (const m of text.matchAll(IMPORT)) {
      const specifier = (m[1] ?? m[2])!;
      if (!specifier.startsWith('.')) continue;
      const target = path.relative(src, path.resolve(path.dirname(file), specifier)).split(path.sep);
      if (target[0] === '..' || target.length < 2) continue; // outside src, or a shared module
      const capability = target[0]!;
      if (capability === own) continue;
      // The specifier's own line (a multi-line import names it on its last line).
      const line = text.slice(0, m.index + m[0].lastIndexOf(specifier)).split('\n').length;
      const at = { file: path.relative(process.cwd(), file), line, specifier };
      if (capability === 'cli') {
        violations.push({ ...at, message: 'imports src/cli; the CLI is a shell nothing may import' });
      } else if (target.length !== 2 || target[1] !== 'index.ts') {
        let fix = path.relative(path.dirname(file), path.join(src, capability, 'index.ts'));
        if (!fix.startsWith('.')) fix = `./${fix}`;
        violations.push({
          ...at,
          message: `reaches into src/${capability}; import from '${fix}' (export it there if needed)`,
          fix,
        });
      }
    }
  }
  return violations;
}

/** Rewrites the fixable violations in place; returns those left (imports of src/cli). */
export function fixImports(violations: readonly ImportViolation[]): ImportViolation[] {
  const byFile = new Map<string, ImportViolation[]>();
  for (const v of violations) if (v.fix) byFile.set(v.file, [...(byFile.get(v.file) ?? []), v]);
  for (const [file, list] of byFile) {
    const lines = readFileSync(file, 'utf8').split('\n');
    for (const v of list) {
      const i = v.line - 1;
      lines[i] = lines[i]!.replace(`'${v.specifier}'`, `'${v.fix}'`);
    }
    writeFileSync(file, lines.join('\n'));
  }
  return violations.filter((v) => !v.fix);
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const dir = args.find((a) => a !== '--fix') ?? path.join(import.meta.dirname, '..', 'src');
  const found = checkImports(dir);
  const violations = args.includes('--fix') ? fixImports(found) : found;
  if (violations.length < found.length) {
    process.stdout.write(
      `rewrote ${found.length - violations.length} import(s); run npx biome check --write src\n`,
    );
  }
  for (const v of violations) process.stderr.write(`${v.file}:${v.line} '${v.specifier}' ${v.message}\n`);
  if (violations.length) process.exit(1);
  process.stdout.write(
    'imports: every capability is reached through its index.ts; nothing imports src/cli\n',
  );
}
