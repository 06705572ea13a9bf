/**
 * GraphQL lexer with the token kinds, positions and error texts of gqlparser (vektah/gqlparser
 * as vendored in OPA's internal/gqlparser), because OPA's graphql.* builtins surface those
 * messages verbatim ("Expected Name, found <EOF> in GraphQL string at location 1:2").
 *
 * Positions count code points (gqlparser counts runes), lines and columns are 1-based.
 *
 * @example
 *   const lx = createGraphqlLexer('{ hero }');
 *   lx.read(); // { kind: '{', value: '', line: 1, col: 1 }
 */

export type TokenKind =
  | '<Invalid>'
  | '<EOF>'
  | '!'
  | '$'
  | '&'
  | '('
  | ')'
  | '...'
  | ':'
  | '='
  | '@'
  | '['
  | ']'
  | '{'
  | '|'
  | '}'
  | 'Name'
  | 'Int'
  | 'Float'
  | 'String'
  | 'BlockString';

export interface Token {
  kind: TokenKind;
  value: string;
  line: number;
  col: number;
}

/** A lexing or parsing failure at a source location (gqlparser's gqlerror.Error). */
export class GraphqlSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly col: number,
  ) {
    super(message);
    this.name = 'GraphqlSyntaxError';
  }
}

/** `Kind "value"` when the token carries a value, else just the kind (gqlparser Token.String). */
export function describeToken(t: Token): string {
  return t.value !== '' ? `${t.kind} ${JSON.stringify(t.value)}` : t.kind;
}

const PUNCT: Record<string, TokenKind> = {
  '!': '!',
  $: '$',
  '&': '&',
  '(': '(',
  ')': ')',
  ':': ':',
  '=': '=',
  '@': '@',
  '[': '[',
  ']': ']',
  '{': '{',
  '}': '}',
  '|': '|',
};

export interface GraphqlLexer {
  /** Next token; an Invalid token comes with the lexer's error. */
  read(): { tok: Token; err: GraphqlSyntaxError | undefined };
}

