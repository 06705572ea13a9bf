/**
 * Rules to funcs, one per document path (`g0.data.pkg.p`), params (input, data[, args…]):
 * - complete rules: each definition assigns with AssignVarOnceStmt, so two definitions with
 *   different values raise eval_conflict_error at run time; `else` chains try branches in order
 *   (a branch runs only while the chain's value is undefined); `default` fills in last;
 * - partial sets: MakeSetStmt then SetAddStmt per solution;
 * - object rules (`p[k] := v`, `p[x].y := v`): nested ObjectInsert, the last level "once";
 * - functions: like complete rules, arguments unify with the parameters.
 * A func referenced while it is being planned is recursion (rego_recursion_error).
 */
import type { Local, Operand } from '../ir/types.js';
import type { Literal, Span, Term } from '../syntax/ast.js';
import { checkTemplateStrings } from './check-template-strings.js';
import { recordDependency } from './check-recursion.js';
import { createCompileError } from './compile-error.js';
import { planBody, prepareBody } from './plan-body.js';
import { planTerms } from './plan-term.js';
import type { Planner, Scope } from './planner.js';

import { Resolver } from './resolve.js';
import type { RuleGroup, RuleInfo } from './rule-index.js';
import { allVars, isRoot, isWildcard, literalVars, patternVars } from './vars.js';

