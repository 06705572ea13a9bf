/**
 * Compiled-regex cache shared by the regex and glob builtins: a bounded LRU (Map insertion
 * order), so policies that build patterns from input cannot grow memory without limit.
 */
import { BuiltinError } from '../../errors.js';
import { Re2SyntaxError, translateRe2 } from './re2.js';

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

type Entry = RegExp | Re2SyntaxError;
const cache = new LruCache<Entry>(MAX_ENTRIES);

/**
 * The JS RegExp (with the `g` flag, for lastIndex-driven scans) for an RE2 pattern; a bad
 * pattern is a BuiltinError (undefined unless strict), as regexp.Compile's error is in OPA.
 */
export function compileRe2(builtin: string, pattern: string): RegExp {
  let e = cache.get(pattern);
  if (e === undefined) {
    try {
      const t = translateRe2(pattern);
      e = new RegExp(t.source, t.flags + 'g');
    } catch (err) {
      if (!(err instanceof Re2SyntaxError)) throw err;
      e = err;
    }
    cache.set(pattern, e);
  }
  if (e instanceof Re2SyntaxError) throw new BuiltinError(builtin, e.message);
  return e;
}

export function isValidRe2(pattern: string): boolean {
  try {
    compileRe2('regex.is_valid', pattern);
    return true;
  } catch {
    return false;
  }
}

/** Width in UTF-16 units of the code point at i (Go advances one rune after an empty match). */
function runeWidth(s: string, i: number): number {
  const c = s.charCodeAt(i);
  return c >= 0xd800 && c <= 0xdbff && i + 1 < s.length ? 2 : 1;
}

/** Leftmost match starting at or after `pos`. */
function execAt(re: RegExp, s: string, pos: number): RegExpExecArray | null {
  re.lastIndex = pos;
  return re.exec(s);
}

/**
 * Go's Regexp.FindAll*: at most n matches (n < 0: all); an empty match right after the
 * previous match is skipped.
 */
export function findAllGo(re: RegExp, s: string, n: number): RegExpExecArray[] {
  const out: RegExpExecArray[] = [];
  let pos = 0;
  let prevEnd = -1;
  while ((n < 0 || out.length < n) && pos <= s.length) {
    const m = execAt(re, s, pos);
    if (!m) break;
    const start = m.index;
    const end = start + m[0].length;
    let accept = true;
    if (end === pos) {
      if (start === prevEnd) accept = false;
      pos += pos < s.length ? runeWidth(s, pos) : 1;
    } else pos = end;
    prevEnd = end;
    if (accept) out.push(m);
  }
  return out;
}

/** Go's Regexp.Expand for `$1`, `${1}`, `$name`, `${name}`, `$$`. */
function expand(template: string, m: RegExpExecArray): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i] as string;
    if (c !== '$') {
      out += c;
      continue;
    }
    const rest = template.slice(i + 1);
    if (rest.startsWith('$')) {
      out += '$';
      i++;
      continue;
    }
    const mm = /^\{([A-Za-z0-9_]+)\}/.exec(rest) ?? /^([A-Za-z0-9_]+)/.exec(rest);
    if (!mm) {
      out += '$';
      continue;
    }
    i += mm[0].length;
    const name = mm[1] as string;
    let v: string | undefined;
    if (/^\d+$/.test(name)) {
      const k = Number(name);
      v = k < m.length ? m[k] : undefined;
    } else v = m.groups?.[name] ?? m.groups?.[`_re2_${name}`];
    out += v ?? '';
  }
  return out;
}

/** Go's Regexp.ReplaceAllString. */
export function replaceAllGo(re: RegExp, s: string, repl: string): string {
  let out = '';
  let lastEnd = 0;
  let pos = 0;
  while (pos <= s.length) {
    const m = execAt(re, s, pos);
    if (!m) break;
    const a0 = m.index;
    const a1 = a0 + m[0].length;
    out += s.slice(lastEnd, a0);
    // No replacement for an empty match right after a previous match.
    if (a1 > lastEnd || a0 === 0) out += expand(repl, m);
    lastEnd = a1;
    const w = pos < s.length ? runeWidth(s, pos) : 1;
    if (pos + w > a1) pos += w;
    else if (pos + 1 > a1) pos++;
    else pos = a1;
  }
  return out + s.slice(lastEnd);
}

/** Go's Regexp.Split(s, -1). */
export function splitGo(re: RegExp, s: string): string[] {
  if (s === '') return [''];
  const out: string[] = [];
  let beg = 0;
  let end = 0;
  for (const m of findAllGo(re, s, -1)) {
    end = m.index;
    if (m.index + m[0].length !== 0) out.push(s.slice(beg, end));
    beg = m.index + m[0].length;
  }
  if (end !== s.length) out.push(s.slice(beg));
  return out;
}
