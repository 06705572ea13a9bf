/**
 * `semver.is_valid` / `semver.compare` (OPA topdown/semver.go): Semantic Versioning 2.0.0
 * syntax (no leading `v`, no leading zeros in numeric identifiers) and §11 precedence, build
 * metadata ignored.
 */
import type { BuiltinDef } from '../registry.js';
import { BuiltinError } from '../../errors.js';
import { argString } from '../shared/args.js';

interface SemVer {
  major: bigint;
  minor: bigint;
  patch: bigint;
  pre: string[];
}

const NUM = '(0|[1-9]\\d*)';
const PRE_ID = '(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)';
const SEMVER = new RegExp(`^${NUM}\\.${NUM}\\.${NUM}(?:-(${PRE_ID}(?:\\.${PRE_ID})*))?(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?$`);

/** @example parseSemVer("1.2.3-rc.1+build") // { major: 1n, minor: 2n, patch: 3n, pre: ["rc", "1"] } */
export function parseSemVer(s: string): SemVer | undefined {
  const m = SEMVER.exec(s);
  if (!m) return undefined;
  return { major: BigInt(m[1] as string), minor: BigInt(m[2] as string), patch: BigInt(m[3] as string), pre: m[4] ? m[4].split('.') : [] };
}

function cmpBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** SemVer §11: numeric identifiers compare numerically and sort before alphanumeric ones. */
function comparePre(a: string[], b: string[]): number {
  if (a.length === 0 || b.length === 0) return a.length === b.length ? 0 : a.length === 0 ? 1 : -1;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] as string;
    const y = b[i] as string;
    const xn = /^\d+$/.test(x);
    const yn = /^\d+$/.test(y);
    let c: number;
    if (xn && yn) c = cmpBig(BigInt(x), BigInt(y));
    else if (xn !== yn) c = xn ? -1 : 1;
    else c = x < y ? -1 : x > y ? 1 : 0;
    if (c !== 0) return c;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

export function compareSemVer(a: SemVer, b: SemVer): number {
  return cmpBig(a.major, b.major) || cmpBig(a.minor, b.minor) || cmpBig(a.patch, b.patch) || comparePre(a.pre, b.pre);
}

function operand(args: readonly unknown[], i: number): SemVer {
  const s = argString('semver.compare', args as never, i);
  const v = parseSemVer(s);
  if (!v) throw new BuiltinError('semver.compare', `operand ${i + 1}: string ${JSON.stringify(s)} is not a valid SemVer`);
  return v;
}

export const semverBuiltins: BuiltinDef[] = [
  {
    // Any non-string is simply not a valid version (OPA returns false, not a type error).
    name: 'semver.is_valid',
    arity: 1,
    impl: (args) => typeof args[0] === 'string' && parseSemVer(args[0]) !== undefined,
  },
  {
    name: 'semver.compare',
    arity: 2,
    impl: (args) => compareSemVer(operand(args, 0), operand(args, 1)),
  },
];
