/**
 * `sprintf` (OPA topdown/strings.go builtinSprintf): Go's fmt.Sprintf over the operands
 * converted the way OPA converts them — integral numbers become Go ints (or *big.Int),
 * other numbers float64, strings stay strings, and every other value is passed as its Rego
 * text (so `%v` of a set prints `{1, 2}` and `%d` of `true` prints `%!d(string=true)`).
 * A number written as a float (`1.0`, `1e2`: an RNumber) is a float64 even when integral, and
 * one no float64 holds (`2e308`) is passed as its text, as OPA's json.Number.Float64 fails.
 */
import type { BuiltinDef } from '../registry.js';
import { RNumber, formatValue, joinGoStrings, type Value } from '../../value/index.js';
import { argArray, argString } from '../shared/args.js';
import { GoFloat64, formatGo } from './go-format.js';

function toGo(v: Value): unknown {
  if (typeof v === 'string' || typeof v === 'bigint') return v;
  if (v instanceof RNumber) {
    // An integer text (`-0`, a negative zero result) is a Go int to OPA (ast.Number.Int).
    if (/^-?\d+$/.test(v.text)) return BigInt(v.text);
    if (!Number.isFinite(v.approx)) return v.text;
    // json.Number("-0.0").Float64() is a negative zero, which fmt prints as -0
    const d = v.approx;
    return Number.isInteger(d) ? new GoFloat64(d) : d;
  }
  if (typeof v === 'number') {
    // Integral doubles beyond int64 are big.Ints in OPA (the literal text is integral).
    if (Number.isInteger(v) && !Number.isSafeInteger(v)) return BigInt(v);
    return v;
  }
  return formatValue(v);
}

export const sprintfBuiltins: BuiltinDef[] = [
  {
    name: 'sprintf',
    arity: 2,
    // Go formats bytes: raw bytes of the operands (value/go-bytes.ts) written side by side may
    // be UTF-8 together.
    impl: (args) => joinGoStrings(formatGo(argString('sprintf', args, 0), argArray('sprintf', args, 1).map(toGo))),
  },
];
