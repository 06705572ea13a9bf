/**
 * Go's `regexp` for the Rego builtins, on a linear-time engine.
 *
 * OPA evaluates `regex.*` with Go's regexp: RE2 syntax, leftmost-first (Perl-like) submatches,
 * and matching in time linear in the input, whatever the pattern. JavaScript's RegExp
 * backtracks — `^(a+)+$` on 26 `a`s and a `!` took 2.5 s — so a policy that matched a request
 * field against such a pattern could stall a gateway worker. Patterns are parsed and matched by
 * re2js (a pure-JS port of RE2/J, itself a port of Go's regexp/syntax and regexp): same syntax,
 * same errors ("error parsing regexp: …"), same match semantics as Go. The native `re2` addon
 * was measured too (README "Regexes"); it needs a C++ build per Node ABI, which the machines
 * regate runs on cannot count on.
 *
 * On top of the engine's "leftmost match at or after a position" this file keeps Go's own
 * iteration rules, which differ from re2js's Java/JS-style helpers: FindAll skips an empty match
 * right after a match, ReplaceAllString expands `$name`/`${name}` like Regexp.Expand, Split keeps
 * trailing empty strings. Offsets are UTF-16 indexes of the JS string where Go has UTF-8 byte
 * offsets; both only ever fall on code-point boundaries and the loops below only compare them and
 * step one code point, so every substring produced is the one Go produces.
 *
 * @example
 * const re = compileGoRegexp('(?P<user>\\w+)@(\\w+)');
 * re.matchString('bob@example');            // true
 * re.findAllSubmatchIndex('a@b c@d', -1);    // [[0, 3, 0, 1, 2, 3], [4, 7, 4, 5, 6, 7]]
 * re.replaceAllString('a@b', '${user}!');    // 'a!'
 */
import { RE2JS, RE2JSException, type Matcher } from 're2js';
import { replaceRawBytes } from '../../value/index.js';

export class Re2SyntaxError extends Error {
  override readonly name = 'Re2SyntaxError';
}

/** UTF-16 width of the code point at i (Go steps one rune past an empty match). */
function runeWidth(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
    const d = s.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return 2;
  }
  return 1;
}

/** Go's unicode.IsLetter || unicode.IsDigit || '_': the characters of a `$name` in a template. */
const NAME_CHAR = /[\p{L}\p{Nd}_]/u;

/**
 * A compiled pattern with the parts of Go's Regexp API the builtins use. Go's regexp reads a
 * byte that is not UTF-8 as U+FFFD of width 1 (so `\ufffd` and `.` match it); a raw byte here is
 * one UTF-16 unit (U+DC00+b, value/go-bytes.ts), so the engine runs on the text with each raw
 * byte as U+FFFD — same length, same indexes — and every substring is cut from the original.
 */
export class GoRegexp {
  /** index → group name ('' for unnamed groups and for index 0), as Go's SubexpNames */
  private readonly subexpNames: string[];

  constructor(
    private readonly re: RE2JS,
    readonly expr: string,
  ) {
    this.subexpNames = new Array<string>(re.groupCount() + 1).fill('');
    for (const [name, i] of Object.entries(re.namedGroups())) this.subexpNames[i] = name;
  }

  get numSubexp(): number {
    return this.subexpNames.length - 1;
  }

  /** Regexp.MatchString: is there a match anywhere in s? */
  matchString(s: string): boolean {
    return this.re.test(replaceRawBytes(s));
  }

  /**
   * Regexp.FindAllStringSubmatchIndex(s, n): at most n matches (n < 0: all), each as
   * `[start0, end0, start1, end1, …]` with -1 for a group that took no part. With
   * `groups: false` only `[start0, end0]` (FindAllStringIndex), which spares the capture pass.
   */
  findAllSubmatchIndex(s: string, n: number, groups = true): number[][] {
    const out: number[][] = [];
    if (n === 0) return out;
    const m = this.re.matcher(replaceRawBytes(s));
    const end = s.length;
    // Go's allMatches: an empty match right after the previous match is not reported, and an
    // empty match moves the search on by one rune.
    for (let pos = 0, prevMatchEnd = -1; (n < 0 || out.length < n) && pos <= end; ) {
      if (!m.find(pos)) break;
      const a0 = m.start();
      const a1 = m.end();
      let accept = true;
      if (a1 === pos) {
        if (a0 === prevMatchEnd) accept = false;
        pos += pos < end ? runeWidth(s, pos) : 1;
      } else pos = a1;
      prevMatchEnd = a1;
      if (accept) out.push(groups ? this.submatches(m, a0, a1) : [a0, a1]);
    }
    return out;
  }