/** Name of the func for `g` under the current mocks, planning it on first use. */
export function ensureGroupFunc(pl: Planner, g: RuleGroup): string {
  const mockKey = pl.mocks.data.length + pl.mocks.fns.size === 0 ? '' : `#${mockId(pl)}`;
  const name = `g0.data.${g.path.join('.')}${mockKey}`;
  // OPA's recursion check reads the rule graph whatever `with` replaces: a rule met again while
  // it is being planned is recursive under any mocks (a `with` on the package that holds the
  // rule would otherwise plan it again under ever new mocks, without end)
  const base = `g0.data.${g.path.join('.')}`;
  const stack = [...pl.inProgress];
  recordDependency(pl, g);
  if (stack.some((n) => n.replace(/#.*$/, '') === base)) {
    // OPA's checkRecursion asks of every definition whether a path leads back to it: which do
    // is known once every rule is planned (check-recursion.ts)
    pl.recursionFound = true;
    return name;
  }
  if (pl.funcs.has(name)) return name;
  pl.inProgress.add(name);
  const savedRule = pl.currentRule;
  const savedDef = pl.planningDef;
  try {
    const nparams = 2 + g.arity;
    pl.withFunction(nparams, () => {
      const params = Array.from({ length: nparams }, (_, i) => i);
      const ret = pl.local();
      const blocks = planGroup(pl, g, ret, params.slice(2));
      pl.funcs.set(name, { name, params, return: ret, blocks, path: ['g0', ...g.path] });
    });
  } finally {
    pl.inProgress.delete(name);
    pl.currentRule = savedRule;
    pl.planningDef = savedDef;
  }
  return name;
}

const mockIds = new WeakMap<object, Map<string, number>>();
function mockId(pl: Planner): number {
  let m = mockIds.get(pl);
  if (m === undefined) mockIds.set(pl, (m = new Map()));
  const key = JSON.stringify([pl.mocks.data, [...pl.mocks.fns].map(([k, v]) => [k, v.kind === 'fn' ? v.name : v.key])]);
  let id = m.get(key);
  if (id === undefined) m.set(key, (id = m.size + 1));
  return id;
}

function planGroup(pl: Planner, g: RuleGroup, ret: Local, params: Local[]) {
  const blocks = [];
  // Statements that are no expression of the rule carry no line: OPA's coverage marks a head
  // only when its body succeeds (the rule's Exit), and these run whether it does or not.
  if (g.kind === 'set' || g.kind === 'object') {
    blocks.push(pl.block(() => {
      pl.span = pl.noLocation();
      pl.emit(g.kind === 'set' ? 'MakeSetStmt' : 'MakeObjectStmt', { target: ret });
    }));
  }
  for (const ri of g.rules) {
    blocks.push(pl.block(() => {
      pl.span = ri.rule.span;
      pl.currentRule = { ri, g };
      pl.planningDef = { rule: ri.rule, branch: 0 };
      if (g.kind === 'set') {
        planRuleBody(pl, ri, ri.rule.body, [ri.rule.contains!], params, ([v]) => pl.emit('SetAddStmt', { set: ret, value: v! }));
      } else if (g.kind === 'object') {
        const leaf = ri.rule.contains ?? valueOf(ri.rule.value);
        planRuleBody(pl, ri, ri.rule.body, [...ri.dynamic, leaf], params, (ops) => insertNested(pl, ret, ops, ri.rule.contains !== undefined));
      } else if (ri.rule.elses.length === 0) {
        planRuleBody(pl, ri, ri.rule.body, [valueOf(ri.rule.value)], params, ([v]) => pl.emit('AssignVarOnceStmt', { source: v!, target: ret }));
      } else planElseChain(pl, ri, ret, params);
    }));
  }
  for (const d of g.defaults) {
    blocks.push(pl.block(() => {
      pl.span = pl.noLocation();
      pl.planningDef = undefined;
      pl.emit('IsUndefinedStmt', { source: ret });
      planRuleBody(pl, d, [], [valueOf(d.rule.value)], params, ([v]) => pl.emit('AssignVarStmt', { source: v!, target: ret }));
    }));
  }
  blocks.push(pl.block(() => {
    pl.span = pl.noLocation();
    pl.emit('ReturnLocalStmt', { source: ret });
  }));
  return blocks;
}

const valueOf = (t: Term | undefined): Term => t ?? { kind: 'bool', value: true, span: { file: '', line: 0, col: 0 } };

/** `p := a if b else := c if d …`: the first branch with a solution gives the value. */
function planElseChain(pl: Planner, ri: RuleInfo, ret: Local, params: Local[]): void {
  const chain = pl.local();
  pl.span = pl.noLocation();
  pl.emit('ResetLocalStmt', { target: chain });
  const branches = [{ body: ri.rule.body, value: ri.rule.value, span: ri.rule.span }, ...ri.rule.elses];
  branches.forEach((b, j) => {
    pl.sub(() => {
      pl.span = pl.noLocation();
      pl.planningDef = { rule: ri.rule, branch: j };
      if (j > 0) pl.emit('IsUndefinedStmt', { source: chain });
      // within one branch, different values conflict like separate definitions do
      // an else branch's value is located at its `else` (OPA's else rule has that location): a
      // conflict is reported there, and coverage marks that line when the branch gives the value
      // and it is the rule's value there too (a conflict with another definition of the rule is
      // reported at the branch that gave it, as OPA reports it at its else rule)
      planRuleBody(pl, ri, b.body, [valueOf(b.value)], params, ([v]) => {
        pl.emit('AssignVarOnceStmt', { source: v!, target: chain });
        pl.emit('AssignVarOnceStmt', { source: { type: 'local', value: chain }, target: ret });
      }, b.span);
    });
  });
}

/** Inserts ops[last] at the key path ops[0..last-1] of object `obj`, creating nested objects. */
function insertNested(pl: Planner, obj: Local, ops: Operand[], setLeaf = false): void {
  const keys = ops.slice(0, -1);
  const value = ops[ops.length - 1]!;
  const chain: Local[] = [obj];
  const depth = setLeaf ? keys.length : keys.length - 1;
  for (let i = 0; i < depth; i++) {
    const t = pl.local();
    pl.emit('ResetLocalStmt', { target: t });
    pl.sub(() => pl.emit('DotStmt', { source: { type: 'local', value: chain[i]! }, key: keys[i]!, target: t }));
    pl.sub(() => {
      pl.emit('IsUndefinedStmt', { source: t });
      pl.emit(setLeaf && i === depth - 1 ? 'MakeSetStmt' : 'MakeObjectStmt', { target: t });
    });
    chain.push(t);
  }
  if (setLeaf) pl.emit('SetAddStmt', { set: chain[chain.length - 1]!, value });
  else pl.emit('ObjectInsertOnceStmt', { object: chain[chain.length - 1]!, key: keys[keys.length - 1]!, value });
  for (let i = chain.length - 1; i > 0; i--) {
    pl.emit('ObjectInsertStmt', { object: chain[i - 1]!, key: keys[i - 1]!, value: { type: 'local', value: chain[i]! } });
  }
}

/**
 * Resolves and plans one rule body: arguments unify with `params`, the body is ordered for
 * safety, then the head terms are evaluated and handed to `k` once per solution.
 */
function planRuleBody(pl: Planner, ri: RuleInfo, body: Literal[], head: Term[], params: Local[], k: (ops: Operand[], s: Scope) => void, headSpan: Span = ri.rule.span): void {
  const mod = ri.module.mod;
  const resolver = new Resolver({ pkg: mod.package, imports: ri.module.imports, ruleNames: pl.ruleNames(mod.package), counter: pl.counter, errors: pl.errors });
  const args = ri.rule.args ?? [];
  const argNames = args.flatMap((a) => [...patternVars(a)]).filter((n) => n !== '_');
  const env0 = new Map(argNames.map((n) => [n, n]));
  const r = resolver.body(body, env0, [], new Set(argNames));
  const rargs = args.map((a) => resolver.term(a, env0));
  const rhead = head.map((h) => resolver.term(h, r.env));
  // OPA's RewriteTemplateStrings stage: a template expression reading what the body does not
  // bind is refused before safety ordering, which would report it differently
  if (checkTemplateStrings(r.body, rhead, new Set(argNames), pl.arityOf, pl.errors)) return;
  // arguments unify with the parameters as ordinary literals, so reordering can place a
  // non-pattern argument (e.g. a template string) after the body literals that bind its vars
  const s0 = new Map(params.map((p, i) => [`$p${i}`, p] as const));
  const argLits: Literal[] = rargs.map((a, i) => ({
    negated: false,
    expr: { kind: 'unify', lhs: a, rhs: { kind: 'var', name: `$p${i}`, span: a.span }, span: a.span },
    with: [],
    span: a.span,
  }));
  for (const l of argLits) pl.headArgs.add(l);
  const before = pl.errors.length;
  const ordered = prepareBody(pl, [...argLits, ...r.body], s0);
  if (pl.errors.length > before) {
    // the body is unsafe and its variables were reported: OPA's checkSafetyRuleHeads counts
    // every variable the body mentions as safe for the head, so `f(x) = [y, z] if { split(x,
    // y, z) }` is "var y is unsafe" and "var z is unsafe" at the body only
    const inBody = new Set<string>(argNames);
    for (const l of r.body) for (const v of literalVars(l)) inBody.add(v);
    for (const h of rhead) {
      for (const v of allVars(h)) {
        if (inBody.has(v) || isRoot(v) || v.startsWith('$')) continue;
        pl.errors.push(createCompileError('REGO_ERR_UNSAFE_VAR', `var ${isWildcard(v) ? '_' : v.replace(/\$\d+$/, '')} is unsafe`, h.span));
      }
    }
    return;
  }
  planBody(pl, ordered, s0, (s2) => {
    pl.span = headSpan;
    planTerms(pl, rhead, s2, (ops, s3) => k(ops, s3));
  });
}

