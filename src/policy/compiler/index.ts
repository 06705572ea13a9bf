/**
 * The Rego compiler: modules (+ an optional query / entrypoints) → OPA's IR plan (`ir.Policy`).
 *
 * Stages: parse → rule index (grouping, kind conflicts) → per rule: name resolution, safety
 * reordering, planning (plan-*.ts). Errors are gathered and thrown together as CompileErrors.
 *
 * Example:
 *   const policy = compileToPlan([{ file: 'a.rego', text: 'package a\nallow if input.x == 1' }],
 *                                { entrypoints: ['a/allow'] });
 *   // policy.plans.plans[0].name === 'a/allow'
 */
import type { RegoError } from '../errors.js';
import { RegoError as RegoErrorClass } from '../errors.js';
import type { Policy } from '../ir/types.js';
import { defaultRegistry, type BuiltinRegistry } from '../builtins/index.js';
import type { CallTerm, Module, Term } from '../syntax/ast.js';
import { ParseErrors, parseModule, parseQuery, type LanguageCapabilities, type RegoVersion } from '../syntax/index.js';
import { checkRegoV1, usesV1Rules } from './check-rego-v1.js';
import { checkTemplateStrings } from './check-template-strings.js';
import { checkRootArgs } from './check-root-args.js';
import { checkTypes } from './check-types.js';
import { checkUnusedSome } from './check-unused-some.js';
import { keepFirstStage } from './compile-stages.js';
import { checkAnnotationSet } from './schema-scopes.js';
import type { SchemaSet } from './schema-types.js';
import { CompileErrors, createCompileError, sourceText } from './compile-error.js';
import { createParseError } from '../syntax/parse-error.js';
import { planBody, prepareBody } from './plan-body.js';
import { planDataRef } from './plan-data.js';
import { ensureGroupFunc } from './plan-rules.js';
import { checkRecursion } from './check-recursion.js';
import { Planner } from './planner.js';
import { Resolver } from './resolve.js';
import { buildRuleIndex, pathKey } from './rule-index.js';
import { isWildcard, literalVars } from './vars.js';

export { CompileErrors } from './compile-error.js';
export type { SchemaSet } from './schema-types.js';

export interface CompileOptions {
  /** a query planned as plan `eval`; each result row binds the query's variables */
  query?: string;
  /** data paths like `gateway/decision`, each planned as a plan returning `{"result": value}` rows */
  entrypoints?: string[];
  /** builtins known to the compiler (arity checks); defaults to the default registry */
  builtins?: BuiltinRegistry;
  /**
   * The Rego dialect of modules that do not name their own (default v1). OPA: `--v0-compatible`,
   * a bundle manifest's `rego_version`.
   */
  regoVersion?: RegoVersion;
  /** JSON Schemas for the type checker (`--schema`, `# METADATA` `schemas:`), see schema-types.ts */
  schemas?: SchemaSet;
  /**
   * The language side of `--capabilities` (builtins/capabilities.ts languageCapabilities): the
   * future keywords v0 modules may import, and the features; v1 modules need `rego_v1`.
   */
  capabilities?: LanguageCapabilities;
}

/** A module's source; `regoVersion` overrides CompileOptions.regoVersion for this file (a bundle's `file_rego_versions`). */
export interface ModuleInput {
  file: string;
  text: string;
  regoVersion?: RegoVersion;
}

/**
 * Calls the compiler plans itself rather than handing to a builtin (plan-call.ts): `print` is
 * rewritten to `internal.print([…])` (variadic, -1) and the metadata calls are replaced by the
 * annotations of the enclosing rule, as OPA's compiler does. Every other function's arity comes
 * from the builtin registry only.
 */
const COMPILER_INTRINSICS: ReadonlyMap<string, number> = new Map([
  ['print', -1],
  ['rego.metadata.chain', 0],
  ['rego.metadata.rule', 0],
]);

/**
 * Builtins of OPA's BuiltinMap that regate writes only as operators (`=`, `:=`, `in`): a call to
 * one alone on a line is still no definition (ParseRuleFromExpr).
 */
