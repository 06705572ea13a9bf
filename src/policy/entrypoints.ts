/**
 * Does an entrypoint name something the policy defines? OPA's planner plans any ref, so an
 * entrypoint with a typo (`demo/alow`) compiles to a plan that is always undefined: a gateway
 * route would deny everything, silently. `opa build -e` refuses such an entrypoint; regate
 * refuses it when it loads or builds modules.
 *
 * An entrypoint is defined when a rule's path (package + the ground prefix of its head ref)
 * starts with it (it names a rule or a package/subtree of rules), when it starts with a rule's
 * path (a key inside a rule's value), or when the data documents hold a value at it.
 *
 * @example
 *   findUndefinedEntrypoints([parseModule('package demo\nallow := true')], ['demo/alow'], {}); // ['demo/alow']
 */
import { RegoError } from './errors.js';
import type { Module } from './syntax/ast.js';
import { isObject, objectGet, type Value } from './value/index.js';

/** An entrypoint no rule and no data document defines. */
export class UnknownEntrypointError extends RegoError {
  readonly entrypoint: string;

  constructor(entrypoint: string, message: string) {
    super('REGO_ERR_UNKNOWN_ENTRYPOINT', message);
    this.name = 'UnknownEntrypointError';
    this.entrypoint = entrypoint;
  }
}

/** Path segments of each rule: the package, then the head ref up to its first non-string term. */
export function rulePaths(modules: readonly Module[]): string[][] {
  const out: string[][] = [];
  for (const m of modules) {
    for (const r of m.rules) {
      const segs = [...m.package];
      for (const t of r.ref) {
        if (t.kind === 'string') segs.push(t.value);
        else if (t.kind === 'var' && segs.length === m.package.length) segs.push(t.name);
        else break;
      }
      out.push(segs);
    }
  }
  return out;
}

function startsWith(a: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length <= a.length && prefix.every((s, i) => a[i] === s);
}

function inData(data: Value, segs: readonly string[]): boolean {
  let cur: Value | undefined = data;
  for (const s of segs) {
    if (cur === undefined || !isObject(cur)) return false;
    cur = objectGet(cur, s);
  }
  return cur !== undefined;
}

/**
 * The path below `data` an entrypoint names, read as `opa build -e` reads it (OPA's
 * internal/ref ParseDataPath: one leading `/` optional, then `/`-separated keys taken verbatim,
 * so `a/b` is data.a.b, `/a/b` too, and `a.b/c` is data["a.b"].c; `./x/y` is data["."].x.y,
 * which no rule defines). One form is regate's own: a string without `/` that starts with
 * `data.` is a dotted ref (`data.a.b` is data.a.b; OPA would read it as the single key
 * "data.a.b", which names nothing).
 *
 * @example entrypointPath('/bundle/compliance') // ['bundle', 'compliance']
 */
export function entrypointPath(e: string): string[] {
  if (!e.includes('/') && e.startsWith('data.')) return e.slice('data.'.length).split('.');
  const rest = e.startsWith('/') ? e.slice(1) : e;
  return rest === '' ? [] : rest.split('/');
}

/** The entrypoints (`a/b` or `data.a.b` form, entrypointPath) that neither a rule nor `data` defines. */
export function findUndefinedEntrypoints(modules: readonly Module[], entrypoints: readonly string[], data: Value): string[] {
  const paths = rulePaths(modules);
  return entrypoints.filter((e) => {
    const segs = entrypointPath(e);
    return !paths.some((p) => startsWith(p, segs) || startsWith(segs, p)) && !inData(data, segs);
  });
}

/** Throws UnknownEntrypointError for the first entrypoint nothing defines. */
export function assertEntrypointsDefined(modules: readonly Module[], entrypoints: readonly string[], data: Value): void {
  const [first] = findUndefinedEntrypoints(modules, entrypoints, data);
  if (first !== undefined) throw new UnknownEntrypointError(first, `entrypoint ${first} does not refer to a rule or a data document`);
}
