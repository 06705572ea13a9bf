/**
 * Go `strings` package behaviour that JS lacks or does differently (OPA's string builtins are
 * thin wrappers over it): code-point cutsets, unicode.IsSpace, strings.Replacer's
 * argument-order priority, rune-wise case mapping.
 */

/** unicode.IsSpace: the Unicode White_Space property (JS \s also has U+FEFF, Go does not). */
export function isGoSpace(cp: number): boolean {
  switch (cp) {
    case 0x09: case 0x0a: case 0x0b: case 0x0c: case 0x0d: case 0x20: case 0x85: case 0xa0:
    case 0x1680: case 0x2028: case 0x2029: case 0x202f: case 0x205f: case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200a;
  }
}

/** strings.Trim / TrimLeft / TrimRight with a cutset of code points. */
export function trimCutset(s: string, cutset: string, left: boolean, right: boolean): string {
  if (s === '' || cutset === '') return s;
  const cut = new Set(Array.from(cutset, (c) => goRune(c.codePointAt(0) as number)));
  return trimBy(s, (cp) => cut.has(cp), left, right);
}

/**
 * The rune Go's utf8.DecodeRuneInString reads: an escaped raw byte (value/go-bytes.ts) is
 * U+FFFD (so a cutset with U+FFFD or a raw byte trims raw bytes, as strings.ContainsRune does).
 */
function goRune(cp: number): number {
  return cp >= 0xdc80 && cp <= 0xdcff ? 0xfffd : cp;
}

export function trimBy(s: string, drop: (cp: number) => boolean, left: boolean, right: boolean): string {
  const cps = Array.from(s);
  let a = 0;
  let b = cps.length;
  if (left) while (a < b && drop(goRune((cps[a] as string).codePointAt(0) as number))) a++;
  if (right) while (b > a && drop(goRune((cps[b - 1] as string).codePointAt(0) as number))) b--;
  return a === 0 && b === cps.length ? s : cps.slice(a, b).join('');
}

/**
 * strings.NewReplacer(old1, new1, old2, new2, …).Replace(s): left to right, no overlaps, and at
 * each position the first pair in argument order that matches wins. An empty `old` matches
 * before every code point and at the end.
 */
export function replaceGo(s: string, pairs: readonly (readonly [string, string])[]): string {
  if (pairs.length === 1) {
    const [o, n] = pairs[0] as readonly [string, string];
    if (o !== '') return s.split(o).join(n);
  }
  let out = '';
  let i = 0;
  for (;;) {
    let matched = false;
    for (const [o, n] of pairs) {
      if (s.startsWith(o, i)) {
        out += n;
        if (o === '') break; // copy one code point below, then try again
        i += o.length;
        matched = true;
        break;
      }
    }
    if (i >= s.length) break;
    if (!matched) {
      const cp = s.codePointAt(i) as number;
      const w = cp > 0xffff ? 2 : 1;
      out += s.slice(i, i + w);
      i += w;
    }
  }
  return out;
}

/** unicode.ToUpper / ToLower applied rune by rune (simple case mapping: 'ß' stays 'ß'). */
export function mapCase(s: string, upper: boolean): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(s)) return upper ? s.toUpperCase() : s.toLowerCase();
  let out = '';
  for (const c of s) {
    // U+0130 has the simple lower-case mapping 'i' (JS applies the full "i̇" mapping).
    if (!upper && c === '\u0130') {
      out += 'i';
      continue;
    }
    // strings.Map writes a raw byte (value/go-bytes.ts) as U+FFFD.
    const cp = c.codePointAt(0) as number;
    if (cp >= 0xdc80 && cp <= 0xdcff) {
      out += '\ufffd';
      continue;
    }
    const m = upper ? c.toUpperCase() : c.toLowerCase();
    // Multi-character results are full case mappings Go does not apply.
    out += Array.from(m).length === 1 ? m : c;
  }
  return out;
}

/** Splits like strings.Split: an empty separator splits into code points. */
export function splitGo(s: string, sep: string): string[] {
  if (sep === '') return Array.from(s);
  return s.split(sep);
}

/** strings.Count: non-overlapping occurrences; an empty needle counts code points + 1. */
export function countGo(s: string, sub: string): number {
  if (sub === '') return Array.from(s).length + 1;
  let n = 0;
  for (let i = s.indexOf(sub); i !== -1; i = s.indexOf(sub, i + sub.length)) n++;
  return n;
}
