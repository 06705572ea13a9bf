/**
 * OPA's RewriteTemplateStrings stage (ast/compile.go, rewriteTemplateStrings): each `{expr}` of a
 * template string is captured in a set comprehension, `{t | t = expr}`, so it closes over the
 * variables of the body around it and may not bind any of its own. A variable of `expr` that
 * the body does not bind is "var x is undeclared" (rego_compile_error) — also a wildcard
 * (`$"{xs[_]}"` is "var _ is undeclared": iterating inside a template would render a set, not
 * the string of one element) and a ref key (`$"{xs[i]}"` with no other binding of i).
 *
 * Unlike print's operands (bound only by literals before the call), a template's variables may
 * be bound anywhere in the body: OPA takes the output variables of the whole body, in one pass
 * in written order (outputVarsForBody), so `msg := $"{x}"; x = 42` compiles. A comprehension's
 * body adds its own outputs for its head and body; `every` adds its key and value for its body
 * (not for its domain). A rule's arguments, `input` and `data` are always bound.
 *
 * A relation builtin (`walk`, the one OPA declares a relation) written as the whole expression
 * is "illegal call to relation built-in 'walk' that may cause multiple outputs". OPA gives that
 * error no location (it reads the location of a term not yet assigned); here it is located at
 * the call.
 *
 * @example
 *   checkTemplateStrings(body, [headValue], new Set(), arityOf, errors); // `p := $"{x}"` → var x is undeclared
 */
import type { RegoError } from '../errors.js';
import type { Literal, Term } from '../syntax/ast.js';
import { createCompileError } from './compile-error.js';
import { literalOutputs, type ArityOf } from './reorder.js';
import { isRoot, isWildcard, literalTerms, patternVars } from './vars.js';

/** Builtins OPA declares with `Relation: true` (ast/builtins.go): several outputs per call. */
const RELATIONS: ReadonlySet<string> = new Set(['walk']);

/** Checks the template strings of a resolved rule body and its head terms; returns whether it found errors. */
export function checkTemplateStrings(body: Literal[], head: Term[], globals: ReadonlySet<string>, arityOf: ArityOf, errors: RegoError[]): boolean {
  if (!containsTemplate(body) && !containsTemplate(head)) return false;
  const before = errors.length;
  const safe = checkBody(body, globals, arityOf, errors);
  for (const h of head) checkTerm(h, safe, arityOf, errors);
  return errors.length > before;
}

/** The variables a body binds, given `globals`, in one pass in written order (outputVarsForBody). */
function bodyOutputs(body: Literal[], globals: ReadonlySet<string>, arityOf: ArityOf): Set<string> {
  const cur = new Set(globals);
  for (const l of body) literalOutputs(l, cur, arityOf)?.forEach((v) => cur.add(v));
  return cur;
}

function checkBody(body: Literal[], globals: ReadonlySet<string>, arityOf: ArityOf, errors: RegoError[]): Set<string> {
  const safe = bodyOutputs(body, globals, arityOf);
  for (const l of body) {
    for (const t of literalTerms(l)) checkTerm(t, safe, arityOf, errors);
    const e = l.expr;
    if (e.kind === 'every') {
      const inner = new Set(safe);
      for (const t of e.key ? [e.key, e.value] : [e.value]) patternVars(t).forEach((v) => inner.add(v));
      checkBody(e.body, inner, arityOf, errors);
    }
  }
  return safe;
}

function checkTerm(t: Term, safe: ReadonlySet<string>, arityOf: ArityOf, errors: RegoError[]): void {
  switch (t.kind) {
    case 'template':
      for (const p of t.parts) {
        if (typeof p === 'string') continue;
        // `{e with …}` is parsed as its comprehension already; what is checked is e
        const e = p.kind === 'setcomp' && p.templateWith && p.body[0]?.expr.kind === 'unify' ? p.body[0].expr.rhs : p;
        checkPart(e, safe, errors);
        checkTerm(p, safe, arityOf, errors);
      }
      return;
    case 'arraycomp':
    case 'setcomp': {
      const s = checkBody(t.body, safe, arityOf, errors);
      checkTerm(t.term, s, arityOf, errors);
      return;
    }
    case 'objectcomp': {
      const s = checkBody(t.body, safe, arityOf, errors);
      checkTerm(t.key, s, arityOf, errors);
      checkTerm(t.value, s, arityOf, errors);
      return;
    }
    case 'ref':
      [t.head, ...t.path].forEach((x) => checkTerm(x, safe, arityOf, errors));
      return;
    case 'call':
      t.args.forEach((x) => checkTerm(x, safe, arityOf, errors));
      return;
    case 'array':
    case 'set':
      t.items.forEach((x) => checkTerm(x, safe, arityOf, errors));
      return;
    case 'object':
      for (const [k, v] of t.entries) {
        checkTerm(k, safe, arityOf, errors);
        checkTerm(v, safe, arityOf, errors);
      }
      return;
    default:
      return;
  }
}

function checkPart(e: Term, safe: ReadonlySet<string>, errors: RegoError[]): void {
  if (e.kind === 'call' && RELATIONS.has(e.fn.join('.'))) {
    errors.push(createCompileError('REGO_ERR_TEMPLATE_EXPR', `illegal call to relation built-in '${e.fn.join('.')}' that may cause multiple outputs`, e.span));
    return;
  }
  const unbound = [...partVars(e)].filter((v) => !safe.has(v)).map(shownName);
  for (const v of [...new Set(unbound)].sort()) errors.push(createCompileError('REGO_ERR_TEMPLATE_EXPR', `var ${v} is undeclared`, e.span));
}

const shownName = (v: string): string => (isWildcard(v) ? '_' : v.replace(/\$\d+$/, ''));

/**
 * The variables of a template expression as OPA's safety visitor sees them: closures (and
 * nested template strings, checked on their own) are skipped, a call's name is no variable.
 */
function partVars(t: Term, out = new Set<string>()): Set<string> {
  switch (t.kind) {
    case 'var':
      if (!isRoot(t.name)) out.add(t.name);
      break;
    case 'ref':
      [t.head, ...t.path].forEach((x) => partVars(x, out));
      break;
    case 'call':
      t.args.forEach((x) => partVars(x, out));
      break;
    case 'array':
    case 'set':
      t.items.forEach((x) => partVars(x, out));
      break;
    case 'object':
      for (const [k, v] of t.entries) {
        partVars(k, out);
        partVars(v, out);
      }
      break;
    default:
      break;
  }
  return out;
}

/** Does a node hold a template string anywhere (closures included)? Most rules have none. */
function containsTemplate(x: unknown): boolean {
  if (Array.isArray(x)) return x.some(containsTemplate);
  if (x === null || typeof x !== 'object') return false;
  const o = x as Record<string, unknown>;
  if (o['kind'] === 'template') return true;
  return Object.entries(o).some(([k, v]) => k !== 'span' && typeof v === 'object' && containsTemplate(v));
}
