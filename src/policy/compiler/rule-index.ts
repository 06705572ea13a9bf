/**
 * Groups the rules of all modules by the document path they define and builds the rule tree
 * used to resolve references into `data` (virtual documents mixed with base documents).
 *
 * A rule's path is its package plus the ground (string) prefix of its head ref; a head ref with
 * a variable part (`p[x].y := v`) contributes to an object built at the ground prefix, like OPA's
 * "partial object" rules. Mixing kinds at one path is a compile-time rego_type_error.
 */
import type { RegoError } from '../errors.js';
import type { Module, Rule, Term } from '../syntax/ast.js';
import { createCompileError } from './compile-error.js';
import { allVars, literalVars } from './vars.js';

export type GroupKind = 'complete' | 'set' | 'object' | 'function';

export interface ModuleInfo {
  mod: Module;
  index: number;
  /** import alias → the imported ref term (`data.a.b`, `input.x`) */
  imports: Map<string, Term>;
}

export interface RuleInfo {
  rule: Rule;
  module: ModuleInfo;
  /** object rules: the head ref terms after the ground prefix (`[x, "y"]` for `p[x].y`) */
  dynamic: Term[];
}

export interface RuleGroup {
  /** path below data, e.g. ["pkg", "p"] */
  path: string[];
  key: string;
  kind: GroupKind;
  rules: RuleInfo[];
  defaults: RuleInfo[];
  arity: number;
}

export interface TreeNode {
  path: string[];
  children: Map<string, TreeNode>;
  group?: RuleGroup;
}

export interface RuleIndex {
  groups: Map<string, RuleGroup>;
  root: TreeNode;
  modules: ModuleInfo[];
}

export const pathKey = (path: readonly string[]): string => JSON.stringify(path);

export function buildRuleIndex(mods: Module[], errors: RegoError[]): RuleIndex {
  const groups = new Map<string, RuleGroup>();
  const root: TreeNode = { path: [], children: new Map() };
  const modules: ModuleInfo[] = [];
  const conflicts = new Map<string, { first: Rule; last: Rule; pkg: string[] }>();
  mods.forEach((mod, index) => {
    const info: ModuleInfo = { mod, index, imports: new Map() };
    for (const imp of mod.imports) {
      const t = imp.path;
      const head = t.kind === 'ref' ? t.head : t;
      if (head.kind !== 'var' || (head.name !== 'data' && head.name !== 'input')) continue;
      let alias = imp.alias;
      if (alias === undefined) {
        const last = t.kind === 'ref' ? t.path[t.path.length - 1] : head;
        alias = last?.kind === 'string' ? last.value : last?.kind === 'var' ? last.name : undefined;
      }
      if (alias !== undefined) info.imports.set(alias, t);
    }
    modules.push(info);
    // a package is a document even without rules: `data.a.b` of an empty package is {}
    insertNode(root, mod.package);
    for (const rule of mod.rules) {
      rule.module = index;
      let ground = 0;
      while (ground < rule.ref.length && rule.ref[ground]!.kind === 'string') ground++;
      const names = rule.ref.slice(0, ground).map((t) => (t as { value: string }).value);
      const path = [...mod.package, ...names];
      const dynamic = rule.ref.slice(ground);
      let kind: GroupKind;
      if (rule.args !== undefined) kind = 'function';
      else if (rule.contains !== undefined) kind = 'set';
      else if (dynamic.length > 0) kind = 'object';
      else kind = 'complete';
      // `p[x] contains y`: an object of sets, built like an object rule with a set leaf
      if (kind === 'set' && dynamic.length > 0) kind = 'object';
      // `a.b[c].d(x)`: OPA's parser and compiler take such a function (opa#5958), but no call
      // can name it (a call's name is ground): calling `a.b.c.d(1)` is "undefined function", and
      // functions are no part of data. So it is checked with its module and never planned.
      if (kind === 'function' && dynamic.length > 0) {
        // OPA's checkSafetyRuleHeads still asks that its head's variables occur in its
        // arguments or body
        const bound = new Set<string>();
        for (const a of rule.args ?? []) allVars(a, bound);
        for (const l of rule.body) for (const v of literalVars(l)) bound.add(v);
        const unsafe = new Set<string>();
        for (const d of dynamic) for (const v of allVars(d)) if (!bound.has(v) && v !== '_' && !v.startsWith('$')) unsafe.add(v);
        for (const v of unsafe) errors.push(createCompileError('REGO_ERR_UNSAFE_VAR', `var ${v} is unsafe`, rule.span));
        continue;
      }
      const key = pathKey(path);
      let g = groups.get(key);
      const arity = rule.args?.length ?? 0;
      if (g === undefined) {
        g = { path, key, kind, rules: [], defaults: [], arity };
        groups.set(key, g);
        insertNode(root, path).group = g;
      } else if (g.kind !== kind || (kind === 'function' && g.arity !== arity)) {
        // OPA's checkRuleConflicts treats a second arity like a second kind (compile.go); it
        // reports a node once, named by the ref of the node's last rule (`p[x]` after
        // `p contains x`), located at its first
        conflicts.set(key, { first: conflicts.get(key)?.first ?? (g.rules[0] ?? g.defaults[0])?.rule ?? rule, last: rule, pkg: mod.package });
        continue;
      }
      if (conflicts.has(key)) conflicts.get(key)!.last = rule;
      const ri: RuleInfo = { rule, module: info, dynamic };
      if (rule.default) g.defaults.push(ri);
      else g.rules.push(ri);
    }
  });
  for (const { first, last, pkg } of conflicts.values()) {
    errors.push(createCompileError('REGO_ERR_RULE_CONFLICT', `conflicting rules ${refText(['data', ...pkg], last.ref)} found`, first.span));
  }
  for (const g of groups.values()) {
    if (g.defaults.length < 2) continue;
    // OPA names every default rule (`file:row`, its Location.String()) and points at the package of the first
    const at = g.defaults.map((d) => `${d.rule.span.file}:${d.rule.span.line}`).join(', ');
    errors.push(createCompileError('REGO_ERR_TYPE', `multiple default rules data.${g.path.join('.')} found at ${at}`, g.defaults[0]!.module.mod.packageSpan));
    g.defaults.splice(1);
  }
  checkPrefixConflicts(root, errors);
  checkPackageConflicts(mods, errors);
  return { groups, root, modules };
}

