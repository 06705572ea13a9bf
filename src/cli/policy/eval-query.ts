/**
 * How `opa eval` turns a query into results (rego.go, rewriteQueryToCaptureValue): every
 * expression of the query is a result expression with its source text and location; the value
 * of one that is a plain term (`data.x`, `input.a[i]`, `false`) or a call whose function returns
 * something (`f(1)`, `count(x)`, `1 == 2`) is captured, every other expression (`x := …`, `x = …`,
 * `not …`, `some … in …`, a call with an output argument) has the value `true`. With several
 * expressions, or iteration (a variable inside a ref, `walk`), a captured value must also be
 * truthy for the row to count; a single expression keeps even `false` (`opa eval '1 == 2'`
 * prints false).
 *
 * regate rewrites the query text (`__regate_c0 = f(1)`) and maps error columns back onto the
 * text the user wrote.
 *
 * @example
 *   const q = captureQuery('f(1); x := 2', parsedModules);
 *   q.text;  // '__regate_c0 = f(1); x := 2\n__regate_c0'
 *   q.exprs; // [{ text: 'f(1)', row: 1, col: 1, capture: '__regate_c0' }, { text: 'x := 2', row: 1, col: 7 }]
 */
import { CompileErrors, RegoError, parseQuery, type RegoVersion } from '../../policy/index.js';
import { defaultRegistry } from '../../policy/builtins/index.js';
import type { Literal, Module, Term } from '../../policy/syntax/ast.js';

export interface QueryExpr {
  /** the expression as written */
  text: string;
  row: number;
  col: number;
  /** the variable that holds its value, when it is captured */
  capture?: string;
}

export interface CapturedQuery {
  /** the query to compile */
  text: string;
  /** the result expressions, in query order */
  exprs: QueryExpr[];
  /** maps a location in `text` back to the query as written */
  unshift(line: number, col: number): number;
}

export const CAPTURE_PREFIX = '__regate_c';

/** A call's arity: a builtin's from the registry, a user function's from its rule; undefined when unknown or void (print). */
function arityOf(fn: string[], modules: () => readonly Module[]): number | undefined {
  if (fn[0] !== 'data') {
    const name = fn.join('.');
    if (name === 'print' || name === 'internal.print') return undefined;
    return defaultRegistry.get(name)?.arity;
  }
  const path = fn.slice(1).join('.');
  for (const m of modules()) {
    for (const r of m.rules) {
      if (r.args === undefined) continue;
      const name = [...m.package, ...r.ref.map((t) => (t.kind === 'string' ? t.value : '?'))].join('.');
      if (name === path) return r.args.length;
    }
  }
  return undefined;
}

/** Does the term iterate: a var inside a ref (not its head), or a call of `walk`? Comprehensions are closures and do not count. */
function iterates(t: Term): boolean {
  switch (t.kind) {
    case 'ref':
      return t.path.some((p) => p.kind === 'var' || iterates(p)) || iterates(t.head);
    case 'call':
      return t.fn.join('.') === 'walk' || t.args.some(iterates);
    case 'array':
    case 'set':
      return t.items.some(iterates);
    case 'object':
      return t.entries.some(([k, v]) => iterates(k) || iterates(v));
    case 'template':
      return t.parts.some((p) => typeof p !== 'string' && iterates(p));
    default:
      return false;
  }
}

function literalIterates(l: Literal): boolean {
  const e = l.expr;
  switch (e.kind) {
    case 'term':
      return iterates(e.term);
    case 'assign':
    case 'unify':
      return iterates(e.lhs) || iterates(e.rhs);
    case 'somein':
      return true;
    default:
      return false;
  }
}

/** Offset of (line, col) in `text` (both 1-based). */
function offsetOf(text: string, line: number, col: number): number {
  let off = 0;
  for (let l = 1; l < line; l++) off = text.indexOf('\n', off) + 1;
  return off + col - 1;
}

/** An expression's text: up to the next expression, without separators, blank lines and comment lines after it. */
function trimExpr(s: string): string {
  let out = s;
  for (;;) {
    const next = out.replace(/[\s;]+$/, '');
    const nl = next.lastIndexOf('\n');
    const last = next.slice(nl + 1);
    if (nl >= 0 && /^\s*#/.test(last)) out = next.slice(0, nl);
    else return next;
  }
}

/**
 * The query rewritten to capture its expressions' values. A query that does not parse is
 * returned as is: the compiler reports the parse error at its place.
 */
export function captureQuery(query: string, modules: () => readonly Module[], regoVersion: RegoVersion = 'v1'): CapturedQuery {
  let lits: Literal[];
  try {
    lits = parseQuery(query, '<query>', { regoVersion });
  } catch {
    return { text: query, exprs: [{ text: query.trim(), row: 1, col: 1 }], unshift: (_l, c) => c };
  }
  const starts = lits.map((l) => offsetOf(query, l.span.line, l.span.col));
  const check = lits.length > 1 || lits.some(literalIterates);
  const exprs: QueryExpr[] = [];
  const inserts: { line: number; col: number; offset: number; text: string }[] = [];
  lits.forEach((l, i) => {
    // `some x` only declares: OPA's compiler drops it from the query, so it is no result expression.
    if (l.expr.kind === 'some') return;
    const text = trimExpr(query.slice(starts[i], starts[i + 1] ?? query.length));
    const x: QueryExpr = { text, row: l.span.line, col: l.span.col };
    const e = l.expr;
    const captured = !l.negated && e.kind === 'term' && (e.term.kind !== 'call' || arityOf(e.term.fn, modules) === e.term.args.length);
    if (captured) {
      x.capture = `${CAPTURE_PREFIX}${i}`;
      inserts.push({ line: l.span.line, col: l.span.col, offset: starts[i]!, text: `${x.capture} = ` });
    }
    exprs.push(x);
  });
  let text = query;
  for (const ins of [...inserts].reverse()) text = text.slice(0, ins.offset) + ins.text + text.slice(ins.offset);
  if (check) for (const x of exprs) if (x.capture) text += `\n${x.capture}`;
  return {
    text,
    exprs,
    unshift(line, col) {
      let shift = 0;
      for (const ins of inserts) {
        if (ins.line !== line) continue;
        const at = ins.col + shift;
        if (col < at) break;
        if (col < at + ins.text.length) return ins.col;
        shift += ins.text.length;
      }
      return col - shift;
    },
  };
}

/** `e` with the query's locations moved back onto the query as written (its own line text for the caret). */
export function unshiftErrors(e: unknown, q: CapturedQuery, original: string): unknown {
  const lines = original.split('\n');
  const fix = (x: RegoError): RegoError => {
    const loc = x.location;
    if (loc === undefined || loc.file !== '<query>') return x;
    const text = lines[loc.line - 1];
    return new RegoError(x.code, x.message, { ...(x.opaCode ? { opaCode: x.opaCode } : {}), location: { file: loc.file, line: loc.line, col: q.unshift(loc.line, loc.col), ...(text === undefined ? {} : { text }) } });
  };
  if (e instanceof CompileErrors) return new CompileErrors(e.errors.map(fix));
  if (e instanceof RegoError) return fix(e);
  return e;
}
