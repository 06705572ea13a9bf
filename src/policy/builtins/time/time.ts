/**
 * time.* builtins (OPA topdown/time.go). Instants are int64 Unix nanoseconds (bigint beyond
 * 2^53); an instant operand may be `ns` or `[ns, tz]` or, for time.format, `[ns, tz, layout]`.
 * Layouts are Go reference-time layouts (go-time.ts); zones are IANA names.
 */
import { BuiltinError, BuiltinTypeError } from '../../errors.js';
import { normalizeNumber, typeName, type Value } from '../../value/index.js';
import type { BuiltinDef } from '../registry.js';
import { argInt, expectString as str, nativeNumber } from '../shared/args.js';
import {
  daysIn,
  formatGoTime,
  fromCivil,
  GO_LAYOUTS,
  GoTimeError,
  INT64_MAX,
  INT64_MIN,
  loadZone,
  parseGoDuration,
  parseGoTime,
  toCivil,
  UTC,
  type GoTime,
} from './go-time.js';

/** Longest test.sleep honoured (ms). */
const SLEEP_CAP_MS = 10_000;

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];


function wrap<T>(name: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof GoTimeError) throw new BuiltinError(name, e.message);
    throw e;
  }
}

/** OPA toSafeUnixNano: results must fit int64 nanoseconds. */
function safeNs(name: string, ns: bigint): Value {
  if (ns < INT64_MIN || ns > INT64_MAX) throw new BuiltinError(name, 'time outside of valid range');
  return normalizeNumber(ns);
}

/** OPA tzTime: `ns` or `[ns, tz?, layout?]`. Non-integral or out-of-int64 ns: "timestamp too big". */
function tzTime(name: string, a0: Value): { t: GoTime; layout: string } {
  const a = nativeNumber(a0);
  let n: Value;
  let zone = UTC;
  let layout = '';
  if (Array.isArray(a)) {
    if (a.length === 0) throw new BuiltinTypeError(name, `operand 1 must be either number (ns) or [number (ns), string (tz)] but got array`);
    n = nativeNumber(a[0] as Value);
    if (typeof n !== 'number' && typeof n !== 'bigint') throw new BuiltinTypeError(name, `operand 1 must be number but got ${typeName(n)}`);
    if (a.length > 1) {
      const tz = a[1] as Value;
      if (typeof tz !== 'string') throw new BuiltinTypeError(name, `operand 1 must be string but got ${typeName(tz)}`);
      zone = wrap(name, () => loadZone(tz));
    }
    if (a.length > 2) {
      const l = a[2] as Value;
      if (typeof l !== 'string') throw new BuiltinTypeError(name, `operand 1 must be string but got ${typeName(l)}`);
      layout = l;
    }
  } else if (typeof a === 'number' || typeof a === 'bigint') {
    n = a;
  } else {
    throw new BuiltinTypeError(name, `operand 1 must be either number (ns) or [number (ns), string (tz)] but got ${typeName(a)}`);
  }
  let ns: bigint;
  if (typeof n === 'bigint') ns = n;
  else if (Number.isInteger(n)) ns = BigInt(n);
  else throw new BuiltinError(name, 'timestamp too big');
  if (ns < INT64_MIN || ns > INT64_MAX) throw new BuiltinError(name, 'timestamp too big');
  return { t: { ns, zone }, layout };
}

/** Calendar difference [y, m, d, h, min, s] between two instants (OPA time.diff, via icza/gox). */
function diff(a: GoTime, b: GoTime): number[] {
  let t1 = a;
  let t2: GoTime = { ns: b.ns, zone: a.zone };
  if (t1.ns > t2.ns) [t1, t2] = [t2, t1];
  const c1 = toCivil(t1);
  const c2 = toCivil(t2);
  let year = c2.year - c1.year;
  let month = c2.month - c1.month;
  let day = c2.day - c1.day;
  let hour = c2.hour - c1.hour;
  let min = c2.min - c1.min;
  let sec = c2.sec - c1.sec;
  if (sec < 0) {
    sec += 60;
    min--;
  }
  if (min < 0) {
    min += 60;
    hour--;
  }
  if (hour < 0) {
    hour += 24;
    day--;
  }
  if (day < 0) {
    day += daysIn(c1.year, c1.month);
    month--;
  }
  if (month < 0) {
    month += 12;
    year--;
  }
  return [year, month, day, hour, min, sec];
}

