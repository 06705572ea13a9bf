/**
 * The Rego lexer: turns module text into tokens, tracking line/column spans, whether a newline
 * precedes each token (Rego separates body literals by newlines), and comments (for METADATA).
 *
 * Example: `tokenize('p := 1', 'a.rego')` → ident `p`, punct `:=`, number `1`, eof.
 */
import { createParseError } from './parse-error.js';
import { PUNCTUATION, type Span, type TemplatePart, type Token } from './tokens.js';

const isIdentStart = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const isIdentPart = (c: string): boolean => isIdentStart(c) || (c >= '0' && c <= '9');
const isDigit = (c: string): boolean => c >= '0' && c <= '9';

export interface LexOptions {
  /** position of the first character (for template-string sub-expressions) */
  line?: number;
  col?: number;
}

const TWO_CHAR = new Set<string>(PUNCTUATION.filter((q) => q.length === 2));
const ONE_CHAR = new Set<string>(PUNCTUATION.filter((q) => q.length === 1));

export function tokenize(src: string, file: string, opts: LexOptions = {}, out: Token[] = []): Token[] {
  let i = 0;
  let line = opts.line ?? 1;
  let col = opts.col ?? 1;
  let nl = false;
  let ws = false;
  let comments: { text: string; span: Span }[] = [];
  const here = (): Span => ({ file, line, col });
  const advance = (n: number): void => {
    const nl = n > 1 ? src.indexOf('\n', i) : 0;
    if (n > 1 && (nl < 0 || nl >= i + n)) {
      i += n;
      col += n;
      return;
    }
    for (let k = 0; k < n; k++) {
      if (src[i] === '\n') {
        line++;
        col = 1;
      } else col++;
      i++;
    }
  };
  const fail = (code: 'REGO_ERR_PARSE_TOKEN' | 'REGO_ERR_PARSE_STRING' | 'REGO_ERR_PARSE_NUMBER', msg: string, span: Span): never => {
    throw createParseError(code, msg, span, src);
  };

  // span/start of the token being lexed; set at the top of each loop iteration
  let span: Span = here();
  let start = 0;
  const push = (kind: Token['kind'], value: string, extra?: Partial<Token>): void => {
    const tok: Token = { kind, value, span, start, end: i, nlBefore: nl, wsBefore: ws };
    if (extra !== undefined) Object.assign(tok, extra);
    if (comments.length > 0) tok.comments = comments;
    out.push(tok);
    nl = false;
    ws = false;
    comments = [];
  };

  while (i < src.length) {
    const c = src[i]!;
    if (c === '\n') {
      nl = true;
      ws = true;
      advance(1);
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      ws = true;
      advance(1);
      continue;
    }
    if (c === '#') {
      const span = here();
      let j = i;
      while (j < src.length && src[j] !== '\n') j++;
      // OPA's scanner (scanComment) drops the carriage return before the newline, so a CRLF
      // file's comments (and its METADATA YAML) read as an LF file's do.
      const end = j > i + 1 && src[j - 1] === '\r' ? j - 1 : j;
      comments.push({ text: src.slice(i + 1, end), span });
      advance(j - i);
      ws = true;
      continue;
    }
    span = here();
    start = i;
    if (isIdentStart(c)) {
      let j = i + 1;
      while (j < src.length && isIdentPart(src[j]!)) j++;
      const name = src.slice(i, j);
      advance(j - i);
      push('ident', name);
      continue;
    }
    if (isDigit(c)) {
      // OPA's scanner (ast/internal/scanner scanNumber): digits, an optional fraction that must
      // have digits ("expected fraction"), an optional exponent that must have digits ("expected
      // exponent"); a letter glued to the number makes it an "illegal number format".
      let j = i;
      while (j < src.length && isDigit(src[j]!)) j++;
      if (src[j] === '.') {
        if (!isDigit(src[j + 1] ?? '')) fail('REGO_ERR_PARSE_NUMBER', 'expected fraction', span);
        j++;
        while (j < src.length && isDigit(src[j]!)) j++;
      }
      if (src[j] === 'e' || src[j] === 'E') {
        let k = j + 1;
        if (src[k] === '+' || src[k] === '-') k++;
        if (!isDigit(src[k] ?? '')) fail('REGO_ERR_PARSE_NUMBER', 'expected exponent', span);
        while (k < src.length && isDigit(src[k]!)) k++;
        j = k;
      }
      if (j < src.length && isIdentStart(src[j]!)) fail('REGO_ERR_PARSE_NUMBER', 'illegal number format', span);
      const text = src.slice(i, j);
      // OPA's parseNumber: `0`, `0.5`, `0e1` but not `01` (an octal-looking literal is an error);
      // after a `.` (`.01`, the fraction of a number written without its leading 0) zeros are fine
      if (src[i - 1] !== '.' && text.length > 1 && text[0] === '0' && text[1] !== '.' && !((text[1] === 'e' || text[1] === 'E') && text.length > 2)) {
        fail('REGO_ERR_PARSE_NUMBER', 'expected number without leading zero', span);
      }
      const bad = checkNumberSize(text);
      if (bad !== undefined) fail('REGO_ERR_PARSE_NUMBER', bad, span);
      advance(j - i);
      push('number', text);
      continue;
    }
    if (c === '"') {
      const { value, length } = readQuoted(src, i, false, span, fail);
      advance(length);
      push('string', value);
      continue;
    }
    if (c === '`') {
      const j = src.indexOf('`', i + 1);
      // OPA's scanner words an open raw string as it does an open quoted one
      if (j < 0) fail('REGO_ERR_PARSE_STRING', 'non-terminated string', span);
      const value = src.slice(i + 1, j);
      advance(j + 1 - i);
      push('rawstring', value);
      continue;
    }
    if (c === '$' && (src[i + 1] === '"' || src[i + 1] === '`')) {
      const { parts, length } = readTemplate(src, i, file, span, line, col, fail);
      advance(length);
      push('template', '', { parts });
      continue;
    }
    const two = src.slice(i, i + 2);
    const p = TWO_CHAR.has(two) ? two : ONE_CHAR.has(c) ? c : undefined;
    // OPA's scanner names a lone `!` and `$`; any other stray character is a token the parser
    // calls "illegal token" (ast/parser.go illegal)
    if (p === undefined) fail('REGO_ERR_PARSE_TOKEN', c === '!' || c === '$' ? `illegal ${c} character` : 'illegal token', span);
    advance(p!.length);
    push('punct', p!);
  }
  // OPA's scanner does not advance its column at the end of input: the eof token sits on the
  // last character read (column 0 after a final newline), so `default f :=` ends at 1:12
  const eof: Token = { kind: 'eof', value: '', span: { file, line, col: col - 1 }, start: i, end: i, nlBefore: true, wsBefore: true };
  if (comments.length > 0) eof.comments = comments;
  out.push(eof);
  return out;
}

