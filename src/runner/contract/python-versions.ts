// Python version ranges, per PEP 440 "Version specifiers" (packaging.python.org/en/latest/
// specifications/version-specifiers/), for release versions such as the 3.11.7 an interpreter
// reports. The rules that decide the hard cases:
// - "Version matching": `==3.11` is strict equality with zero padding, i.e. `==3.11.0`; only
//   `==3.11.*` is a prefix match. So 3.11.7 does not satisfy `==3.11`.
// - "Inclusive ordered comparison": release segments are zero padded, so `<=3.12` is
//   `<=3.12.0` and 3.12.5 does not satisfy it.
// - "Exclusive ordered comparison": `>3.12` is `>3.12.0`, excluding only post-releases and
//   local versions of 3.12 itself, so 3.12.5 satisfies it.
// - "Compatible release": `~=V.N` is `>=V.N, ==V.*`; a single-segment `~=3` is invalid.
// - Wildcards are only valid after `==` and `!=`; `===` compares the strings.
// The Slicer launcher implements the same rules in Python (MHubLib/venv.py); both run
// test/contract/vectors.json.
import { MhubError } from '../../errors.ts';

const RELEASE = /^[0-9]+(\.[0-9]+)*$/;
const CLAUSE = /^(~=|===|==|!=|<=|>=|<|>)\s*(\S+)$/;

function release(text: string): number[] {
  return text.split('.').map((p) => Number.parseInt(p, 10));
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

function prefixMatch(version: number[], prefix: number[]): boolean {
  return prefix.every((p, i) => (version[i] ?? 0) === p);
}

function invalid(clause: string, why: string): MhubError {
  return new MhubError(
    'INVALID_INPUT',
    `'${clause}' is not a Python version specifier this runner understands: ${why}`,
    'write runtimes.venv.python as PEP 440 clauses of release versions, e.g. >=3.10,<3.13 or ==3.11.*',
  );
}

function clauseHolds(version: string, v: number[], clause: string): boolean {
  const m = CLAUSE.exec(clause);
  if (!m) throw invalid(clause, 'no operator (~=, ==, !=, <=, >=, <, >, ===)');
  const [, op = '', target = ''] = m;
  if (op === '===') return version === target;
  const wildcard = target.endsWith('.*');
  const text = wildcard ? target.slice(0, -2) : target;
  if (!RELEASE.test(text)) throw invalid(clause, 'only release versions (digits and dots) are supported');
  const want = release(text);
  if (wildcard) {
    if (op !== '==' && op !== '!=') throw invalid(clause, `a wildcard is only allowed after == and !=`);
    return prefixMatch(v, want) === (op === '==');
  }
  const c = compare(v, want);
  switch (op) {
    case '==':
      return c === 0;
    case '!=':
      return c !== 0;
    case '<=':
      return c <= 0;
    case '>=':
      return c >= 0;
    case '<':
      return c < 0;
    case '>':
      return c > 0;
    default: // ~=
      if (want.length < 2) throw invalid(clause, '~= needs at least two release segments (e.g. ~=3.10)');
      return c >= 0 && prefixMatch(v, want.slice(0, -1));
  }
}

/** True when the release version (e.g. 3.11.7) satisfies every clause of `spec` (e.g. >=3.10,<3.13); an
 * empty spec allows any version, as in PEP 440. */
export function satisfies(version: string, spec: string): boolean {
  if (!RELEASE.test(version)) throw new MhubError('INTERNAL', `'${version}' is not a release version`);
  const v = release(version);
  const clauses = spec
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  return clauses.every((clause) => clauseHolds(version, v, clause));
}
