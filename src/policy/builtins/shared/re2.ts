/**
 * RE2 (Go regexp/syntax, Perl flags) → JavaScript RegExp translation.
 *
 * OPA's regex builtins use Go's regexp, whose syntax differs from JS: `(?P<name>…)`, inline
 * flag groups `(?i)`/`(?i:…)`/`(?s)`/`(?m)`/`(?U)`, `\A` `\z` `\Q…\E`, POSIX classes
 * `[[:alpha:]]`, `\pL`/`\p{Greek}`, `\x{10FFFF}`, octal `\123`, ASCII-only `\s`, `.` matching
 * `\r`. RE2 also refuses what needs backtracking (backreferences, lookaround, possessive
 * quantifiers) and repeat counts above 1000; such patterns are rejected here as invalid, like
 * regexp.Compile rejects them. The output always uses the `u` flag (code-point semantics) and
 * never `m`, so `^`/`$` mean text start/end and multi-line mode is spelled with lookarounds.
 */

export class Re2SyntaxError extends Error {
  override readonly name = 'Re2SyntaxError';
}

interface Flags {
  i: boolean;
  s: boolean;
  m: boolean;
  U: boolean;
}

const GENERAL_CATEGORIES = new Set([
  'L', 'Lu', 'Ll', 'Lt', 'Lm', 'Lo', 'M', 'Mn', 'Mc', 'Me', 'N', 'Nd', 'Nl', 'No', 'P', 'Pc', 'Pd', 'Ps', 'Pe', 'Pi', 'Pf',
  'Po', 'S', 'Sm', 'Sc', 'Sk', 'So', 'Z', 'Zs', 'Zl', 'Zp', 'C', 'Cc', 'Cf', 'Cs', 'Co',
]);

/** POSIX classes as code-point ranges (RE2 defines them over ASCII). */
const POSIX: Record<string, [number, number][]> = {
  alnum: [[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a]],
  alpha: [[0x41, 0x5a], [0x61, 0x7a]],
  ascii: [[0x00, 0x7f]],
  blank: [[0x09, 0x09], [0x20, 0x20]],
  cntrl: [[0x00, 0x1f], [0x7f, 0x7f]],
  digit: [[0x30, 0x39]],
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [[0x21, 0x2f], [0x3a, 0x40], [0x5b, 0x60], [0x7b, 0x7e]],
  space: [[0x09, 0x0d], [0x20, 0x20]],
  upper: [[0x41, 0x5a]],
  word: [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]],
  xdigit: [[0x30, 0x39], [0x41, 0x46], [0x61, 0x66]],
};

const PERL: Record<string, [number, number][]> = {
  d: [[0x30, 0x39]],
  s: [[0x09, 0x0a], [0x0c, 0x0d], [0x20, 0x20]],
  w: POSIX.word as [number, number][],
};

function complement(rs: [number, number][]): [number, number][] {
  const sorted = [...rs].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  let next = 0;
  for (const [lo, hi] of sorted) {
    if (lo > next) out.push([next, lo - 1]);
    next = Math.max(next, hi + 1);
  }
  if (next <= 0x10ffff) out.push([next, 0x10ffff]);
  return out;
}

/** A code point as it may appear inside a JS `u`-mode character class. */
function classChar(cp: number): string {
  if (cp < 0x20 || cp === 0x7f || (cp >= 0xd800 && cp <= 0xdfff)) return '\\u{' + cp.toString(16) + '}';
  const c = String.fromCodePoint(cp);
  return /[\\\]\[^\-]/.test(c) ? '\\' + c : c;
}

/** A code point as a literal outside classes. */
function litChar(cp: number): string {
  if (cp < 0x20 || cp === 0x7f || (cp >= 0xd800 && cp <= 0xdfff)) return '\\u{' + cp.toString(16) + '}';
  const c = String.fromCodePoint(cp);
  return /[\\^$.*+?()[\]{}|/]/.test(c) ? '\\' + c : c;
}