export function createGraphqlLexer(input: string): GraphqlLexer {
  // Work on code points so columns match gqlparser's rune counting.
  const src = Array.from(input);
  let end = 0;
  let start = 0;
  let line = 1;
  let lineStart = 0;

  const make = (kind: TokenKind, value: string) => ({
    tok: { kind, value, line, col: start - lineStart + 1 },
    err: undefined,
  });
  const fail = (msg: string) => {
    const col = end - lineStart + 1;
    return { tok: { kind: '<Invalid>' as TokenKind, value: '', line, col }, err: new GraphqlSyntaxError(msg, line, col) };
  };

  function ws(): void {
    while (end < src.length) {
      const c = src[end];
      if (c === '\t' || c === ' ' || c === ',' || c === '\uFEFF') end++;
      else if (c === '\n') {
        end++;
        line++;
        lineStart = end;
      } else if (c === '\r') {
        end++;
        line++;
        lineStart = end;
        if (src[end] === '\n') end++;
      } else return;
    }
  }

  function readNumber() {
    let float = false;
    end = start;
    const digits = () => {
      let n = 0;
      while (end < src.length && (src[end] as string) >= '0' && (src[end] as string) <= '9') {
        end++;
        n++;
      }
      return n;
    };
    const next = () => (end < src.length ? `"${src[end]}"` : '<EOF>');
    if (src[end] === '-') end++;
    if (src[end] === '0') {
      end++;
      const n = digits();
      if (n !== 0) {
        end -= n;
        return fail(`Invalid number, unexpected digit after 0: ${next()}.`);
      }
    } else if (digits() === 0) return fail(`Invalid number, expected digit but got: ${next()}.`);
    if (src[end] === '.') {
      end++;
      float = true;
      if (digits() === 0) return fail(`Invalid number, expected digit but got: ${next()}.`);
    }
    if (src[end] === 'e' || src[end] === 'E') {
      end++;
      float = true;
      if (src[end] === '-' || src[end] === '+') end++;
      if (digits() === 0) return fail(`Invalid number, expected digit but got: ${next()}.`);
    }
    return make(float ? 'Float' : 'Int', src.slice(start, end).join(''));
  }

  function readString() {
    start++;
    let out = '';
    while (end < src.length) {
      const c = src[end] as string;
      if (c === '\n' || c === '\r') break;
      const cp = c.codePointAt(0) as number;
      if (cp < 0x20 && c !== '\t') return fail(`Invalid character within String: "\\u${cp.toString().padStart(4, '0')}".`);
      if (c === '"') {
        const t = make('String', out);
        end++;
        return t;
      }
      if (c === '\\') {
        if (end + 1 >= src.length) {
          end++;
          return fail('Invalid character escape sequence.');
        }
        const e = src[end + 1] as string;
        if (e === 'u') {
          if (end + 6 >= src.length) {
            end++;
            return fail(`Invalid character escape sequence: \\${src.slice(end).join('')}.`);
          }
          const hex = src.slice(end + 2, end + 6).join('');
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
            end++;
            return fail(`Invalid character escape sequence: \\${src.slice(end, end + 5).join('')}.`);
          }
          out += String.fromCharCode(parseInt(hex, 16));
          end += 6;
        } else {
          const map: Record<string, string> = { '"': '"', '/': '/', '\\': '\\', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
          const m = map[e];
          if (m === undefined) {
            end++;
            return fail(`Invalid character escape sequence: \\${e}.`);
          }
          out += m;
          end += 2;
        }
        continue;
      }
      out += c;
      end++;
    }
    return fail('Unterminated string.');
  }

  function readBlockString() {
    start += 3;
    end += 2;
    let buf = '';
    const tokLine = line;
    const tokCol = start - lineStart + 1;
    while (end < src.length) {
      const c = src[end] as string;
      if (c === '"' && src[end + 1] === '"' && src[end + 2] === '"') {
        end += 3;
        return { tok: { kind: 'BlockString' as TokenKind, value: blockStringValue(buf), line: tokLine, col: tokCol }, err: undefined };
      }
      const cp = c.codePointAt(0) as number;
      if (cp < 0x20 && c !== '\t' && c !== '\n' && c !== '\r') return fail(`Invalid character within String: "\\u${cp.toString().padStart(4, '0')}".`);
      if (c === '\\' && src[end + 1] === '"' && src[end + 2] === '"' && src[end + 3] === '"') {
        buf += '"""';
        end += 4;
      } else if (c === '\r') {
        if (src[end + 1] === '\n') end++;
        buf += '\n';
        end++;
        line++;
        lineStart = end;
      } else {
        buf += c;
        end++;
        if (c === '\n') {
          line++;
          lineStart = end;
        }
      }
    }
    return fail('Unterminated string.');
  }

  function read(): { tok: Token; err: GraphqlSyntaxError | undefined } {
    for (;;) {
      ws();
      start = end;
      if (end >= src.length) return make('<EOF>', '');
      const c = src[start] as string;
      end++;
      const p = PUNCT[c];
      if (p !== undefined) return make(p, '');
      if (c === '.' && src[start + 1] === '.' && src[start + 2] === '.') {
        end += 2;
        return make('...', '');
      }
      if (c === '#') {
        while (end < src.length) {
          const x = (src[end] as string).codePointAt(0) as number;
          if (x > 0x1f || x === 9) end++;
          else break;
        }
        continue;
      }
      if (/[_A-Za-z]/.test(c)) {
        while (end < src.length && /[_0-9A-Za-z]/.test(src[end] as string)) end++;
        return make('Name', src.slice(start, end).join(''));
      }
      if (c === '-' || (c >= '0' && c <= '9')) return readNumber();
      if (c === '"') {
        if (src[start + 1] === '"' && src[start + 2] === '"') return readBlockString();
        return readString();
      }
      end--;
      const cp = c.codePointAt(0) as number;
      if (cp < 0x20 && c !== '\t' && c !== '\n' && c !== '\r') return fail(`Cannot contain the invalid character "\\u${cp.toString().padStart(4, '0')}"`);
      if (c === "'") return fail('Unexpected single quote character (\'), did you mean to use a double quote (")?');
      return fail(`Cannot parse the unexpected character "${c}".`);
    }
  }

  return { read };
}

/** GraphQL spec "BlockStringValue": strip common indentation and blank first/last lines. */
export function blockStringValue(raw: string): string {
  const lines = raw.split(/\r\n|[\n\r]/);
  let common: number | undefined;
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i] as string;
    const indent = l.length - l.replace(/^[\t ]*/, '').length;
    if (indent < l.length && (common === undefined || indent < common)) common = indent;
  }
  if (common !== undefined && common !== 0) for (let i = 1; i < lines.length; i++) lines[i] = (lines[i] as string).slice(common);
  while (lines.length > 0 && /^[\t ]*$/.test(lines[0] as string)) lines.shift();
  while (lines.length > 0 && /^[\t ]*$/.test(lines[lines.length - 1] as string)) lines.pop();
  return lines.join('\n');
}
