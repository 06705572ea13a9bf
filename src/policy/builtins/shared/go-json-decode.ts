/**
 * What OPA's json.unmarshal accepts and how it fails (util.UnmarshalJSON): a Go json.Decoder
 * reads the first value of the text, then one `Token()` must find nothing more. That differs
 * from JSON.parse in ways policies see:
 * - failures are Go's: `invalid character 'x' looking for beginning of value`, `unexpected EOF`
 *   (the text ends inside a value), `EOF` (no value at all);
 * - text after the value is refused as `error: invalid character '2' after top-level value`,
 *   naming the next token as Go's %s prints it, except that a trailing `null` token is nil and
 *   passes unnoticed (`1 null` decodes to 1).
 */
import { parseJson, type Value } from '../../value/index.js';

/** The first value's extent in the text, or OPA's failure message. */
export type GoJsonScan = { start: number; end: number } | { error: string };

class ScanError extends Error {}

/** Go's quoteChar: how encoding/json names an offending byte. */
function quoteChar(ch: string): string {
  // Go's scanner works on bytes: a multi-byte character is named by its first byte, read as
  // the code point of that value (é is 0xC3, printed 'Ã').
  let c = ch;
  const cp = ch.codePointAt(0) as number;
  if (cp >= 0x80) {
    const b = (Buffer.from(ch, 'utf8')[0] as number);
    if (b < 0xa0 || b === 0xad) return `'\\u00${b.toString(16)}'`;
    c = String.fromCharCode(b);
  }
  if (c === "'") return `'\\''`;
  if (c === '"') return `'"'`;
  return `'${GO_ESCAPES[c] ?? (c < ' ' || c === '\x7f' ? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}` : c === '\\' ? '\\\\' : c)}'`;
}

/** strconv.Quote's short escapes for control characters. */
const GO_ESCAPES: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v' };

const SPACE = new Set([' ', '\t', '\r', '\n']);

/** encoding/json's maxNestingDepth. */
const MAX_NESTING = 10000;

class Scanner {
  i = 0;
  constructor(readonly s: string) {}

  skipSpace(): void {
    while (this.i < this.s.length && SPACE.has(this.s[this.i] as string)) this.i++;
  }

  /** The next character; at the end of the text the value is incomplete (io.ErrUnexpectedEOF). */
  peek(): string {
    if (this.i >= this.s.length) throw new ScanError('unexpected EOF');
    return String.fromCodePoint(this.s.codePointAt(this.i) as number);
  }

  fail(c: string, context: string): never {
    throw new ScanError(`invalid character ${quoteChar(c)} ${context}`);
  }

  /**
   * One JSON value, with an explicit stack rather than recursion (a policy may hand over
   * deeply nested input); like Go's scanner it refuses nesting beyond 10000 levels.
   */
  value(): void {
    const stack: ('[' | '{')[] = [];
    let state: 'value' | 'key' | 'after' = 'value';
    for (;;) {
      if (state === 'value') {
        this.skipSpace();
        const c = this.peek();
        if (c === '{' || c === '[') {
          stack.push(c);
          if (stack.length > MAX_NESTING) this.fail(c, 'exceeded max depth');
          this.i++;
          this.skipSpace();
          if (this.peek() === (c === '{' ? '}' : ']')) {
            this.i++;
            stack.pop();
            state = 'after';
          } else state = c === '{' ? 'key' : 'value';
          continue;
        }
        if (c === '"') this.string();
        else if (c === '-' || (c >= '0' && c <= '9')) this.number();
        else if (c === 't') this.literal('true');
        else if (c === 'f') this.literal('false');
        else if (c === 'n') this.literal('null');
        else this.fail(c, 'looking for beginning of value');
        state = 'after';
      } else if (state === 'key') {
        const k = this.peek();
        if (k !== '"') this.fail(k, 'looking for beginning of object key string');
        this.string();
        this.skipSpace();
        const colon = this.peek();
        if (colon !== ':') this.fail(colon, 'after object key');
        this.i++;
        state = 'value';
      } else {
        const top = stack[stack.length - 1];
        if (top === undefined) return;
        this.skipSpace();
        const c = this.peek();
        this.i++;
        if (c === (top === '{' ? '}' : ']')) stack.pop();
        else if (c !== ',') this.fail(c, top === '{' ? 'after object key:value pair' : 'after array element');
        else if (top === '{') {
          this.skipSpace();
          state = 'key';
        } else state = 'value';
      }
    }
  }

