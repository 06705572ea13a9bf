/**
 * `expr with target as value`: targets are `input[.path]`, `data.path` or a function/builtin.
 * input/data targets plan as WithStmt around the expression; the rest of the body runs inside a
 * second WithStmt that restores the saved originals (OPA's planner does the same "undo").
 * Rules under a replaced data path, and mocked functions, are planned into specialised funcs
 * (named with a `#n` suffix) that read the replacement instead of evaluating the rule.
 */
import type { Local, Operand } from '../ir/types.js';
import type { Literal, Span, Term } from '../syntax/ast.js';
import { createCompileError } from './compile-error.js';
import { planLiteral } from './plan-body.js';
import { planTerms } from './plan-term.js';
import { refName } from '../syntax/parse-term.js';
import type { K, MockContext, Planner, Scope } from './planner.js';
import { MOCK_KEY } from './plan-call.js';
import { WITH_BAD_PATH } from '../backend/with-bad-path.js';

interface DocTarget {
  local: Local;
  path: string[];
  op: Operand;
}

export function planWith(pl: Planner, lit: Literal, s: Scope, k: K): void {
  const outer = pl.mocks;
  const mocks: MockContext = { data: [...outer.data], fns: new Map(outer.fns) };
  const docValues: Term[] = [];
  const docTargets: { local: Local; path: string[] }[] = [];
  // values of input/data targets that are not paths of strings: evaluated, then the error
  const badValues: Term[] = [];
  for (const w of lit.with) {
    const bad = badDocPath(w.target);
    if (bad !== undefined) {
      if (bad[0] === 'data' && replacesVirtual(pl, bad.slice(1), w.target)) {
        pl.errors.push(createCompileError('REGO_ERR_WITH_TARGET', 'with keyword cannot partially replace virtual document(s)', w.target.span));
        return;
      }
      badValues.push(w.value);
      continue;
    }
    const path = docPath(w.target);
    const root = path?.[0];
    const isFn = path !== undefined && root !== 'input' && (root !== 'data' || isFunctionPath(pl, path.slice(1)));
    // a document path may hold any string key (`input.config["a.b"]`), and so may a function's
    // package (`data.lib["v:1"].f`, as OPA resolves any ref to a rule)
    const name = isFn ? refName(w.target, true) : path;
    if (name === undefined) {
      pl.errors.push(createCompileError('REGO_ERR_TYPE', 'with keyword target must reference existing input, data, or a function', w.target.span));
      return;
    }
    const refused = isFn && root !== 'data' ? builtinTargetError(pl, name, w.span) : undefined;
    if (refused !== undefined) {
      pl.errors.push(createCompileError('REGO_ERR_WITH_TARGET', `with keyword replacing built-in function: ${refused}`, w.target.span));
      return;
    }
    if (isFn && root !== 'data' && pl.arityOf({ kind: 'call', fn: name, args: [], span: w.span, fnSpan: w.span }) === undefined) {
      // neither input, data nor a builtin: OPA's validateWith refuses it (a rego_type_error)
      pl.errors.push(createCompileError('REGO_ERR_TYPE', 'with keyword target must reference existing input, data, or a function', w.target.span));
      return;
    }
    if (isFn) {
      const valueName = w.value.kind === 'var' || w.value.kind === 'ref' ? refName(w.value, true) : undefined;
      const fnValue = valueName !== undefined && (valueName[0] === 'data'
        ? isFunctionPath(pl, valueName.slice(1))
        : pl.arityOf({ kind: 'call', fn: valueName, args: [], span: w.span, fnSpan: w.span }) !== undefined);
      if (fnValue) {
        // OPA's type checker (checkExprWith): a function replaced by a function of another arity
        const want = fnArity(pl, name, w.span);
        const have = fnArity(pl, valueName, w.span);
        if (want !== undefined && have !== undefined && want >= 0 && have >= 0 && want !== have) {
          // the type checker reports it with the argument types when it knows them (checkWithFunction)
          // (its error is the arity code at this `with`; matched by code and place, never by text)
          const typed = pl.errors.some((e) => e.code === 'REGO_ERR_ARITY' && e.location?.line === w.span.line && e.location.col === w.span.col && e.location.file === w.span.file);
          if (!typed) pl.errors.push(createCompileError('REGO_ERR_ARITY', `${name.join('.')}: arity mismatch`, w.span));
          return;
        }
        mocks.fns.set(name.join('.'), { kind: 'fn', name: valueName });
        continue;
      }
      // a value replacement travels in data["$mock"][name] so specialised funcs can read it
      const key = name.join('.');
      mocks.fns.set(key, { kind: 'value', key });
      docTargets.push({ local: 1, path: [MOCK_KEY, key] });
      docValues.push(w.value);
      continue;
    }
    if (root === 'data') {
      // a path through a rule would replace part of a document the rule computes, which OPA
      // refuses (validateWithModifierTarget) rather than silently not applying
      const below = name.slice(1);
      for (let i = 1; i < below.length; i++) {
        if (pl.index.groups.has(JSON.stringify(below.slice(0, i)))) {
          pl.errors.push(createCompileError('REGO_ERR_WITH_TARGET', 'with keyword cannot partially replace virtual document(s)', w.target.span));
          return;
        }
      }
    }
    docTargets.push({ local: root === 'input' ? 0 : 1, path: name.slice(1) });
    docValues.push(w.value);
    if (root === 'data') mocks.data.push(name.slice(1));
  }
  planTerms(pl, [...docValues, ...badValues], s, (ops, s2) => {
    if (badValues.length > 0) {
      // OPA evaluates the values, then fails merging the targets (evalWith, mergeTermWithValues)
      pl.useBuiltin(WITH_BAD_PATH, 0);
      pl.emit('CallStmt', { func: WITH_BAD_PATH, args: [], result: pl.local() });
    }
    const targets: DocTarget[] = docTargets.map((t, i) => ({ ...t, op: ops[i]! }));
    const savedIn = pl.local();
    const savedData = pl.local();
    pl.emit('AssignVarStmt', { source: { type: 'local', value: 0 }, target: savedIn });
    pl.emit('AssignVarStmt', { source: { type: 'local', value: 1 }, target: savedData });
    const inner = (i: number): void => {
      if (i < targets.length) {
        const t = targets[i]!;
        const block = pl.block(() => inner(i + 1));
        pl.emit('WithStmt', { local: t.local, path: t.path.map((p) => pl.strIndex(p)), value: t.op, block });
        return;
      }
      pl.mocks = mocks;
      planLiteral(pl, { ...lit, with: [] }, s2, (s3) => {
        // undo: the rest of the body sees the original input, data and functions
        const saved = pl.mocks;
        pl.mocks = outer;
        const restoreData = pl.block(() => k(s3));
        const restoreIn = pl.block(() => pl.emit('WithStmt', { local: 1, path: null, value: { type: 'local', value: savedData }, block: restoreData }));
        pl.emit('WithStmt', { local: 0, path: null, value: { type: 'local', value: savedIn }, block: restoreIn });
        pl.mocks = saved;
      });
      pl.mocks = outer;
    };
    inner(0);
  });
}

