/**
 * `rego.metadata.chain()` and `rego.metadata.rule()`: like OPA's compiler, the calls are
 * replaced at compile time by constants built from the METADATA annotations of the rule being
 * planned, its document, its package and the `subpackages` scopes of enclosing packages.
 */
import { parseGoYaml } from '../value/index.js';
import type { Local } from '../ir/types.js';
import type { Annotation } from '../syntax/ast.js';
import { createCompileError } from './compile-error.js';
import type { Planner } from './planner.js';
import type { RuleGroup, RuleInfo } from './rule-index.js';
import { planNumber } from './plan-term.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function normalize(pl: Planner, a: Annotation, defaultScope: string): { [k: string]: Json } {
  let doc: unknown;
  try {
    doc = parseGoYaml(a.yaml) ?? {};
  } catch {
    pl.errors.push(createCompileError('REGO_ERR_COMPILE', 'invalid METADATA YAML', a.span));
    doc = {};
  }
  const out = { ...(doc as { [k: string]: Json }) };
  out.scope = (out.scope as string | undefined) ?? defaultScope;
  if (Array.isArray(out.authors)) {
    out.authors = out.authors.map((x) => {
      if (typeof x !== 'string') return x;
      const m = /^(.*?)\s*<([^>]+)>\s*$/.exec(x);
      return m ? { ...(m[1] ? { name: m[1] } : {}), email: m[2]! } : { name: x.trim() };
    });
  }
  if (Array.isArray(out.related_resources)) {
    out.related_resources = out.related_resources.map((x) => (typeof x === 'string' ? { ref: x } : x));
  }
  return out;
}

export function metadataChain(pl: Planner, ri: RuleInfo, g: RuleGroup): Json {
  const chain: Json[] = [];
  const own = ri.rule.annotations.find((a) => (a.scope ?? 'rule') === 'rule');
  chain.push(own ? { annotations: normalize(pl, own, 'rule'), path: g.path } : { path: g.path });
  for (const r of [...g.rules, ...g.defaults]) {
    for (const a of r.rule.annotations) if (a.scope === 'document') chain.push({ annotations: normalize(pl, a, 'document'), path: g.path });
  }
  const pkg = ri.module.mod.package;
  for (let n = pkg.length; n >= 1; n--) {
    const prefix = pkg.slice(0, n);
    for (const m of pl.index.modules) {
      if (m.mod.package.join('.') !== prefix.join('.')) continue;
      for (const a of m.mod.annotations) {
        const scope = a.scope ?? 'package';
        if ((n === pkg.length && scope === 'package') || scope === 'subpackages') chain.push({ annotations: normalize(pl, a, 'package'), path: prefix });
      }
    }
  }
  return chain;
}

export function metadataRule(pl: Planner, ri: RuleInfo): Json {
  const own = ri.rule.annotations.find((a) => (a.scope ?? 'rule') === 'rule' || a.scope === 'document');
  return own ? normalize(pl, own, own.scope ?? 'rule') : {};
}

/** Emits statements building the constant `v`. */
export function planJson(pl: Planner, v: Json): Local {
  const l = pl.local();
  if (v === null) pl.emit('MakeNullStmt', { target: l });
  else if (typeof v === 'boolean') pl.emit('AssignVarStmt', { source: { type: 'bool', value: v }, target: l });
  else if (typeof v === 'number') return planNumber(pl, String(v));
  else if (typeof v === 'string') pl.emit('AssignVarStmt', { source: pl.str(v), target: l });
  else if (Array.isArray(v)) {
    const items = v.map((x) => planJson(pl, x));
    pl.emit('MakeArrayStmt', { capacity: items.length, target: l });
    for (const x of items) pl.emit('ArrayAppendStmt', { array: l, value: { type: 'local', value: x } });
  } else {
    const entries = Object.entries(v).map(([k, x]) => [k, planJson(pl, x)] as const);
    pl.emit('MakeObjectStmt', { target: l });
    for (const [k, x] of entries) pl.emit('ObjectInsertStmt', { object: l, key: pl.str(k), value: { type: 'local', value: x } });
  }
  return l;
}
