/**
 * Compiled-pattern cache shared by the regex, glob and JSON-schema builtins: a bounded LRU (Map
 * insertion order), so policies that build patterns from input cannot grow memory without limit.
 * A pattern that does not compile is cached as its error (OPA compiles each pattern once too,
 * topdown/regex.go's regexpCache).
 */
import { BuiltinError } from '../../errors.js';
import { Re2SyntaxError, compileGoRegexp, type GoRegexp } from './re2.js';

/**
 * 512 patterns: a policy's own constant patterns always fit; patterns built from input cycle.
 * A compiled pattern holds its program and a lazily built DFA whose state cache re2js bounds
 * (8 MB of accounted states per pattern, reset when full), so the bound is on entries.
 */
const MAX_ENTRIES = 512;

export class LruCache<V> {
  private readonly m = new Map<string, V>();
  constructor(private readonly max: number) {}

  get(k: string): V | undefined {
    const v = this.m.get(k);
    if (v !== undefined) {
      this.m.delete(k);
      this.m.set(k, v);
    }
    return v;
  }

  set(k: string, v: V): void {
    if (this.m.has(k)) this.m.delete(k);
    else if (this.m.size >= this.max) this.m.delete(this.m.keys().next().value as string);
    this.m.set(k, v);
  }
}

const cache = new LruCache<GoRegexp | Re2SyntaxError>(MAX_ENTRIES);

/**
 * The compiled form of an RE2 pattern; a bad pattern is a BuiltinError of `builtin` (undefined
 * unless strict), as regexp.Compile's error is in OPA.
 *
 * @example compileRe2('regex.match', '^a+$').matchString('aaa') // true
 */
export function compileRe2(builtin: string, pattern: string): GoRegexp {
  let e = cache.get(pattern);
  if (e === undefined) {
    try {
      e = compileGoRegexp(pattern);
    } catch (err) {
      if (!(err instanceof Re2SyntaxError)) throw err;
      e = err;
    }
    cache.set(pattern, e);
  }
  if (e instanceof Re2SyntaxError) throw new BuiltinError(builtin, e.message);
  return e;
}

/** regex.is_valid: does regexp.Compile accept the pattern? */
export function isValidRe2(pattern: string): boolean {
  try {
    compileRe2('regex.is_valid', pattern);
    return true;
  } catch (e) {
    if (e instanceof BuiltinError) return false;
    throw e;
  }
}