function insertNode(root: TreeNode, path: string[]): TreeNode {
  let node = root;
  for (const k of path) {
    let c = node.children.get(k);
    if (c === undefined) {
      c = { path: [...node.path, k], children: new Map() };
      node.children.set(k, c);
    }
    node = c;
  }
  return node;
}

/**
 * `p := 1` together with `p.q := 2`: a value rule cannot have rules below it (OPA: rego_type_error,
 * "rule data.a.p conflicts with [data.a.p.q]", listing the rule paths below it).
 */
function checkPrefixConflicts(node: TreeNode, errors: RegoError[]): void {
  const g = node.group;
  if (g !== undefined && g.kind !== 'object' && node.children.size > 0) {
    const r = g.rules[0] ?? g.defaults[0];
    const below: string[] = [];
    const collect = (n: TreeNode): void => {
      if (n.group !== undefined) below.push(`data.${n.group.path.join('.')}`);
      for (const c of n.children.values()) collect(c);
    };
    for (const c of node.children.values()) collect(c);
    if (below.length > 0) errors.push(createCompileError('REGO_ERR_RULE_CONFLICT', `rule data.${g.path.join('.')} conflicts with [${below.join(' ')}]`, r?.rule.span));
  }
  for (const c of node.children.values()) checkPrefixConflicts(c, errors);
}

/**
 * A package at the path of a rule of another module (`package a.b` and, in package a, `b := 1`):
 * OPA's second conflict check, on its module tree, reported at the package of the rule's module.
 */
function checkPackageConflicts(mods: Module[], errors: RegoError[]): void {
  const pkgs = new Map<string, Module>();
  for (const m of mods) if (!pkgs.has(pathKey(m.package))) pkgs.set(pathKey(m.package), m);
  for (const m of mods) {
    for (const r of m.rules) {
      if (!r.ref.every((t) => t.kind === 'string')) continue;
      const names = r.ref.map((t) => (t as { value: string }).value);
      const other = pkgs.get(pathKey([...m.package, ...names]));
      if (other === undefined || other === m) continue;
      const head = names.map((n, i) => (i === 0 || /^[A-Za-z_][A-Za-z0-9_]*$/.test(n) ? (i === 0 ? n : `.${n}`) : `[${JSON.stringify(n)}]`)).join('');
      errors.push(createCompileError('REGO_ERR_RULE_CONFLICT', `package ${other.package.join('.')} conflicts with rule ${head} defined at ${r.span.file}:${r.span.line}`, m.packageSpan));
    }
  }
}

/** The node at `path`, if any rule is defined at or below it. */
export function findNode(root: TreeNode, path: readonly string[]): TreeNode | undefined {
  let node: TreeNode | undefined = root;
  for (const k of path) {
    node = node.children.get(k);
    if (node === undefined) return undefined;
  }
  return node;
}

/** A rule's ref as OPA prints a Ref: `data.pkg.p[x].q`, a key that is no identifier quoted. */
export function refText(prefix: string[], ref: Term[]): string {
  let out = prefix.join('.');
  for (const t of ref) {
    if (t.kind === 'string') out += /^[A-Za-z_][A-Za-z0-9_]*$/.test(t.value) ? `.${t.value}` : `[${JSON.stringify(t.value)}]`;
    else if (t.kind === 'var') out += `[${t.name}]`;
    else if (t.kind === 'number') out += `[${t.text}]`;
    else if (t.kind === 'bool') out += `[${String(t.value)}]`;
    else if (t.kind === 'null') out += '[null]';
    else out += '[…]';
  }
  return out;
}
