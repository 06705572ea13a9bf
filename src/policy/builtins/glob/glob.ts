/**
 * `glob.match` / `glob.quote_meta` (OPA topdown/glob.go, github.com/gobwas/glob semantics):
 * `*` any run of non-delimiter characters, `**` any run, `?` one non-delimiter character,
 * `[abc]` `[a-z]` `[!a-z]` classes, `{a,b*}` alternatives, `\` escapes. Delimiters: `null` →
 * none, `[]` → `["."]` (OPA's default), otherwise the given single-character strings.
 * Patterns compile to anchored RE2 patterns run on the linear-time engine the regex builtins use
 * (lib/core/re2.ts): as JS regexes, `*a*a*a*a*a*a*a*a*b` against a run of `a`s backtracked
 * through every way of splitting it. Compiled globs are cached in a bounded LRU.
 */
import type { BuiltinDef } from '../registry.js';
import { BuiltinError } from '../../errors.js';
import type { Value } from '../../value/index.js';
import { argString, elementTypeError, operandTypeError } from '../shared/args.js';
import { LruCache } from '../shared/regex-cache.js';
import { compileGoRegexp, type GoRegexp } from '../shared/re2.js';

const cache = new LruCache<GoRegexp | BuiltinError>(512);

/** A code point as an RE2 literal (`\x{…}` is literal inside and outside classes). */
function esc(cp: number): string {
  return '\\x{' + cp.toString(16) + '}';
}

function notDelims(delims: readonly string[]): string {
  return delims.length === 0 ? '[\\s\\S]' : '[^' + delims.map((d) => esc(d.codePointAt(0) as number)).join('') + ']';
}

class GlobCompiler {
  private i = 0;
  private readonly cps: string[];
  constructor(pattern: string, private readonly delims: readonly string[]) {
    this.cps = Array.from(pattern);
  }

  private fail(msg: string): never {
    throw new BuiltinError('glob.match', msg);
  }

  compile(): string {
    const out = this.seq(false);
    if (this.i < this.cps.length) this.fail(`unexpected ${this.cps[this.i]}`);
    return out;
  }

  /** A sequence up to end of input, or (inside `{}`) up to `,` or `}`. */
  private seq(inTerms: boolean): string {
    let out = '';
    while (this.i < this.cps.length) {
      const c = this.cps[this.i] as string;
      if (inTerms && (c === ',' || c === '}')) break;
      this.i++;
      switch (c) {
        case '*':
          if (this.cps[this.i] === '*') {
            this.i++;
            out += '[\\s\\S]*';
          } else out += notDelims(this.delims) + '*';
          break;
        case '?':
          out += notDelims(this.delims);
          break;
        case '[':
          out += this.range();
          break;
        case '{': {
          const alts: string[] = [this.seq(true)];
          while (this.cps[this.i] === ',') {
            this.i++;
            alts.push(this.seq(true));
          }
          if (this.cps[this.i] !== '}') this.fail('unexpected end of input: unclosed {');
          this.i++;
          out += '(?:' + alts.join('|') + ')';
          break;
        }
        case '\\': {
          const n = this.cps[this.i];
          if (n === undefined) this.fail('unexpected end of input: trailing escape');
          this.i++;
          out += esc(n.codePointAt(0) as number);
          break;
        }
        default:
          out += esc(c.codePointAt(0) as number);
      }
    }
    return out;
  }

  private range(): string {
    let neg = false;
    if (this.cps[this.i] === '!') {
      neg = true;
      this.i++;
    }
    let body = '';
    let empty = true;
    while (this.i < this.cps.length && this.cps[this.i] !== ']') {
      let c = this.cps[this.i++] as string;
      if (c === '\\') {
        c = this.cps[this.i++] ?? this.fail('unexpected end of input: unclosed [');
      }
      if (this.cps[this.i] === '-' && this.cps[this.i + 1] !== undefined && this.cps[this.i + 1] !== ']') {
        const hi = this.cps[this.i + 1] as string;
        this.i += 2;
        if ((hi.codePointAt(0) as number) < (c.codePointAt(0) as number)) this.fail('invalid range: hi before lo');
        body += esc(c.codePointAt(0) as number) + '-' + esc(hi.codePointAt(0) as number);
      } else body += esc(c.codePointAt(0) as number);
      empty = false;
    }
    if (this.cps[this.i] !== ']') this.fail('unexpected end of input: unclosed [');
    this.i++;
    if (empty) this.fail('unexpected end of input: empty range');
    return '[' + (neg ? '^' : '') + body + ']';
  }
}

function delimiters(v: Value): string[] {
  if (v === null) return [];
  if (!Array.isArray(v)) throw operandTypeError('glob.match', 2, v, 'array', 'null');
  const out: string[] = [];
  for (const d of v) {
    // OPA's RuneSliceOperand: each element a one-rune string.
    if (typeof d !== 'string') throw elementTypeError('glob.match', 2, v, d, 'string');
    if (Array.from(d).length !== 1) throw elementTypeError('glob.match', 2, v, d, 'rune');
    out.push(d);
  }
  return out.length === 0 ? ['.'] : out;
}

function compileGlob(pattern: string, delims: string[]): GoRegexp {
  const key = pattern + '\u0000' + delims.join('');
  let e = cache.get(key);
  if (e === undefined) {
    try {
      e = compileGoRegexp('^(?:' + new GlobCompiler(pattern, delims).compile() + ')$');
    } catch (err) {
      if (!(err instanceof BuiltinError)) throw err;
      e = err;
    }
    cache.set(key, e);
  }
  if (e instanceof BuiltinError) throw e;
  return e;
}

/** gobwas/glob QuoteMeta: escapes the glob metacharacters. */
function quoteMeta(s: string): string {
  return s.replace(/[*?\\[\]{}]/g, '\\$&');
}

export const globBuiltins: BuiltinDef[] = [
  {
    name: 'glob.match',
    arity: 3,
    impl: (args) => {
      const pattern = argString('glob.match', args, 0);
      const delims = delimiters(args[1] as Value);
      const s = argString('glob.match', args, 2);
      return compileGlob(pattern, delims).matchString(s);
    },
  },
  { name: 'glob.quote_meta', arity: 1, impl: (args) => quoteMeta(argString('glob.quote_meta', args, 0)) },
];