export const timeBuiltins: BuiltinDef[] = [
  // Fixed for the whole evaluation (OPA caches the wall clock per query).
  { name: 'time.now_ns', arity: 0, nondeterministic: true, impl: (_a, ctx) => normalizeNumber(ctx.nowNs) },
  {
    name: 'time.parse_ns',
    arity: 2,
    impl: ([layout, value]) => {
      const name = 'time.parse_ns';
      let l = str(name, layout as Value, 1);
      const v = str(name, value as Value, 2);
      l = GO_LAYOUTS[l] ?? l;
      return safeNs(name, wrap(name, () => parseGoTime(l, v)));
    },
  },
  {
    name: 'time.parse_rfc3339_ns',
    arity: 1,
    impl: ([value]) => {
      const name = 'time.parse_rfc3339_ns';
      const v = str(name, value as Value, 1);
      return safeNs(name, wrap(name, () => parseGoTime(GO_LAYOUTS.RFC3339 as string, v)));
    },
  },
  {
    name: 'time.parse_duration_ns',
    arity: 1,
    impl: ([d]) => {
      const name = 'time.parse_duration_ns';
      return normalizeNumber(wrap(name, () => parseGoDuration(str(name, d as Value, 1))));
    },
  },
  {
    name: 'time.format',
    arity: 1,
    impl: ([x]) => {
      const name = 'time.format';
      const { t, layout } = tzTime(name, x as Value);
      const l = layout === '' ? (GO_LAYOUTS.RFC3339Nano as string) : (GO_LAYOUTS[layout] ?? layout);
      return formatGoTime(t, l);
    },
  },
  {
    name: 'time.date',
    arity: 1,
    impl: ([x]) => {
      const c = toCivil(tzTime('time.date', x as Value).t);
      return [c.year, c.month, c.day];
    },
  },
  {
    name: 'time.clock',
    arity: 1,
    impl: ([x]) => {
      const c = toCivil(tzTime('time.clock', x as Value).t);
      return [c.hour, c.min, c.sec];
    },
  },
  {
    name: 'time.weekday',
    arity: 1,
    impl: ([x]) => WEEKDAYS[toCivil(tzTime('time.weekday', x as Value).t).weekday] as string,
  },
  {
    name: 'time.add_date',
    arity: 4,
    impl: ([x, y, m, d]) => {
      const name = 'time.add_date';
      const { t } = tzTime(name, x as Value);
      // OPA reads these with builtins.IntOperand: int64 text, `1.0` is a type error
      const ops = [x, y, m, d] as Value[];
      const years = Number(argInt(name, ops, 1));
      const months = Number(argInt(name, ops, 2));
      const days = Number(argInt(name, ops, 3));
      const c = toCivil(t);
      // Go's AddDate normalises through time.Date (Jan 31 + 1 month = Mar 3 / Mar 2).
      return safeNs(name, fromCivil(c.year + years, c.month + months, c.day + days, c.hour, c.min, c.sec, c.nsec, t.zone));
    },
  },
  {
    // OPA's test.sleep (topdown/test.go), used by tests of evaluation-time caching. It blocks
    // the thread like Go's time.Sleep; capped so a policy cannot stall a worker for long.
    name: 'test.sleep',
    arity: 1,
    impl: ([d]) => {
      const name = 'test.sleep';
      const ns = wrap(name, () => parseGoDuration(str(name, d as Value, 1)));
      const ms = Math.min(Number(ns / 1_000_000n), SLEEP_CAP_MS);
      if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
      return true;
    },
  },
  {
    name: 'time.diff',
    arity: 2,
    impl: ([a, b]) => diff(tzTime('time.diff', a as Value).t, tzTime('time.diff', b as Value).t),
  },
];