const OPERATOR_BUILTINS: ReadonlySet<string> = new Set(['eq', 'assign', 'internal.member_2', 'internal.member_3']);

/**
 * A function argument is a pattern: OPA's rewriteLocalVars (its argument visitor) refuses a
 * call in it, looking into arrays, refs and object values, not into sets or comprehensions:
 * `f(1 + 1) = 7` is "rule arguments cannot contain calls".
 */
function checkArgCalls(t: Term, errors: RegoError[]): void {
  if (t.kind === 'call') errors.push(createCompileError('REGO_ERR_ARG_CALL', 'rule arguments cannot contain calls', t.span));
  else if (t.kind === 'array') t.items.forEach((x) => checkArgCalls(x, errors));
  else if (t.kind === 'ref') [t.head, ...t.path].forEach((x) => checkArgCalls(x, errors));
  else if (t.kind === 'object') t.entries.forEach(([, v]) => checkArgCalls(v, errors));
}

export function compileToPlan(modules: ModuleInput[], opts: CompileOptions = {}): Policy {
  return compileModules(modules, opts).plan;
}

/**
 * compileToPlan, also returning the modules as parsed: a caller that looks at the rules too
 * (loadPolicyBundle's entrypoint check) need not parse every module a second time — for a
 * 10 000-rule module that second parse was a tenth of the load. The compiler does not change
 * the parsed modules' packages or rule heads.
 */