/**
 * OPA's parseNumber reads the literal into a big.Float: an exponent Go cannot hold is an
 * "invalid float", and a binary exponent beyond ±1e5 (about 30103 decimal digits) is refused
 * as "number too big" (the cost of printing such numbers grows non-linearly). Zero is fine
 * whatever its exponent.
 */
function checkNumberSize(text: string): string | undefined {
  const m = /^(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (m === null) return undefined;
  const exp = m[3] === undefined ? 0 : Number(m[3]);
  if (Math.abs(exp) > 2147483647) return 'invalid float';
  const digits = (m[1] ?? '') + (m[2] ?? '');
  const first = digits.search(/[1-9]/);
  if (first < 0) return undefined;
  // the decimal exponent of the leading significant digit
  const e10 = exp + (m[1] ?? '').length - first - 1;
  return Math.abs(e10 * Math.log2(10)) > 1e5 ? 'number too big' : undefined;
}

type Fail = (code: 'REGO_ERR_PARSE_STRING', msg: string, span: Span) => never;

/** Decodes a JSON-style double-quoted string starting at `src[at]`. */
function readQuoted(src: string, at: number, template: boolean, span: Span, fail: Fail): { value: string; length: number } {
  let j = at + 1;
  let value = '';
  for (;;) {
    const ch = src[j];
    if (ch === undefined || ch === '\n') return fail('REGO_ERR_PARSE_STRING', 'non-terminated string', span);
    if (ch === '"') break;
    if (template && ch === '{') break;
    if (ch === '\\') {
      if (template && src[j + 1] === '{') {
        value += '{';
        j += 2;
        continue;
      }
      const esc = decodeEscape(src, j);
      if (esc === undefined) {
        // OPA's scanner lets `\u` take any 4 characters; encoding/json then refuses the literal
        if (src[j + 1] === 'u') return fail('REGO_ERR_PARSE_STRING', `illegal string literal: ${src.slice(at, src.indexOf('"', j + 2) + 1 || undefined)}`, span);
        return fail('REGO_ERR_PARSE_STRING', 'illegal escape sequence', span);
      }
      value += esc.value;
      j += esc.length;
      continue;
    }
    value += ch;
    j++;
  }
  return { value, length: j + 1 - at };
}

/**
 * Template strings (OPA v1 string interpolation): `$"a {expr} b"` and `$\`…\``. `\{` is a literal
 * brace. Embedded expressions are kept as source text and parsed later by the parser.
 */
function readTemplate(
  src: string, at: number, file: string, span: Span, line0: number, col0: number, fail: Fail,
): { parts: TemplatePart[]; length: number } {
  const raw = src[at + 1] === '`';
  const close = raw ? '`' : '"';
  const parts: TemplatePart[] = [];
  let j = at + 2;
  let text = '';
  let line = line0;
  let col = col0 + 2;
  const step = (n: number): void => {
    for (let k = 0; k < n; k++) {
      if (src[j] === '\n') {
        line++;
        col = 1;
      } else col++;
      j++;
    }
  };
  for (;;) {
    const ch = src[j];
    if (ch === undefined || (!raw && ch === '\n')) return fail('REGO_ERR_PARSE_STRING', 'non-terminated string', span); // OPA's scanner words every open string so
    if (ch === close) {
      step(1);
      break;
    }
    if (ch === '\\') {
      const e = src[j + 1];
      if (e === '{') {
        text += '{';
        step(2);
        continue;
      }
      if (raw) {
        text += ch;
        step(1);
        continue;
      }
      const esc = decodeEscape(src, j);
      if (esc === undefined) return fail('REGO_ERR_PARSE_STRING', `illegal escape sequence`, span);
      text += esc.value;
      const len = esc.length;
      step(len);
      continue;
    }
    if (ch === '{') {
      if (text !== '') parts.push({ kind: 'text', value: text });
      text = '';
      const exprSpan: Span = { file, line, col: col + 1 };
      step(1);
      const s = j;
      let depth = 0;
      for (;;) {
        const d = src[j];
        if (d === undefined) return fail('REGO_ERR_PARSE_STRING', 'non-terminated template expression', span);
        if (d === '"' ) {
          const q = readQuoted(src, j, false, span, fail);
          step(q.length);
          continue;
        }
        if (d === '`') {
          const e = src.indexOf('`', j + 1);
          if (e < 0) return fail('REGO_ERR_PARSE_STRING', 'non-terminated raw string', span);
          step(e + 1 - j);
          continue;
        }
        if (d === '{') depth++;
        if (d === '}') {
          if (depth === 0) break;
          depth--;
        }
        step(1);
      }
      parts.push({ kind: 'expr', source: src.slice(s, j), span: exprSpan });
      step(1);
      continue;
    }
    text += ch;
    step(1);
  }
  if (text !== '' || parts.length === 0) parts.push({ kind: 'text', value: text });
  return { parts, length: j - at };
}

const SIMPLE_ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** One JSON escape sequence at `src[at]` (a backslash): its value and source length. */
function decodeEscape(src: string, at: number): { value: string; length: number } | undefined {
  const e = src[at + 1];
  if (e !== undefined && SIMPLE_ESCAPES[e] !== undefined) return { value: SIMPLE_ESCAPES[e]!, length: 2 };
  if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(src.slice(at + 2, at + 6))) {
    const unit = parseInt(src.slice(at + 2, at + 6), 16);
    if (unit < 0xd800 || unit > 0xdfff) return { value: String.fromCharCode(unit), length: 6 };
    // OPA decodes the literal with Go's encoding/json: a surrogate pair written as two escapes
    // is one character, and a surrogate without its partner becomes U+FFFD
    if (unit <= 0xdbff && src[at + 6] === '\\' && src[at + 7] === 'u' && /^[0-9a-fA-F]{4}$/.test(src.slice(at + 8, at + 12))) {
      const low = parseInt(src.slice(at + 8, at + 12), 16);
      if (low >= 0xdc00 && low <= 0xdfff) return { value: String.fromCharCode(unit, low), length: 12 };
    }
    return { value: '\ufffd', length: 6 };
  }
  return undefined;
}
