/**
 * regate's JS builtins as the SDK's `customBuiltins`.
 *
 * The SDK hands a host builtin its operands as `JSON.parse(opa_json_dump(arg))` and loads the
 * result with `opa_json_parse(JSON.stringify(result))`. Plain JSON would turn sets into arrays,
 * drop non-string keys and round big integers, so modules built by compile.ts (marked with the
 * REGATE_SECTION custom section) switch to a tagged encoding while inside a host call (see
 * runtime/json.as): `{"\u0001S": [...]}` set, `{"\u0001O": [[k, v], ...]}` object with special
 * keys, `{"\u0001N": "text"}` a number kept as its text (big integers, and every number the
 * module holds as text: `1.0`, `2e308`, so a builtin sees the form OPA's json.Number keeps).
 * Modules from a real `opa build` get plain JSON.
 *
 * @example
 *   const state: HostState = { opts: {}, ctx: undefined, budget: { budgetMs: Infinity, deadline: 0 } };
 *   const custom = createCustomBuiltins(defaultRegistry, state, true);
 *   await loadPolicy(wasm, undefined, custom);
 */
import type { BuiltinContext, BuiltinDef, BuiltinRegistry } from '../../builtins/registry.js';
import { BuiltinError, BuiltinTypeError, RegoError, type SourceLocation } from '../../errors.js';
import type { EvalOptions } from '../evaluator.js';
import { RNumber, RObject, RSet, formatNumber, fromJs, numberFromText, toJs, type PlainObject, type Value } from '../../value/index.js';
import { EVAL_BUDGET_BUILTIN, SDK_SHADOWED, shadowAlias } from './compile.js';
import { checkBudget, type BudgetState } from '../eval-budget.js';
import { engineBuiltins } from '../with-bad-path.js';

const TAG_SET = '\u0001S';
const TAG_OBJ = '\u0001O';
const TAG_NUM = '\u0001N';

/** Host-call JSON (already parsed) → Value, decoding the tags. */
export function decodeTagged(x: unknown): Value {
  if (x === null || typeof x !== 'object') return fromJs(x);
  if (Array.isArray(x)) return x.map(decodeTagged);
  const o = x as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 1) {
    const k = keys[0] as string;
    const v = o[k];
    if (k === TAG_SET && Array.isArray(v)) return RSet.of(v.map(decodeTagged));
    if (k === TAG_NUM && typeof v === 'string') return numberFromText(v);
    if (k === TAG_OBJ && Array.isArray(v)) {
      const r = new RObject();
      for (const pair of v) if (Array.isArray(pair) && pair.length === 2) r.set(decodeTagged(pair[0]), decodeTagged(pair[1]));
      // A composite object whose keys are all strings (it only had a \u0001 key) stays plain.
      return plainIfPossible(r);
    }
  }
  const out: PlainObject = {};
  for (const k of keys) {
    const v = decodeTagged(o[k]);
    if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    else out[k] = v;
  }
  return out;
}