function rangesToClass(rs: [number, number][]): string {
  return rs.map(([lo, hi]) => (lo === hi ? classChar(lo) : classChar(lo) + '-' + classChar(hi))).join('');
}

/** Case variants of a code point (simple folding, as RE2's (?i) uses). */
function caseVariants(cp: number): number[] {
  const c = String.fromCodePoint(cp);
  const out = new Set<number>([cp]);
  for (const v of [c.toLowerCase(), c.toUpperCase()]) if (Array.from(v).length === 1) out.add(v.codePointAt(0) as number);
  if (cp === 0x6b || cp === 0x4b) out.add(0x212a); // k K KELVIN SIGN
  if (cp === 0x73 || cp === 0x53) out.add(0x17f); // s S LONG S
  return [...out];
}

class Translator {
  private i = 0;
  private groups = 0;
  private readonly names = new Set<string>();
  /** Set when the pattern starts with (?i) applying to everything: then the JS `i` flag is used. */
  readonly globalI: boolean;

  constructor(private readonly src: string) {
    this.globalI = /^\(\?[smU]*i[smU]*\)/.test(src) && !/\(\?[imsU]*-[msU]*i/.test(src);
  }

  private peek(k = 0): string | undefined {
    return this.src[this.i + k];
  }

  private fail(msg: string): never {
    throw new Re2SyntaxError(`error parsing regexp: ${msg}`);
  }

  translate(): { source: string; flags: string } {
    const flags: Flags = { i: false, s: false, m: false, U: false };
    const out = this.alternation(flags, 0);
    if (this.i < this.src.length) this.fail('unexpected )');
    return { source: out, flags: this.globalI ? 'iu' : 'u' };
  }

  private alternation(flags: Flags, depth: number): string {
    if (depth > 1000) this.fail('expression nests too deeply');
    const parts: string[] = [this.concat(flags, depth)];
    while (this.peek() === '|') {
      this.i++;
      parts.push(this.concat(flags, depth));
    }
    return parts.join('|');
  }

  private concat(flags: Flags, depth: number): string {
    let out = '';
    let lastAtom: string | null = null; // null: nothing to repeat
    let lastWasRepeat = false;
    for (;;) {
      const c = this.peek();
      if (c === undefined || c === '|' || c === ')') break;
      // Quantifiers.
      if (c === '*' || c === '+' || c === '?' || (c === '{' && this.repeatAhead())) {
        if (lastAtom === null) this.fail(`missing argument to repetition operator: \`${c}\``);
        if (lastWasRepeat) this.fail(`invalid nested repetition operator: \`${c}\``);
        let q: string;
        if (c === '{') {
          const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i)) as RegExpExecArray;
          const lo = Number(m[1]);
          const hi = m[3] === undefined ? (m[2] ? -1 : lo) : Number(m[3]);
          if (lo > 1000 || hi > 1000 || (hi !== -1 && hi < lo)) this.fail(`invalid repeat count: \`${m[0]}\``);
          q = m[0];
          this.i += m[0].length;
        } else {
          q = c;
          this.i++;
        }
        let lazy = false;
        if (this.peek() === '?') {
          lazy = true;
          this.i++;
        }
        if (flags.U) lazy = !lazy;
        out += q + (lazy ? '?' : '');
        lastWasRepeat = true;
        continue;
      }
      lastWasRepeat = false;
      const atom = this.atom(flags, depth);
      if (atom === null) continue; // flag group: nothing emitted
      out += atom.text;
      lastAtom = atom.repeatable ? atom.text : null;
    }
    return out;
  }

  private repeatAhead(): boolean {
    return /^\{\d+(,\d*)?\}/.test(this.src.slice(this.i));
  }

  private atom(flags: Flags, depth: number): { text: string; repeatable: boolean } | null {
    const c = this.peek() as string;
    switch (c) {
      case '(':
        return this.group(flags, depth);
      case '[':
        return { text: this.charClass(flags), repeatable: true };
      case '.':
        this.i++;
        return { text: flags.s ? '[\\s\\S]' : '[^\\n]', repeatable: true };
      case '^':
        this.i++;
        return { text: flags.m ? '(?<![^\\n])' : '^', repeatable: false };
      case '$':
        this.i++;
        return { text: flags.m ? '(?![^\\n])' : '$', repeatable: false };
      case '\\':
        return this.escape(flags);
      default: {
        const cp = this.src.codePointAt(this.i) as number;
        this.i += cp > 0xffff ? 2 : 1;
        return { text: this.literal(cp, flags), repeatable: true };
      }
    }
  }

  private literal(cp: number, flags: Flags): string {
    if (flags.i && !this.globalI) {
      const vs = caseVariants(cp);
      if (vs.length > 1) return '[' + vs.map(classChar).join('') + ']';
    }
    return litChar(cp);
  }

  private group(flags: Flags, depth: number): { text: string; repeatable: boolean } | null {
    const rest = this.src.slice(this.i);
    if (rest.startsWith('(?P<') || rest.startsWith('(?<')) {
      if (rest.startsWith('(?<=') || rest.startsWith('(?<!')) this.fail(`invalid or unsupported Perl syntax: \`${rest.slice(0, 4)}\``);
      const m = /^\(\?P?<([A-Za-z0-9_]*)>/.exec(rest);
      if (!m || m[1] === '') this.fail(`invalid named capture: \`${rest.slice(0, 20)}\``);
      const name = m[1] as string;
      if (this.names.has(name)) this.fail(`duplicate capture group name: \`${name}\``);
      this.names.add(name);
      this.i += m[0].length;
      this.groups++;
      // JS group names cannot start with a digit; RE2's can. Such names are renamed (only
      // numbered access is used by the builtins).
      const jsName = /^[A-Za-z_]/.test(name) ? name : `_re2_${name}`;
      const inner = this.alternation({ ...flags }, depth + 1);
      this.expect(')');
      return { text: `(?<${jsName}>${inner})`, repeatable: true };
    }
    if (rest.startsWith('(?')) {
      const m = /^\(\?([imsU]*)(?:-([imsU]*))?(:|\))/.exec(rest);
      if (!m) this.fail(`invalid or unsupported Perl syntax: \`${rest.slice(0, 3)}\``);
      // `(?)` and `(?-)` name no flag at all: Go rejects them.
      if ((m[1] === '' && m[2] === undefined && m[3] === ')') || (m[2] === '' && m[0].includes('-'))) {
        this.fail(`invalid or unsupported Perl syntax: \`${m[0]}\``);
      }
      this.i += m[0].length;
      const f: Flags = { ...flags };
      for (const x of m[1] ?? '') f[x as keyof Flags] = true;
      for (const x of m[2] ?? '') f[x as keyof Flags] = false;
      if (m[3] === ')') {
        // (?flags) applies to the rest of the current group.
        Object.assign(flags, f);
        return null;
      }
      const inner = this.alternation(f, depth + 1);
      this.expect(')');
      return { text: `(?:${inner})`, repeatable: true };
    }
    this.i++;
    this.groups++;
    const inner = this.alternation({ ...flags }, depth + 1);
    this.expect(')');
    return { text: `(${inner})`, repeatable: true };
  }

  private expect(c: string): void {
    if (this.peek() !== c) this.fail(c === ')' ? `missing closing ): \`${this.src}\`` : `missing ${c}`);
    this.i++;
  }

  /** Escape outside a class. */
  private escape(flags: Flags): { text: string; repeatable: boolean } {
    const c = this.peek(1);
    if (c === undefined) this.fail('trailing backslash at end of expression: ``');
    switch (c) {
      case 'A':
        this.i += 2;
        return { text: '^', repeatable: false };
      case 'z':
        this.i += 2;
        return { text: '$', repeatable: false };
      case 'b':
      case 'B':
        this.i += 2;
        return { text: '\\' + c, repeatable: false };
      case 'Q': {
        this.i += 2;
        const end = this.src.indexOf('\\E', this.i);
        const lit = end === -1 ? this.src.slice(this.i) : this.src.slice(this.i, end);
        this.i = end === -1 ? this.src.length : end + 2;
        let out = '';
        for (const ch of lit) out += this.literal(ch.codePointAt(0) as number, flags);
        return { text: out === '' ? '(?:)' : `(?:${out})`, repeatable: true };
      }
      case 'C':
        this.i += 2;
        return { text: '[\\s\\S]', repeatable: true };
    }
    const cls = this.classEscape();
    if (cls.kind === 'ranges') {
      const rs = flags.i && !this.globalI ? foldRanges(cls.ranges) : cls.ranges;
      return { text: '[' + rangesToClass(rs) + ']', repeatable: true };
    }
    if (cls.kind === 'prop') return { text: cls.text, repeatable: true };
    return { text: this.literal(cls.cp, flags), repeatable: true };
  }

  /**
   * An escape usable both inside and outside classes: a single code point, a range set
   * (\d \s \w and negations), or a Unicode property.
   */
  private classEscape(): { kind: 'cp'; cp: number } | { kind: 'ranges'; ranges: [number, number][] } | { kind: 'prop'; text: string; negated: boolean } {
    const c = this.peek(1) as string;
    this.i += 2;
    switch (c) {
      case 'a':
        return { kind: 'cp', cp: 7 };
      case 'f':
        return { kind: 'cp', cp: 12 };
      case 't':
        return { kind: 'cp', cp: 9 };
      case 'n':
        return { kind: 'cp', cp: 10 };
      case 'r':
        return { kind: 'cp', cp: 13 };
      case 'v':
        return { kind: 'cp', cp: 11 };
      case 'd':
      case 's':
      case 'w':
        return { kind: 'ranges', ranges: PERL[c] as [number, number][] };
      case 'D':
      case 'S':
      case 'W':
        return { kind: 'ranges', ranges: complement(PERL[c.toLowerCase()] as [number, number][]) };
      case 'x': {
        if (this.peek() === '{') {
          const m = /^\{([0-9a-fA-F]+)\}/.exec(this.src.slice(this.i));
          if (!m || parseInt(m[1] as string, 16) > 0x10ffff) this.fail('invalid escape sequence: `\\x{`');
          this.i += m[0].length;
          return { kind: 'cp', cp: parseInt(m[1] as string, 16) };
        }
        const h = this.src.slice(this.i, this.i + 2);
        if (!/^[0-9a-fA-F]{2}$/.test(h)) this.fail(`invalid escape sequence: \`\\x${h}\``);
        this.i += 2;
        return { kind: 'cp', cp: parseInt(h, 16) };
      }
      case 'p':
      case 'P': {
        let name: string;
        if (this.peek() === '{') {
          const end = this.src.indexOf('}', this.i);
          if (end === -1) this.fail(`invalid character class range: \`\\${c}{\``);
          name = this.src.slice(this.i + 1, end);
          this.i = end + 1;
        } else {
          name = this.peek() ?? '';
          this.i++;
        }
        let neg = c === 'P';
        if (name.startsWith('^')) {
          neg = !neg;
          name = name.slice(1);
        }
        let prop: string;
        if (name === 'Any') prop = neg ? '[^\\s\\S]' : '[\\s\\S]';
        else {
          const body = GENERAL_CATEGORIES.has(name) ? name : `Script=${name}`;
          try {
            new RegExp(`\\p{${body}}`, 'u');
          } catch {
            this.fail(`invalid character class range: \`\\${c}{${name}}\``);
          }
          prop = `\\${neg ? 'P' : 'p'}{${body}}`;
        }
        return { kind: 'prop', text: prop, negated: neg };
      }
    }
    if (c >= '0' && c <= '7') {
      // A lone \1–\7 would be a backreference, which RE2 does not support.
      const m = /^[0-7]{0,2}/.exec(this.src.slice(this.i)) as RegExpExecArray;
      if (c !== '0' && m[0].length === 0) this.fail(`invalid escape sequence: \`\\${c}\``);
      this.i += m[0].length;
      return { kind: 'cp', cp: parseInt(c + m[0], 8) };
    }
    const cp = c.codePointAt(0) as number;
    // Only punctuation may be escaped (Go: "invalid escape sequence" otherwise).
    if (cp < 0x80 && !/[A-Za-z0-9]/.test(c)) return { kind: 'cp', cp };
    if (c === '8' || c === '9') this.fail(`invalid escape sequence: \`\\${c}\``);
    this.fail(`invalid escape sequence: \`\\${c}\``);
  }

  private charClass(flags: Flags): string {
    const start = this.i;
    this.i++;
    let negated = false;
    if (this.peek() === '^') {
      negated = true;
      this.i++;
    }
    const ranges: [number, number][] = [];
    const props: string[] = [];
    let first = true;
    for (;;) {
      const c = this.peek();
      if (c === undefined) this.fail(`missing closing ]: \`${this.src.slice(start)}\``);
      if (c === ']' && !first) {
        this.i++;
        break;
      }
      first = false;
      if (c === '[' && this.peek(1) === ':') {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(this.src.slice(this.i));
        if (m) {
          const rs = POSIX[m[2] as string];
          if (!rs) this.fail(`invalid character class range: \`${m[0]}\``);
          ranges.push(...(m[1] ? complement(rs) : rs));
          this.i += m[0].length;
          continue;
        }
      }
      const lo = this.classAtom(ranges, props);
      if (lo === undefined) continue;
      if (this.peek() === '-' && this.peek(1) !== ']' && this.peek(1) !== undefined) {
        this.i++;
        const hi = this.classAtom(ranges, props);
        if (hi === undefined || hi < lo) this.fail(`invalid character class range: \`${this.src.slice(start, this.i)}\``);
        ranges.push([lo, hi]);
      } else ranges.push([lo, lo]);
    }
    const rs = flags.i && !this.globalI ? foldRanges(ranges) : ranges;
    const body = rangesToClass(rs) + props.join('');
    // Only possible via \P{Any}: an empty class matches nothing (negated: anything).
    if (body === '') return negated ? '[\\s\\S]' : '[^\\s\\S]';
    return '[' + (negated ? '^' : '') + body + ']';
  }

  /** One class member: returns a code point, or undefined after adding a set to ranges/props. */
  private classAtom(ranges: [number, number][], props: string[]): number | undefined {
    const c = this.peek() as string;
    if (c === '\\') {
      const e = this.classEscape();
      if (e.kind === 'cp') return e.cp;
      if (e.kind === 'ranges') ranges.push(...e.ranges);
      else props.push(e.text.startsWith('[') ? (e.text === '[\\s\\S]' ? '\\s\\S' : '') : e.text);
      return undefined;
    }
    const cp = this.src.codePointAt(this.i) as number;
    this.i += cp > 0xffff ? 2 : 1;
    return cp;
  }
}

/** Adds case variants to ranges (ASCII letters exactly; other code points one by one if few). */
function foldRanges(rs: [number, number][]): [number, number][] {
  const out: [number, number][] = [...rs];
  for (const [lo, hi] of rs) {
    if (hi - lo > 2000) continue; // huge ranges: leave as is (their case variants are mostly inside)
    for (let cp = lo; cp <= hi; cp++) for (const v of caseVariants(cp)) if (v !== cp) out.push([v, v]);
  }
  return out;
}

/**
 * Translates an RE2 pattern. Throws Re2SyntaxError for patterns Go's regexp.Compile rejects.
 *
 * @example translateRe2('(?i)^(?P<user>\\w+)@\\z') // { source: '^(?<user>[0-9A-Z_a-z]+)@$', flags: 'iu' }
 */
export function translateRe2(pattern: string): { source: string; flags: string } {
  const t = new Translator(pattern);
  const out = t.translate();
  try {
    new RegExp(out.source, out.flags);
  } catch (e) {
    throw new Re2SyntaxError(`error parsing regexp: ${(e as Error).message}`);
  }
  return out;
}