export function compileModules(modules: ModuleInput[], opts: CompileOptions = {}): { plan: Policy; parsed: readonly Module[] } {
  const errors: RegoError[] = [];
  const mods: Module[] = [];
  sourceText.clear();
  const caps = opts.capabilities;
  // OPA Parser.Parse refuses to read v1 with capabilities of an OPA before 1.0 (no `rego_v1`
  // feature): one error, without a location, however many modules (it is the file's fault, not a line's)
  if (caps !== undefined && !caps.features.includes('rego_v1') && modules.some((m) => (m.regoVersion ?? opts.regoVersion ?? 'v1') === 'v1')) {
    throw new CompileErrors([new RegoErrorClass('REGO_ERR_PARSE_CAPABILITIES', 'illegal capabilities: rego_v1 feature required for parsing v1 Rego')]);
  }
  for (const m of modules) {
    sourceText.set(m.file, m.text);
    try {
      mods.push(parseModule(m.text, m.file, { regoVersion: m.regoVersion ?? opts.regoVersion ?? 'v1', ...(caps !== undefined ? { capabilities: caps } : {}) }));
    } catch (e) {
      // every error of a module that parsed but makes no valid rules, as OPA reports them
      if (e instanceof ParseErrors) errors.push(...e.errors);
      else if (e instanceof RegoErrorClass) errors.push(e);
      else throw e;
    }
  }
  let query;
  if (opts.query !== undefined) {
    sourceText.set('<query>', opts.query);
    try {
      query = parseQuery(opts.query, '<query>', { regoVersion: opts.regoVersion ?? 'v1' });
    } catch (e) {
      if (e instanceof RegoErrorClass) errors.push(e);
      else throw e;
    }
  }
  if (errors.length > 0) throw new CompileErrors(errors);
  const registry = opts.builtins ?? defaultRegistry;
  // OPA's first stage (ResolveRefs) refuses an argument named input/data; nothing later runs
  for (const m of mods) checkRootArgs(m, errors);
  if (errors.length > 0) throw new CompileErrors(errors);
  // OPA runs these checks as a stage of their own: later stages do not add to what they find
  for (const m of mods) {
    if (usesV1Rules(m)) checkRegoV1(m, errors);
    checkUnusedSome(m, errors);
    // `count(x)` alone on a line is a call expression in OPA, not a definition (ParseRuleFromExpr)
    for (const r of m.rules) {
      for (const a of r.args ?? []) checkArgCalls(a, errors);
      const name = r.ref.map((t) => (t.kind === 'string' ? t.value : '')).join('.');
      if (r.bodilessCall && (registry.get(name) !== undefined || COMPILER_INTRINSICS.has(name) || OPERATOR_BUILTINS.has(name))) {
        errors.push(createParseError('REGO_ERR_PARSE_RULE', 'rule name conflicts with built-in function', r.span, sourceText.get(r.span.file)));
      }
    }
  }
  if (errors.length > 0) throw new CompileErrors(errors);
  const before = errors.length;
  const voids = new Set([...registry.values()].filter((b) => b.void === true).map((b) => b.name));
  checkAnnotationSet(mods, errors);
  checkTypes(mods, errors, opts.schemas, voids);
  const fromTypeCheck = new Set(errors.slice(before));

  const index = buildRuleIndex(mods, errors);
  const arityOf = (call: CallTerm): number | undefined => {
    if (call.fn[0] === 'data') {
      const g = index.groups.get(pathKey(call.fn.slice(1)));
      return g?.kind === 'function' ? g.arity : undefined;
    }
    const name = call.fn.join('.');
    return registry.get(name)?.arity ?? COMPILER_INTRINSICS.get(name);
  };
  const files = [...modules.map((m) => m.file), '<query>'];
  const pl = new Planner(index, files, errors, arityOf);
  for (const m of mods) {
    const key = JSON.stringify(m.package);
    let set = pl.ruleNamesByPkg.get(key);
    if (set === undefined) pl.ruleNamesByPkg.set(key, (set = new Set()));
    for (const r of m.rules) set.add((r.ref[0] as { value: string }).value);
  }

  const plans: Policy['plans']['plans'] = [];
  if (query !== undefined) {
    const resolver = new Resolver({ pkg: [], imports: new Map(), ruleNames: new Set(), counter: pl.counter, errors });
    const body = resolver.body(query, new Map()).body;
    checkTemplateStrings(body, [], new Set(), arityOf, errors);
    const names: string[] = [];
    for (const l of body) for (const v of literalVars(l)) if (!isWildcard(v) && !v.includes('$') && !names.includes(v)) names.push(v);
    pl.withFunction(2, () => {
      const blocks = [pl.block(() => {
        const ordered = prepareBody(pl, body, new Map());
        planBody(pl, ordered, new Map(), (s) => {
          const row = pl.local();
          pl.emit('MakeObjectStmt', { target: row });
          for (const n of names) {
            const l = s.get(n);
            if (l !== undefined) pl.emit('ObjectInsertStmt', { object: row, key: pl.str(n), value: { type: 'local', value: l } });
          }
          pl.emit('ResultSetAddStmt', { value: row });
        });
      })];
      plans.push({ name: 'eval', blocks });
    });
  }
  for (const ep of opts.entrypoints ?? []) {
    const path: Term[] = ep.split('/').filter((p) => p !== '').map((value) => ({ kind: 'string', value, span: { file: '<query>', line: 1, col: 1 } }));
    pl.withFunction(2, () => {
      const blocks = [pl.block(() => {
        planDataRef(pl, path, new Map(), (l) => {
          const row = pl.local();
          pl.emit('MakeObjectStmt', { target: row });
          pl.emit('ObjectInsertStmt', { object: row, key: pl.str('result'), value: { type: 'local', value: l } });
          pl.emit('ResultSetAddStmt', { value: row });
        });
      })];
      plans.push({ name: ep, blocks });
    });
  }
  // plan every rule, so errors in rules the query does not reach are reported too (as OPA does)
  for (const g of index.groups.values()) ensureGroupFunc(pl, g);
  if (pl.recursionFound) errors.push(...checkRecursion(pl));

  if (errors.length > 0) {
    const seen = new Set<string>();
    throw new CompileErrors(keepFirstStage(errors, fromTypeCheck).filter((e) => {
      const key = e.render();
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    }));
  }
  const plan: Policy = {
    static: {
      strings: pl.strings.map((value) => ({ value })),
      builtin_funcs: [...pl.builtins].map(([name, arity]) => ({
        name,
        decl: { type: 'function', args: Array.from({ length: Math.max(0, arity) }, () => ({ type: 'any' })), result: { type: 'any' } },
      })),
      files: files.map((value) => ({ value })),
    },
    plans: { plans },
    funcs: { funcs: [...pl.funcs.values()] },
  };
  return { plan, parsed: mods };
}
