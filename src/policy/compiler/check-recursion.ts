/**
 * rego_recursion_error the way OPA's checkRecursion reports it (ast/compile.go): its graph has
 * one node per rule definition and per `else` branch, and every node from which a path leads
 * back to itself is an error of its own — a rule defined twice in a cycle is two errors, each
 * at its definition; an `else` in one is an error at its `else`. A definition that takes no
 * part in the cycle (`a if input.x` beside `a if b`) is none.
 *
 * The planner records the edges while it plans every rule (recordDependency: the definition
 * being planned needs the rule group it calls), so references resolve exactly as they are
 * planned; the check runs once planning has met a cycle. As in OPA's graph, a definition's node
 * depends on what its `else` branches need too (the walk of a rule visits its else chain),
 * and a reference to a rule reaches each of its definitions.
 *
 * @example
 *   if (pl.recursionFound) errors.push(...checkRecursion(pl));
 *   // rule data.p.a is recursive: data.p.a -> data.p.b -> data.p.a   (once per definition of a)
 */
import type { RegoError } from '../errors.js';
import type { Rule, Span } from '../syntax/ast.js';
import { createCompileError } from './compile-error.js';
import type { Planner } from './planner.js';
import { refText, type RuleGroup } from './rule-index.js';

/** Notes that the definition being planned (branch `branch` of `rule`) needs group `g`. */
export function recordDependency(pl: Planner, g: RuleGroup): void {
  const def = pl.planningDef;
  if (def === undefined) return;
  let branches = pl.dependencies.get(def.rule);
  if (branches === undefined) pl.dependencies.set(def.rule, (branches = []));
  let deps = branches[def.branch];
  if (deps === undefined) branches[def.branch] = deps = new Set();
  deps.add(g.key);
}

/** A rule path as OPA's recursion error names it: the ref of its (first) rule, with its variables. */
function groupName(pl: Planner, g: RuleGroup): string {
  const ri = g.rules[0];
  if (ri === undefined || ri.dynamic.length === 0) return `data.${g.path.join('.')}`;
  return refText(['data', ...ri.module.mod.package], ri.rule.ref);
}

/** What branch `from` of `rule` and the branches after it need (OPA: an else node walks its own else chain). */
function branchDeps(pl: Planner, rule: Rule, from: number): string[] {
  const out = new Set<string>();
  (pl.dependencies.get(rule) ?? []).forEach((deps, i) => {
    if (i >= from && deps !== undefined) deps.forEach((k) => out.add(k));
  });
  return [...out];
}

/** Every group-level edge: a group needs what any of its definitions needs. */
function groupEdges(pl: Planner): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const g of pl.index.groups.values()) {
    const all = new Set<string>();
    for (const ri of g.rules) branchDeps(pl, ri.rule, 0).forEach((k) => all.add(k));
    out.set(g.key, [...all]);
  }
  return out;
}

/** A path of group keys from `starts` to `target` (depth first, in the order the edges were met). */
function pathTo(starts: readonly string[], target: string, edges: Map<string, string[]>): string[] | undefined {
  const seen = new Set<string>();
  const visit = (k: string): string[] | undefined => {
    if (k === target) return [k];
    if (seen.has(k)) return undefined;
    seen.add(k);
    for (const n of edges.get(k) ?? []) {
      const rest = visit(n);
      if (rest !== undefined) return [k, ...rest];
    }
    return undefined;
  };
  for (const s of starts) {
    const p = visit(s);
    if (p !== undefined) return p;
  }
  return undefined;
}

/** One rego_recursion_error per definition and `else` branch from which a path leads back to itself. */
export function checkRecursion(pl: Planner): RegoError[] {
  const edges = groupEdges(pl);
  const found: { text: string; span: Span }[] = [];
  for (const g of pl.index.groups.values()) {
    for (const ri of g.rules) {
      const spans = [ri.rule.span, ...ri.rule.elses.map((e) => e.span)];
      spans.forEach((span, branch) => {
        const path = pathTo(branchDeps(pl, ri.rule, branch), g.key, edges);
        if (path === undefined) return;
        const names = [g, ...path.map((k) => pl.index.groups.get(k)!)].map((x) => groupName(pl, x));
        found.push({ text: `rule ${groupName(pl, g)} is recursive: ${names.join(' -> ')}`, span });
      });
    }
  }
  // OPA walks its rule tree in no fixed order; by place in the source the output is stable
  found.sort((a, b) => a.span.file.localeCompare(b.span.file) || a.span.line - b.span.line || a.span.col - b.span.col);
  return found.map((f) => createCompileError('REGO_ERR_RECURSION', f.text, f.span));
}