  private submatches(m: Matcher, a0: number, a1: number): number[] {
    const out = [a0, a1];
    for (let g = 1; g <= this.numSubexp; g++) out.push(m.start(g), m.end(g));
    return out;
  }

  /** Regexp.ReplaceAllString: every match replaced by `repl` with `$1`/`${name}` expanded. */
  replaceAllString(src: string, repl: string): string {
    const expand = repl.includes('$');
    const m = this.re.matcher(replaceRawBytes(src));
    let out = '';
    let lastMatchEnd = 0;
    let searchPos = 0;
    while (searchPos <= src.length) {
      if (!m.find(searchPos)) break;
      const a0 = m.start();
      const a1 = m.end();
      out += src.slice(lastMatchEnd, a0);
      // No replacement for an empty match right after a match (Go: otherwise patterns that
      // match both empty and non-empty strings would replace twice).
      if (a1 > lastMatchEnd || a0 === 0) out += expand ? this.expand(repl, src, this.submatches(m, a0, a1)) : repl;
      lastMatchEnd = a1;
      // Advance past the match, always by at least one rune.
      const w = searchPos < src.length ? runeWidth(src, searchPos) : 0;
      if (searchPos + w > a1) searchPos += w;
      else if (searchPos + 1 > a1) searchPos++;
      else searchPos = a1;
    }
    return out + src.slice(lastMatchEnd);
  }

  /**
   * Regexp.Expand: `$$` is `$`; `$name` takes the longest run of letters, digits and `_`;
   * `${name}` is explicit; a name of digits without a leading zero is a group number; a group
   * that does not exist or did not match adds nothing; a malformed `$` stays as it is.
   */
  private expand(template: string, src: string, match: readonly number[]): string {
    let out = '';
    let i = 0;
    for (;;) {
      const d = template.indexOf('$', i);
      if (d < 0) break;
      out += template.slice(i, d);
      i = d + 1;
      if (template[i] === '$') {
        out += '$';
        i++;
        continue;
      }
      const ref = extractName(template, i);
      if (ref === null) {
        out += '$';
        continue;
      }
      i = ref.rest;
      let g = ref.num;
      if (g < 0) g = this.subexpNames.indexOf(ref.name, 1);
      if (g >= 0 && 2 * g + 1 < match.length && (match[2 * g] as number) >= 0) out += src.slice(match[2 * g], match[2 * g + 1]);
    }
    return out + template.slice(i);
  }

  /** Regexp.Split(s, -1): the text between matches, trailing empty strings kept. */
  split(s: string): string[] {
    if (this.expr.length > 0 && s.length === 0) return [''];
    const out: string[] = [];
    let beg = 0;
    let end = 0;
    for (const [a0, a1] of this.findAllSubmatchIndex(s, -1, false) as [number, number][]) {
      end = a0;
      if (a1 !== 0) out.push(s.slice(beg, end));
      beg = a1;
    }
    if (end !== s.length) out.push(s.slice(beg));
    return out;
  }
}

/** Go's regexp.extract: the group reference starting at template[i] (after the `$`), or null. */
function extractName(template: string, i: number): { name: string; num: number; rest: number } | null {
  let p = i;
  const brace = template[p] === '{';
  if (brace) p++;
  const start = p;
  while (p < template.length) {
    const cp = template.codePointAt(p) as number;
    const ch = String.fromCodePoint(cp);
    if (!NAME_CHAR.test(ch)) break;
    p += ch.length;
  }
  if (p === start) return null; // an empty name is not a reference
  const name = template.slice(start, p);
  if (brace) {
    if (template[p] !== '}') return null;
    p++;
  }
  let num = 0;
  for (let k = 0; k < name.length; k++) {
    const c = name.charCodeAt(k);
    if (c < 0x30 || c > 0x39 || num >= 1e8) {
      num = -1;
      break;
    }
    num = num * 10 + (c - 0x30);
  }
  if (name[0] === '0' && name.length > 1) num = -1; // leading zeros: a name, not a number
  return { name, num, rest: p };
}

/**
 * Compiles an RE2 pattern with Go's regexp.Compile rules (Perl flags: `(?flags)`, `\pN`,
 * `[[:alpha:]]`, `\Q…\E`, repeat counts up to 1000; no backreferences, lookaround or `\C`).
 * Throws Re2SyntaxError with Go's message for anything regexp.Compile refuses.
 */
export function compileGoRegexp(pattern: string): GoRegexp {
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (e) {
    if (e instanceof RE2JSException) throw new Re2SyntaxError(e.message, { cause: e });
    throw e;
  }
  return new GoRegexp(re, pattern);
}

/**
 * Go's regexp.QuoteMeta: `pattern` escaped so that it matches itself literally.
 *
 * @example quoteMeta('a.b*') // 'a\\.b\\*'
 */
export function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}
