/**
 * Shared helpers for the core builtin tests: a registry of just the core namespaces, a fixed
 * BuiltinContext, `call` (runs a builtin the way a back end does) and error-code assertions.
 */
import type { Test } from 'tap';
import { createRegistry, type BuiltinContext } from '../../../src/policy/builtins/registry.js';
import { allBuiltins } from '../../../src/policy/builtins/index.js';
import { RegoError } from '../../../src/policy/errors.js';
import { RSet, fromJs, makeObject, stringifyJson, type Value } from '../../../src/policy/value/index.js';

type Tap = Test;

export const coreRegistry = createRegistry(allBuiltins);

export function ctx(strict = false): BuiltinContext {
  return { strict, nowNs: 0n, cache: new Map(), print: () => {}, env: {}, random: () => 0.5 };
}

/** Runs builtin `name` on JS-ish operands (converted with fromJs unless already Values). */
export function call(name: string, ...args: unknown[]): Value | undefined {
  const def = coreRegistry.get(name);
  if (!def) throw new Error(`no builtin ${name}`);
  if (def.arity !== args.length) throw new Error(`${name} takes ${def.arity} operands, test passed ${args.length}`);
  return def.impl(args.map((a) => (a instanceof RSet ? a : fromJs(a))) as Value[], ctx(true));
}

export function set(...xs: unknown[]): RSet {
  return RSet.of(xs.map((x) => (x instanceof RSet ? x : fromJs(x))));
}

export function obj(entries: [unknown, unknown][]): Value {
  return makeObject(entries.map(([k, v]) => [k instanceof RSet ? k : fromJs(k), v instanceof RSet ? v : fromJs(v)] as const));
}

/** JSON text of a result (sets as sorted arrays, keys sorted) for deep comparisons. */
export function j(v: Value | undefined): string | undefined {
  return v === undefined ? undefined : stringifyJson(v);
}

/** Asserts that `f` throws a RegoError with this code (and, optionally, a message fragment). */
export function throwsCode(t: Tap, f: () => unknown, code: 'REGO_ERR_BUILTIN' | 'REGO_ERR_BUILTIN_TYPE', fragment?: string): void {
  try {
    f();
    t.fail(`expected ${code}`);
  } catch (e) {
    if (!(e instanceof RegoError)) throw e;
    t.equal(e.code, code, e.message);
    if (fragment !== undefined) t.ok(e.message.includes(fragment), `message ${JSON.stringify(e.message)} includes ${JSON.stringify(fragment)}`);
  }
}