  string(): void {
    this.i++;
    for (;;) {
      const c = this.peek();
      this.i += c.length;
      if (c === '"') return;
      if (c < ' ') this.fail(c, 'in string literal');
      if (c !== '\\') continue;
      const e = this.peek();
      this.i++;
      if (e === 'u') {
        for (let k = 0; k < 4; k++) {
          const h = this.peek();
          if (!/^[0-9a-fA-F]$/.test(h)) this.fail(h, 'in \\u hexadecimal character escape');
          this.i++;
        }
      } else if (!'"\\/bfnrt'.includes(e)) this.fail(e, 'in string escape code');
    }
  }

  digits(): void {
    while (this.i < this.s.length && (this.s[this.i] as string) >= '0' && (this.s[this.i] as string) <= '9') this.i++;
  }

  /** A number ends at the first byte that cannot continue it (that byte is the next token's). */
  number(): void {
    if (this.peek() === '-') {
      this.i++;
      const d = this.peek();
      if (!(d >= '0' && d <= '9')) this.fail(d, 'in numeric literal');
    }
    if (this.peek() === '0') this.i++;
    else this.digits();
    if (this.i < this.s.length && this.s[this.i] === '.') {
      this.i++;
      const d = this.peek();
      if (!(d >= '0' && d <= '9')) this.fail(d, 'after decimal point in numeric literal');
      this.digits();
    }
    if (this.i < this.s.length && (this.s[this.i] === 'e' || this.s[this.i] === 'E')) {
      this.i++;
      let d = this.peek();
      if (d === '+' || d === '-') {
        this.i++;
        d = this.peek();
      }
      if (!(d >= '0' && d <= '9')) this.fail(d, 'in exponent of numeric literal');
      this.digits();
    }
  }

  literal(word: string): void {
    this.i++;
    for (let k = 1; k < word.length; k++) {
      const c = this.peek();
      if (c !== word[k]) this.fail(c, `in literal ${word} (expecting ${quoteChar(word[k] as string)})`);
      this.i++;
    }
  }
}

/** How Go's fmt %s prints the token json.Decoder.Token() returned after the value. */
function tokenText(s: string, start: number, end: number): string | undefined {
  const text = s.slice(start, end);
  if (text === 'null') return undefined;
  if (text === 'true' || text === 'false') return `%!s(bool=${text})`;
  if (text.startsWith('"')) return JSON.parse(text) as string;
  return text;
}

/**
 * Where the first JSON value of `s` lies, as OPA's json.unmarshal decodes it, or its failure.
 *
 * @example scanGoJsonDocument(' [1] ') // { start: 1, end: 4 }
 * @example scanGoJsonDocument('[1,]') // { error: "invalid character ']' looking for beginning of value" }
 */
export function scanGoJsonDocument(s: string): GoJsonScan {
  const sc = new Scanner(s);
  try {
    sc.skipSpace();
    if (sc.i >= s.length) return { error: 'EOF' };
    const start = sc.i;
    sc.value();
    const end = sc.i;
    sc.skipSpace();
    if (sc.i >= s.length) return { start, end };
    // Token(): a delimiter that opens a value is a token, one that does not is an error.
    const c = sc.peek();
    if (c === '[' || c === '{') return { error: `error: invalid character '${c}' after top-level value` };
    if (c === ']' || c === '}' || c === ',' || c === ':') sc.fail(c, 'looking for beginning of value');
    const next = sc.i;
    sc.value();
    const tok = tokenText(s, next, sc.i);
    return tok === undefined ? { start, end } : { error: `error: invalid character '${tok}' after top-level value` };
  } catch (e) {
    if (e instanceof ScanError) return { error: e.message };
    throw e;
  }
}

/** A failure of OPA's JSON decoding, worded as Go's (see scanGoJsonDocument). */
export class GoJsonError extends Error {}

/**
 * The value OPA's util.UnmarshalJSON decodes from `s` (json.unmarshal, JWT headers and payloads).
 *
 * @example decodeGoJson('{"a": 1} null') // {a: 1}
 */
export function decodeGoJson(s: string): Value {
  const r = scanGoJsonDocument(s);
  if ('error' in r) throw new GoJsonError(r.error);
  return parseJson(s.slice(r.start, r.end));
}
