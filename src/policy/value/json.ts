/**
 * JSON ⇄ Rego value conversion.
 *
 * Numbers: JSON integers beyond ±2^53 would silently lose digits in JSON.parse, so text that
 * contains a long digit run goes through a small exact parser that yields bigints for them.
 * Output follows OPA's encoding: sets become sorted arrays, object keys are sorted, and
 * non-string keys are rendered as their JSON text (OPA: `{1: "a"}` marshals as `{"1":"a"}`).
 */
import { RObject, RSet, compareStrings, normalizeNumber, objectEntries, type PlainObject, type Value } from './types.js';

const LONG_DIGITS = /\d{16,}/;

/** Parses JSON text into a Value, exact for big integers. Throws SyntaxError on bad JSON. */
export function parseJson(text: string): Value {
  if (!LONG_DIGITS.test(text)) return JSON.parse(text) as Value;
  return new ExactParser(text).parseTop();
}

/** Converts a JS value produced by JSON.parse or by hand into a Value (validating it). */
export function fromJs(x: unknown): Value {
  if (x === null || typeof x === 'string' || typeof x === 'boolean') return x;
  if (typeof x === 'number') {
    if (!Number.isFinite(x)) throw new TypeError('non-finite number is not a Rego value');
    return x;
  }
  if (typeof x === 'bigint') return normalizeNumber(x);
  if (Array.isArray(x)) return x.map(fromJs);
  if (x instanceof RSet || x instanceof RObject) return x;
  if (typeof x === 'object') {
    const out: PlainObject = {};
    for (const [k, v] of Object.entries(x as Record<string, unknown>)) {
      if (v === undefined) continue;
      if (k === '__proto__') Object.defineProperty(out, k, { value: fromJs(v), enumerable: true, writable: true, configurable: true });
      else out[k] = fromJs(v);
    }
    return out;
  }
  throw new TypeError(`cannot convert ${typeof x} to a Rego value`);
}

/** Value → JSON-compatible JS value (bigints stay bigints; use `stringifyJson` for text). */
export function toJs(v: Value): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(toJs);
  if (v instanceof RSet) return v.values().map(toJs);
  const out: Record<string, unknown> = {};
  for (const [k, x] of objectEntries(v)) {
    const key = typeof k === 'string' ? k : stringifyJson(k);
    if (key === '__proto__') Object.defineProperty(out, key, { value: toJs(x), enumerable: true, writable: true, configurable: true });
    else out[key] = toJs(x);
  }
  return out;
}

/** Serialises a Value as compact JSON with sorted keys, the way OPA marshals values. */
export function stringifyJson(v: Value): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return formatNumber(v);
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 'true' : 'false';
    default: {
      if (v === null) return 'null';
      if (Array.isArray(v)) return '[' + v.map(stringifyJson).join(',') + ']';
      if (v instanceof RSet) return '[' + v.values().map(stringifyJson).join(',') + ']';
      const parts: string[] = [];
      const entries = objectEntries(v).map(([k, x]) => [typeof k === 'string' ? k : stringifyJson(k), x] as const);
      // Re-sort: a composite key's JSON text may order differently from the key itself.
      if (v instanceof RObject) entries.sort((a, b) => compareStrings(a[0], b[0]));
      for (const [k, x] of entries) parts.push(JSON.stringify(k) + ':' + stringifyJson(x));
      return '{' + parts.join(',') + '}';
    }
  }
}

/**
 * Formats a double the way Go's encoding/json does for float64 (OPA's json.Number output for
 * computed values): integers without exponent up to 1e21, otherwise shortest round-trip form
 * with Go's exponent style (e.g. 1e+21, 1e-07).
 */
export function formatNumber(n: number): string {
  if (Object.is(n, -0)) return '0';
  const abs = Math.abs(n);
  if (abs !== 0 && (abs < 1e-6 || abs >= 1e21)) {
    // JS: 1e-7 / 1e+21; Go: 1e-07 / 1e+21 — exponents get at least two digits.
    return n.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  }
  return String(n);
}

/** Minimal exact JSON parser, used only when the text has integers that doubles cannot hold. */
class ExactParser {
  private i = 0;
  constructor(private readonly s: string) {}

  parseTop(): Value {
    const v = this.value();
    this.ws();
    if (this.i !== this.s.length) this.fail();
    return v;
  }

  private fail(): never {
    throw new SyntaxError(`invalid JSON at position ${this.i}`);
  }

  private ws(): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === 32 || c === 9 || c === 10 || c === 13) this.i++;
      else break;
    }
  }

  private value(): Value {
    this.ws();
    const c = this.s[this.i];
    if (c === '{') {
      this.i++;
      const out: PlainObject = {};
      this.ws();
      if (this.s[this.i] === '}') {
        this.i++;
        return out;
      }
      for (;;) {
        this.ws();
        if (this.s[this.i] !== '"') this.fail();
        const k = this.string();
        this.ws();
        if (this.s[this.i++] !== ':') this.fail();
        const v = this.value();
        if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
        else out[k] = v;
        this.ws();
        const d = this.s[this.i++];
        if (d === '}') return out;
        if (d !== ',') this.fail();
      }
    }
    if (c === '[') {
      this.i++;
      const out: Value[] = [];
      this.ws();
      if (this.s[this.i] === ']') {
        this.i++;
        return out;
      }
      for (;;) {
        out.push(this.value());
        this.ws();
        const d = this.s[this.i++];
        if (d === ']') return out;
        if (d !== ',') this.fail();
      }
    }
    if (c === '"') return this.string();
    if (this.s.startsWith('true', this.i)) return (this.i += 4), true;
    if (this.s.startsWith('false', this.i)) return (this.i += 5), false;
    if (this.s.startsWith('null', this.i)) return (this.i += 4), null;
    return this.number();
  }

  private string(): string {
    // Delegate escapes to JSON.parse on the exact slice: it is correct and fast.
    const start = this.i++;
    const s = this.s;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === 92) this.i += 2;
      else if (c === 34) {
        this.i++;
        return JSON.parse(s.slice(start, this.i)) as string;
      } else this.i++;
    }
    return this.fail();
  }

  private number(): number | bigint {
    const m = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
    m.lastIndex = this.i;
    const r = m.exec(this.s);
    if (!r) this.fail();
    this.i = m.lastIndex;
    const text = r[0];
    if (r[1] === undefined && r[2] === undefined) return normalizeNumber(BigInt(text));
    return Number(text);
  }
}
