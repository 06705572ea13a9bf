/**
 * `regex.globs_match`: do two "globs" (a regex subset: literals, `.`, `[…]` sets with ranges,
 * `\` escapes, each optionally followed by `*`, `+` or `?`) match at least one common string?
 * OPA delegates to github.com/yashtewari/glob-intersection; this is an independent product-
 * automaton search with the same input language and error wording.
 */
import { BuiltinError } from '../../errors.js';

type CharSet = { any: true } | { any: false; ranges: [number, number][] };
interface Token {
  set: CharSet;
  q: '' | '*' | '+' | '?';
}

function invalid(input: string, pos: number, msg: string): BuiltinError {
  return new BuiltinError('regex.globs_match', `input:${input}, pos:${pos}, ${msg}: the input provided is invalid`);
}

function tokenize(input: string): Token[] {
  const cps = Array.from(input);
  const out: Token[] = [];
  let i = 0;
  while (i < cps.length) {
    const c = cps[i] as string;
    let set: CharSet;
    if (c === '.') {
      set = { any: true };
      i++;
    } else if (c === '[') {
      const ranges: [number, number][] = [];
      i++;
      let closed = false;
      while (i < cps.length) {
        let d = cps[i] as string;
        if (d === ']') {
          closed = true;
          i++;
          break;
        }
        if (d === '\\') {
          i++;
          if (i >= cps.length) throw invalid(input, i, "escape '\\' at end of input");
          d = cps[i] as string;
        }
        const lo = d.codePointAt(0) as number;
        i++;
        if (cps[i] === '-' && cps[i + 1] !== undefined && cps[i + 1] !== ']') {
          let e = cps[i + 1] as string;
          i += 2;
          if (e === '\\') {
            e = cps[i] ?? '';
            i++;
          }
          const hi = e.codePointAt(0) ?? lo;
          if (hi < lo) throw invalid(input, i, 'range is out of order');
          ranges.push([lo, hi]);
        } else ranges.push([lo, lo]);
      }
      if (!closed) throw invalid(input, i, "set-open '[' with no closing ']'");
      set = { any: false, ranges };
    } else if (c === ']') {
      throw invalid(input, i + 1, "set-close ']' with no preceding '['");
    } else if (c === '*' || c === '+' || c === '?') {
      throw invalid(input, i + 1, `flag '${c}' with no preceding character`);
    } else {
      let lit = c;
      if (c === '\\') {
        i++;
        if (i >= cps.length) throw invalid(input, i, "escape '\\' at end of input");
        lit = cps[i] as string;
      }
      const cp = lit.codePointAt(0) as number;
      set = { any: false, ranges: [[cp, cp]] };
      i++;
    }
    let q: Token['q'] = '';
    const n = cps[i];
    if (n === '*' || n === '+' || n === '?') {
      q = n;
      i++;
      const n2 = cps[i];
      if (n2 === '*' || n2 === '+' || n2 === '?') throw invalid(input, i + 1, `flag '${n2}' with no preceding character`);
    }
    out.push({ set, q });
  }
  return out;
}

function intersects(a: CharSet, b: CharSet): boolean {
  if (a.any || b.any) return a.any ? b.any || b.ranges.length > 0 : a.ranges.length > 0;
  for (const [x0, x1] of a.ranges) for (const [y0, y1] of b.ranges) if (x0 <= y1 && y0 <= x1) return true;
  return false;
}

/** Epsilon closure of position i: skipping optional tokens (`*`, `?`). */
function closure(ts: Token[], i: number): number[] {
  const out = [i];
  while (i < ts.length && ((ts[i] as Token).q === '*' || (ts[i] as Token).q === '?')) out.push(++i);
  return out;
}

/** Positions reachable by consuming one character matched by token i. */
function steps(ts: Token[], i: number): number[] {
  const t = ts[i] as Token;
  // `*` and `+` may stay on the token; every quantifier may move past it.
  return t.q === '*' || t.q === '+' ? [i, i + 1] : [i + 1];
}

export function globsIntersect(a: string, b: string): boolean {
  const ta = tokenize(a);
  const tb = tokenize(b);
  const seen = new Set<number>();
  const W = tb.length + 1;
  const stack: [number, number][] = [];
  const push = (i: number, j: number) => {
    for (const x of closure(ta, i)) {
      for (const y of closure(tb, j)) {
        const k = x * W + y;
        if (!seen.has(k)) {
          seen.add(k);
          stack.push([x, y]);
        }
      }
    }
  };
  push(0, 0);
  // Each (i, j) pair is visited once: bounded by |a|·|b|.
  while (stack.length > 0) {
    const [i, j] = stack.pop() as [number, number];
    if (i === ta.length && j === tb.length) return true;
    if (i === ta.length || j === tb.length) continue;
    if (!intersects((ta[i] as Token).set, (tb[j] as Token).set)) continue;
    for (const x of steps(ta, i)) for (const y of steps(tb, j)) push(x, y);
  }
  return false;
}
