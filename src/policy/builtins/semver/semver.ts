/**
 * `semver.is_valid` / `semver.compare` (OPA topdown/semver.go over internal/semver's Parse).
 * OPA's parser is laxer than the SemVer 2.0.0 grammar, and policies depend on that: one leading
 * `v` is dropped, `+metadata` then `-pre-release` are cut off (each, when not empty, dot-separated
 * `[0-9A-Za-z-]+` identifiers, leading zeros allowed), and what is left must be three
 * dot-separated decimal int64s read by strconv.ParseInt — so `3.01.0` is 3.1.0 (AWS Aurora
 * versions are written so), `1.2.3-` is valid and `1.2.99999999999999999999` is not.
 * Precedence is §11's, build metadata ignored.
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

const IDENTIFIERS = /^[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*$/;
const INT64_MAX = (1n << 63n) - 1n;

/** Go's strings.Cut at the first `sep`: [before, after] ('' after when absent). */
function cut(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)];
}

/** strconv.ParseInt(s, 10, 64) on a part that can hold no sign (`+` and `-` were cut off before). */
function parseInt64(s: string): bigint | undefined {
  if (!/^\d+$/.test(s)) return undefined;
  const n = BigInt(s);
  return n > INT64_MAX ? undefined : n;
}

/** @example parseSemVer("v1.02.3-rc.1+build") // { major: 1n, minor: 2n, patch: 3n, pre: ["rc", "1"] } */
export function parseSemVer(s: string): SemVer | undefined {
  const [rest, meta] = cut(s.startsWith('v') ? s.slice(1) : s, '+');
  if (meta !== '' && !IDENTIFIERS.test(meta)) return undefined;
  const [core, pre] = cut(rest, '-');
  if (pre !== '' && !IDENTIFIERS.test(pre)) return undefined;
  const parts = core.split('.');
  if (parts.length !== 3) return undefined;
  const [major, minor, patch] = parts.map(parseInt64);
  if (major === undefined || minor === undefined || patch === undefined) return undefined;
  return { major, minor, patch, pre: pre === '' ? [] : pre.split('.') };
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
