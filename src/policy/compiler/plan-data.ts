/**
 * References into `data`: walks the rule tree along the ref's constant keys. At a rule, its func
 * is called and the rest of the ref applies to the value; where no rule is at or below the path,
 * plain Dot statements read the base document; where the ref stops above rules (or continues
 * with a variable key) the virtual document is materialised: an object of the rule values
 * merged with the base document, like OPA's planner does for `data.a` over mixed documents.
 */
import type { Local } from '../ir/types.js';
import type { Term } from '../syntax/ast.js';
import { createCompileError } from './compile-error.js';
import { ensureGroupFunc } from './plan-rules.js';
import { applyPath, evaluable, planTerm } from './plan-term.js';
import type { Planner, Scope } from './planner.js';
import type { TreeNode } from './rule-index.js';

const isPrefix = (a: readonly string[], b: readonly string[]): boolean => a.length <= b.length && a.every((x, i) => b[i] === x);

/** Is `path` at or below a data path replaced by `with`? */
const mocked = (pl: Planner, path: readonly string[]): boolean => pl.mocks.data.some((m) => isPrefix(m, path));

export function planDataRef(pl: Planner, path: Term[], s: Scope, k: (l: Local, s: Scope) => void): void {
  walk(pl, pl.index.root, path, 0, s, k);
}

function walk(pl: Planner, node: TreeNode, path: Term[], i: number, s: Scope, k: (l: Local, s: Scope) => void): void {
  if (mocked(pl, node.path)) return baseRef(pl, node.path, path, i, s, k);
  const g = node.group;
  // an object rule here may define keys that rules below also define: build the whole node
  if (g?.kind === 'object') return applyPath(pl, materialize(pl, node), path, i, s, k);
  if (g !== undefined) {
    if (g.kind === 'function' && g.arity > 0) {
      pl.errors.push(createCompileError('REGO_ERR_TYPE', `function data.${g.path.join('.')} referenced without arguments`, path[i - 1]?.span ?? pl.span));
      return;
    }
    const r = pl.local();
    pl.emit('CallStmt', { func: ensureGroupFunc(pl, g), args: [{ type: 'local', value: 0 }, { type: 'local', value: 1 }], result: r });
    return applyPath(pl, r, path, i, s, k);
  }
  if (i === path.length) return k(materialize(pl, node), s);
  const key = path[i]!;
  if (key.kind === 'string') {
    const child = node.children.get(key.value);
    if (child === undefined) return baseRef(pl, node.path, path, i, s, k);
    return walk(pl, child, path, i + 1, s, k);
  }
  if (!evaluable(key, s)) return applyPath(pl, materialize(pl, node), path, i, s, k);
  // a key known only at run time: one branch per child document plus one for base data
  // (OPA plans CallDynamicStmt here); only the branch whose name matches can succeed
  planTerm(pl, key, s, (kop, s2) => {
    for (const [name, child] of node.children) {
      pl.sub(() => {
        pl.emit('EqualStmt', { a: kop, b: pl.str(name) });
        walk(pl, child, path, i + 1, s2, k);
      });
    }
    pl.sub(() => {
      for (const name of node.children.keys()) pl.emit('NotEqualStmt', { a: kop, b: pl.str(name) });
      baseRef(pl, node.path, path, i, s2, k);
    });
  });
}

/** The base document at `prefix` followed by the rest of the ref. */
function baseRef(pl: Planner, prefix: string[], path: Term[], i: number, s: Scope, k: (l: Local, s: Scope) => void): void {
  let src: Local = 1;
  for (const key of prefix) {
    const t = pl.local();
    pl.emit('DotStmt', { source: { type: 'local', value: src }, key: pl.str(key), target: t });
    src = t;
  }
  applyPath(pl, src, path, i, s, k);
}