/** `input`, `data` or a ref from a var through string keys: its names (`["input", "config", "a.b"]`). */
function docPath(t: Term): string[] | undefined {
  if (t.kind === 'var') return [t.name];
  if (t.kind !== 'ref' || t.head.kind !== 'var') return undefined;
  const out = [t.head.name];
  for (const k of t.path) {
    if (k.kind !== 'string') return undefined;
    out.push(k.value);
  }
  return out;
}

/**
 * An input or data target with a key that is not a string (`input[x]`, `input.a[0]`,
 * `data.a[1]`): OPA compiles it (validateWith checks the root only) and raises
 * eval_conflict_error "bad document path" when the `with` is evaluated. Its root and the string
 * keys before the first other one; undefined for any other target.
 */
function badDocPath(t: Term): string[] | undefined {
  if (t.kind !== 'ref' || t.head.kind !== 'var' || (t.head.name !== 'input' && t.head.name !== 'data')) return undefined;
  const out = [t.head.name];
  for (const k of t.path) {
    if (k.kind !== 'string') return out;
    out.push(k.value);
  }
  return undefined;
}

/**
 * Does the data target pass through a rule? OPA's validateWith walks the rule tree along the
 * target's keys but its last, and stops at the first key it has no child for (a non-string key).
 */
function replacesVirtual(pl: Planner, strings: string[], target: Term): boolean {
  const all = target.kind === 'ref' ? target.path.length : 0;
  for (let i = 1; i <= strings.length && i < all; i++) {
    if (pl.index.groups.has(JSON.stringify(strings.slice(0, i)))) return true;
  }
  return false;
}

/**
 * Builtins `with` may not replace (OPA's validateWithBuiltinTarget): `=` and the metadata calls,
 * which the compiler rewrites away, internal functions, a relation (`walk`, several outputs per
 * call) and a function without a result (`print`). Undefined when the target may be replaced.
 */
function builtinTargetError(pl: Planner, name: string[], span: Span): string | undefined {
  const n = name.join('.');
  if (n === 'eq' || n === 'rego.metadata.chain' || n === 'rego.metadata.rule') return `replacement of "${n}" invalid`;
  if (pl.arityOf({ kind: 'call', fn: name, args: [], span, fnSpan: span }) === undefined) return undefined;
  if (name[0] === 'internal') return `replacement of internal function "${n}" invalid`;
  if (n === 'walk') return 'target must not be a relation';
  if (n === 'print') return 'target must not be a void function';
  return undefined;
}

function fnArity(pl: Planner, name: string[], span: Span): number | undefined {
  if (name[0] === 'data') return pl.index.groups.get(JSON.stringify(name.slice(1)))?.arity;
  return pl.arityOf({ kind: 'call', fn: name, args: [], span, fnSpan: span });
}

function isFunctionPath(pl: Planner, path: string[]): boolean {
  return pl.index.groups.get(JSON.stringify(path))?.kind === 'function';
}
