/**
 * JSON ⇄ Rego value conversion.
 *
 * Numbers: JSON.parse would silently lose digits of integers beyond ±2^53 and the form of a
 * number whose text is not its double's (`1.0`, `1e3`, `1e400`: OPA keeps json.Number text),
 * so text where such a number may occur goes through a small exact parser instead (bigints,
 * RNumbers; see number-text.ts).
 * Output follows OPA's encoding: sets become sorted arrays, object keys are sorted, and
 * non-string keys are rendered as their JSON text (OPA: `{1: "a"}` marshals as `{"1":"a"}`).
 */
import { RObject, RSet, compareStrings, makeObject, normalizeNumber, objectEntries, type PlainObject, type Value } from './types.js';
import { RNumber, formatNumber, numberFromText, rnumberToNative } from './number-text.js';
import { replaceRawBytes } from './go-bytes.js';

export { formatNumber };

/**
 * A number where a value starts (after `:`, `,`, `[` or at the top) with an exponent, a fraction
 * ending in 0 or one starting with six zeros (a double prints those in exponent form): its text
 * is not its double's. Hex digits in ids (`3e4f…`) inside strings do not match.
 */
const FLOAT_FORM = /(?:^|[:,[])\s*-?\d+(?:\.\d*0(?!\d)|(?:\.\d+)?[eE]|\.0{6})/;

/**
 * May the text hold a number JSON.parse cannot keep: a run of 16+ digits (a big integer, or a
 * fraction beyond a double's precision) or a FLOAT_FORM? A match inside a string only costs the
 * slower exact parse, never a wrong value. One pass over the characters, with the regex only once
 * a digit is followed by `.`/`e`: cheaper than a `\d{16,}` regex alone on JWT-sized payloads.
 */
function needsExact(s: string): boolean {
  let run = 0;
  let formChecked = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (++run >= 16) return true;
      continue;
    }
    if (run > 0 && !formChecked && (c === 46 || c === 101 || c === 69)) {
      if (FLOAT_FORM.test(s)) return true;
      formChecked = true;
    }
    // a fraction's digits count with the integer part's: 17+ significant digits may not round-trip
    if (c !== 46) run = 0;
  }
  return false;
}

/**
 * Parses JSON text into a Value, exact for big integers and number forms. Throws SyntaxError on
 * bad JSON. `rawByteEscapes`: the text is regate's own (the WASM module's result), where
 * `\udcXX` is a raw byte of a string (go-bytes.ts), kept as that lone surrogate.
 */
export function parseJson(text: string, opts?: { rawByteEscapes?: boolean }): Value {
  const v = needsExact(text) ? new ExactParser(text).parseTop() : (JSON.parse(text) as Value);
  // Go's decoder (encoding/json unquote) turns a `\uD800`-`\uDFFF` escape that is not half of a
  // pair into U+FFFD; JSON.parse keeps the lone surrogate. The cheap includes() keeps the walk
  // off texts without escapes.
  if (opts?.rawByteEscapes === true) return v;
  return text.includes('\\u') && SURROGATE_ESCAPE.test(text) ? replaceLoneSurrogates(v) : v;
}

const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `v` with every lone UTF-16 surrogate in its strings and keys replaced by U+FFFD (as Go decodes). */
function replaceLoneSurrogates(v: Value): Value {
  if (typeof v === 'string') return v.replace(LONE_SURROGATE, '\uFFFD');
  if (Array.isArray(v)) return v.map(replaceLoneSurrogates);
  if (v === null || typeof v !== 'object' || v instanceof RNumber || v instanceof RSet) return v;
  return makeObject(objectEntries(v).map(([k, x]) => [replaceLoneSurrogates(k), replaceLoneSurrogates(x)] as const));
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
  if (x instanceof RSet || x instanceof RObject || x instanceof RNumber) return x;
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

/**
 * Value → JSON-compatible JS value (bigints stay bigints; an RNumber becomes its double, or its
 * integer when integral, unless `opts.keepText`, when it stays as it is for {@link writeJson}; use
 * `stringifyJson` for text that keeps every number's form).
 */
export function toJs(v: Value, opts?: { keepText?: boolean }): unknown {
  // Output: a string's raw bytes (go-bytes.ts) print as U+FFFD, as Go's json.Marshal writes them.
  if (typeof v === 'string') return replaceRawBytes(v);
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof RNumber) return opts?.keepText === true ? v : rnumberToNative(v);
  if (Array.isArray(v)) return v.map((x) => toJs(x, opts));
  if (v instanceof RSet) return v.values().map((x) => toJs(x, opts));
  const out: Record<string, unknown> = {};
  for (const [k, x] of objectEntries(v)) {
    const key = typeof k === 'string' ? replaceRawBytes(k) : stringifyJson(k);
    if (key === '__proto__') Object.defineProperty(out, key, { value: toJs(x, opts), enumerable: true, writable: true, configurable: true });
    else out[key] = toJs(x, opts);
  }
  return out;
}