function plainIfPossible(r: RObject): Value {
  const entries = r.entries();
  if (!entries.every(([k]) => typeof k === 'string')) return r;
  const out: PlainObject = {};
  for (const [k, v] of entries) Object.defineProperty(out, k as string, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}

/** Value → JS that JSON.stringify turns into the tagged encoding. */
export function encodeTagged(v: Value): unknown {
  switch (typeof v) {
    case 'bigint':
      return { [TAG_NUM]: v.toString() };
    case 'number':
      // Integers beyond 2^53 held in a double would print in exponent form or lose digits;
      // formatNumber writes every digit below 1e21 and the double's own text (`1e+23`, the
      // json.Number OPA holds, 10^23) beyond, never the binary value's digits.
      return Number.isInteger(v) && !Number.isSafeInteger(v) ? { [TAG_NUM]: formatNumber(v) } : v;
    case 'object': {
      if (v === null) return null;
      if (v instanceof RNumber) return { [TAG_NUM]: v.text };
      if (Array.isArray(v)) return v.map(encodeTagged);
      if (v instanceof RSet) return { [TAG_SET]: v.values().map(encodeTagged) };
      if (v instanceof RObject) return { [TAG_OBJ]: v.entries().map(([k, x]) => [encodeTagged(k), encodeTagged(x)]) };
      const keys = Object.keys(v);
      if (keys.length === 1 && (keys[0] as string).startsWith('\u0001')) {
        return { [TAG_OBJ]: keys.map((k) => [k, encodeTagged((v as PlainObject)[k] as Value)]) };
      }
      const out: Record<string, unknown> = {};
      for (const k of keys) {
        const x = encodeTagged((v as PlainObject)[k] as Value);
        if (k === '__proto__') Object.defineProperty(out, k, { value: x, enumerable: true, writable: true, configurable: true });
        else out[k] = x;
      }
      return out;
    }
    default:
      return v;
  }
}

/**
 * Mutable per-evaluation state the builtin wrappers read (the SDK gives them no context). The
 * context is built on the first host call only: most gateway decisions make none.
 */
export interface HostState {
  opts: EvalOptions;
  ctx: BuiltinContext | undefined;
  /** this evaluation's budget (eval-budget.ts), checked by the module's EVAL_BUDGET_BUILTIN calls */
  budget: BudgetState;
  /** the location of the statement behind the current host call (error-location.ts), if known */
  locate?: (() => SourceLocation | undefined) | undefined;
}

/** Builtins throw without knowing the call site; fill it in as the JS back end's callBuiltin does. */
function withLocation(e: RegoError, state: HostState): RegoError {
  if (e.location === undefined && state.locate) {
    const loc = state.locate();
    if (loc) (e as { location: SourceLocation | undefined }).location = loc;
  }
  return e;
}

function contextOf(state: HostState): BuiltinContext {
  return (state.ctx ??= makeBuiltinContext(state.opts));
}

/**
 * Does v hold anything plain JSON.stringify would lose (sets, composite keys, big numbers)?
 * Runs on every decision's input, hence Object.keys and indexed loops (cheaper than for…in).
 */
export function needsTags(v: Value): boolean {
  if (typeof v !== 'object') {
    if (typeof v === 'number') return (v > Number.MAX_SAFE_INTEGER || v < -Number.MAX_SAFE_INTEGER) && Number.isInteger(v);
    return typeof v === 'bigint';
  }
  if (v === null) return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (needsTags(v[i] as Value)) return true;
    return false;
  }
  if (v instanceof RSet || v instanceof RObject || v instanceof RNumber) return true;
  const keys = Object.keys(v);
  for (let i = 0; i < keys.length; i++) if (needsTags((v as PlainObject)[keys[i] as string] as Value)) return true;
  return keys.length === 1 && (keys[0] as string).startsWith('\u0001');
}

export function makeBuiltinContext(opts: EvalOptions): BuiltinContext {
  const nowNs = opts.nowNs ?? BigInt(Date.now()) * 1_000_000n;
  return {
    strict: opts.strictBuiltinErrors === true,
    nowNs,
    cache: new Map(),
    print: opts.print ?? ((m: string) => void process.stderr.write(m + '\n')),
    env: opts.env ?? {},
    random: Math.random,
    ndb: opts.ndBuiltinCache,
  };
}

function wrap(def: BuiltinDef, state: HostState, tagged: boolean): (...args: unknown[]) => unknown {
  return (...args: unknown[]) => {
    const vals = args.map((a) => (tagged ? decodeTagged(a) : fromJs(a)));
    let r: Value | undefined;
    try {
      r = def.impl(vals, contextOf(state));
      if (def.nondeterministic === true && r !== undefined) contextOf(state).ndb?.put(def.name, vals, r);
    } catch (e) {
      // OPA's topdown records any error a builtin returns (type errors included) and makes the
      // call undefined; only strict builtin errors raise it (same rule as the JS back end).
      if (e instanceof BuiltinError || e instanceof BuiltinTypeError) {
        if (!contextOf(state).strict) return undefined;
        throw withLocation(e, state);
      }
      if (e instanceof RegoError) throw withLocation(e, state);
      const internal = new RegoError('REGO_ERR_BUILTIN_INTERNAL', `${def.name}: ${e instanceof Error ? e.message : String(e)}`, { opaCode: 'eval_internal_error', cause: e });
      throw withLocation(internal, state);
    }
    if (r === undefined) return undefined;
    return tagged ? encodeTagged(r) : toJs(r);
  };
}

/**
 * customBuiltins for the SDK: every registry builtin under its own name, and the ones the SDK
 * shadows also under the alias regate modules use for them.
 */
export function createCustomBuiltins(registry: BuiltinRegistry, state: HostState, tagged: boolean): Record<string, (...args: unknown[]) => unknown> {
  // Returns nothing (the SDK loads 0) or throws RegoError REGO_ERR_EVAL_BUDGET out of the module.
  const out: Record<string, (...args: unknown[]) => unknown> = { [EVAL_BUDGET_BUILTIN]: () => checkBudget(state.budget) };
  for (const def of registry.values()) {
    const f = wrap(def, state, tagged);
    out[def.name] = f;
    if (SDK_SHADOWED.has(def.name)) out[shadowAlias(def.name)] = f;
  }
  for (const def of engineBuiltins()) if (!Object.hasOwn(out, def.name)) out[def.name] = wrap(def, state, tagged);
  return out;
}