/** The whole (virtual + base) document at `node`; always defined (an object). */
export function materialize(pl: Planner, node: TreeNode, overlay?: Local, depth?: { d: number; leaf: number }): Local {
  // `overlay`: what an object rule of an ancestor (`p[k].r := …`) defines at this node, at run
  // time possibly undefined; it is combined with this node's own object rule, if any
  if (overlay !== undefined && depth !== undefined && depth.d >= depth.leaf) {
    // rules below would inject keys into another rule's value: OPA raises eval_conflict_error
    pl.sub(() => {
      pl.emit('IsDefinedStmt', { source: overlay });
      const o = pl.local();
      pl.emit('MakeObjectStmt', { target: o });
      pl.emit('ObjectInsertOnceStmt', { object: o, key: pl.str('conflict'), value: { type: 'bool', value: true } });
      pl.emit('ObjectInsertOnceStmt', { object: o, key: pl.str('conflict'), value: { type: 'bool', value: false } });
    });
  }
  let childDepth = depth === undefined ? undefined : { d: depth.d + 1, leaf: depth.leaf };
  let rule: Local | undefined = overlay;
  if (node.group?.kind === 'object') {
    // depth below this node at which the object rules' values start (deepest head ref)
    const depths = node.group.rules.map((r) => r.dynamic.length + (r.rule.contains !== undefined ? 1 : 0));
    childDepth = { d: 1, leaf: depths.length === 0 ? Number.POSITIVE_INFINITY : Math.max(...depths) };
    const own = pl.local();
    pl.emit('CallStmt', { func: ensureGroupFunc(pl, node.group), args: [{ type: 'local', value: 0 }, { type: 'local', value: 1 }], result: own });
    if (overlay !== undefined) {
      const both = pl.local();
      pl.emit('AssignVarStmt', { source: { type: 'local', value: own }, target: both });
      pl.sub(() => {
        pl.emit('IsObjectStmt', { source: { type: 'local', value: overlay } });
        const m = pl.local();
        pl.emit('ObjectMergeStmt', { a: own, b: overlay, target: m });
        pl.emit('AssignVarStmt', { source: { type: 'local', value: m }, target: both });
      });
      rule = both;
    } else rule = own;
  }
  const obj = pl.local();
  pl.emit('MakeObjectStmt', { target: obj });
  for (const [name, child] of node.children) {
    if (mocked(pl, child.path)) continue;
    // functions are not part of the document, except OPA keeps zero-argument ones (`f() := 1`)
    if (child.group?.kind === 'function' && child.group.arity > 0) continue;
    const g = child.group;
    const leafRule = g !== undefined && g.kind !== 'object';
    let childOverlay: Local | undefined;
    if (rule !== undefined && !leafRule) {
      const co = pl.local();
      pl.emit('ResetLocalStmt', { target: co });
      pl.sub(() => pl.emit('DotStmt', { source: { type: 'local', value: rule }, key: pl.str(name), target: co }));
      childOverlay = co;
    }
    const v = pl.local();
    pl.emit('ResetLocalStmt', { target: v });
    pl.sub(() => {
      let val: Local;
      if (leafRule) {
        val = pl.local();
        pl.emit('CallStmt', { func: ensureGroupFunc(pl, g), args: [{ type: 'local', value: 0 }, { type: 'local', value: 1 }], result: val });
      } else val = materialize(pl, child, childOverlay, childDepth);
      pl.emit('AssignVarStmt', { source: { type: 'local', value: val }, target: v });
    });
    if (rule !== undefined && leafRule) mergeWithRuleKey(pl, rule, name, v);
    pl.sub(() => {
      pl.emit('IsDefinedStmt', { source: v });
      pl.emit('ObjectInsertStmt', { object: obj, key: pl.str(name), value: { type: 'local', value: v } });
    });
  }
  let result = obj;
  if (rule !== undefined) {
    const ruleValue = rule;
    result = pl.local();
    pl.emit('AssignVarStmt', { source: { type: 'local', value: obj }, target: result });
    pl.sub(() => {
      pl.emit('IsObjectStmt', { source: { type: 'local', value: ruleValue } });
      const m = pl.local();
      pl.emit('ObjectMergeStmt', { a: obj, b: ruleValue, target: m });
      pl.emit('AssignVarStmt', { source: { type: 'local', value: m }, target: result });
    });
  }
  // merge with the base document at this path, if it is an object
  const out = pl.local();
  pl.emit('AssignVarStmt', { source: { type: 'local', value: result }, target: out });
  pl.sub(() => {
    let src: Local = 1;
    for (const key of node.path) {
      const t = pl.local();
      pl.emit('DotStmt', { source: { type: 'local', value: src }, key: pl.str(key), target: t });
      src = t;
    }
    pl.emit('IsObjectStmt', { source: { type: 'local', value: src } });
    const m = pl.local();
    // on a key defined by both, the base document wins (OPA: base/virtual conflicts)
    pl.emit('ObjectMergeStmt', { a: src, b: result, target: m });
    pl.emit('AssignVarStmt', { source: { type: 'local', value: m }, target: out });
  });
  return out;
}

/**
 * A key defined both by an object rule (`p[k] contains v`) and by a rule below it (`p.b contains
 * "x"`): sets are unioned and objects merged, as OPA's virtual document evaluation does.
 */
function mergeWithRuleKey(pl: Planner, rule: Local, name: string, v: Local): void {
  const e = pl.local();
  pl.emit('ResetLocalStmt', { target: e });
  pl.sub(() => pl.emit('DotStmt', { source: { type: 'local', value: rule }, key: pl.str(name), target: e }));
  pl.sub(() => {
    pl.emit('IsDefinedStmt', { source: v });
    pl.emit('IsSetStmt', { source: { type: 'local', value: e } });
    pl.emit('IsSetStmt', { source: { type: 'local', value: v } });
    const u = pl.local();
    pl.useBuiltin('or', 2);
    pl.emit('CallStmt', { func: 'or', args: [{ type: 'local', value: e }, { type: 'local', value: v }], result: u });
    pl.emit('AssignVarStmt', { source: { type: 'local', value: u }, target: v });
  });
  pl.sub(() => {
    pl.emit('IsDefinedStmt', { source: v });
    pl.emit('IsObjectStmt', { source: { type: 'local', value: e } });
    pl.emit('IsObjectStmt', { source: { type: 'local', value: v } });
    const u = pl.local();
    pl.emit('ObjectMergeStmt', { a: v, b: e, target: u });
    pl.emit('AssignVarStmt', { source: { type: 'local', value: u }, target: v });
  });
  // any other overlap must agree: inserting both "once" raises eval_conflict_error otherwise
  pl.sub(() => {
    pl.emit('IsDefinedStmt', { source: v });
    pl.emit('IsDefinedStmt', { source: e });
    pl.emit('NotStmt', { block: pl.block(() => {
      pl.emit('IsSetStmt', { source: { type: 'local', value: e } });
      pl.emit('IsSetStmt', { source: { type: 'local', value: v } });
    }) });
    pl.emit('NotStmt', { block: pl.block(() => {
      pl.emit('IsObjectStmt', { source: { type: 'local', value: e } });
      pl.emit('IsObjectStmt', { source: { type: 'local', value: v } });
    }) });
    const o = pl.local();
    pl.emit('MakeObjectStmt', { target: o });
    pl.emit('ObjectInsertOnceStmt', { object: o, key: pl.str(name), value: { type: 'local', value: e } });
    pl.emit('ObjectInsertOnceStmt', { object: o, key: pl.str(name), value: { type: 'local', value: v } });
  });
}