/**
 * JSON.stringify(x, null, indent) for JS data that may hold bigints and RNumbers (from
 * `toJs(v, true)`), which are written as their exact text. Object keys keep their order.
 */
export function writeJson(x: unknown, indent?: string): string {
  const walk = (y: unknown, pad: string): string => {
    if (y === null || y === undefined) return 'null';
    if (y instanceof RNumber) return y.text;
    switch (typeof y) {
      case 'string':
        return quoteJson(y);
      case 'number':
        return formatNumber(y);
      case 'bigint':
        return y.toString();
      case 'boolean':
        return y ? 'true' : 'false';
    }
    const inner = indent === undefined ? '' : pad + indent;
    const nl = indent === undefined ? '' : '\n';
    const colon = indent === undefined ? ':' : ': ';
    if (Array.isArray(y)) {
      if (y.length === 0) return '[]';
      return '[' + nl + y.map((e) => inner + walk(e, inner)).join(',' + nl) + nl + pad + ']';
    }
    // as JSON.stringify: members whose value is undefined are left out
    const keys = Object.keys(y as object).filter((k) => (y as Record<string, unknown>)[k] !== undefined);
    if (keys.length === 0) return '{}';
    return '{' + nl + keys.map((k) => inner + quoteJson(k) + colon + walk((y as Record<string, unknown>)[k], inner)).join(',' + nl) + nl + pad + '}';
  };
  return walk(x, '');
}

/**
 * A JSON string literal. JSON.stringify writes a lone surrogate as a `\udcxx` escape; Go has no
 * such strings, and json.Marshal writes each byte of a string that is not UTF-8 as U+FFFD, so an
 * escaped raw byte (go-bytes.ts) prints as U+FFFD. The includes() keeps the repair off every
 * string without one.
 */
function quoteJson(s: string): string {
  const j = JSON.stringify(s);
  return j.includes('\\ud') ? JSON.stringify(s.replace(LONE_SURROGATE, '\uFFFD')) : j;
}

/** Serialises a Value as compact JSON with sorted keys, the way OPA marshals values. */
export function stringifyJson(v: Value): string {
  switch (typeof v) {
    case 'string':
      return quoteJson(v);
    case 'number':
      return formatNumber(v);
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 'true' : 'false';
    default: {
      if (v === null) return 'null';
      if (v instanceof RNumber) return v.text;
      if (Array.isArray(v)) return '[' + v.map(stringifyJson).join(',') + ']';
      if (v instanceof RSet) return '[' + v.values().map(stringifyJson).join(',') + ']';
      const parts: string[] = [];
      const entries = objectEntries(v).map(([k, x]) => [typeof k === 'string' ? k : stringifyJson(k), x] as const);
      // Re-sort: a composite key's JSON text may order differently from the key itself.
      if (v instanceof RObject) entries.sort((a, b) => compareStrings(a[0], b[0]));
      for (const [k, x] of entries) parts.push(quoteJson(k) + ':' + stringifyJson(x));
      return '{' + parts.join(',') + '}';
    }
  }
}

/** Minimal exact JSON parser, used only when the text may have numbers that doubles cannot hold. */
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

  private number(): number | bigint | RNumber {
    const m = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
    m.lastIndex = this.i;
    const r = m.exec(this.s);
    if (!r) this.fail();
    this.i = m.lastIndex;
    return numberFromText(r[0]);
  }
}
