/**
 * Helpers the generated evaluator code calls. Each implements one IR statement's semantics on
 * the shared value model exactly as OPA's WASM back end does (v1/internal/compiler/wasm and
 * wasm/src/value.c), which is the reference for running `ir.Policy` plans:
 *
 * - a helper returns `undefined` where the statement is undefined (the caller then leaves its block);
 * - values built by MakeArray/MakeObject/MakeSet are mutated in place by the append/insert
 *   statements, like the pointers the WASM code passes around.
 *
 * Kept free of per-call allocation on the hot paths (dot on a plain object, equality of scalars).
 */
import { BuiltinError, BuiltinTypeError, ConflictError, RegoError, type SourceLocation } from '../../errors.js';
import type { BuiltinContext, BuiltinDef } from '../../builtins/registry.js';
import { RNumber, RObject, RSet, equal, exceedsExponentLimit, hashKey, numberFromText, objectEntries, objectGet, rnumberToNative, type PlainObject, type Value } from '../../value/index.js';

const hasOwn = Object.hasOwn;
const isArray = Array.isArray;

/** Is `v` a Rego object (plain or composite-keyed)? `undefined` (an unset local) is not. */
export function isObj(v: Value | undefined): v is PlainObject | RObject {
  return typeof v === 'object' && v !== null && !isArray(v) && !(v instanceof RSet) && !(v instanceof RNumber);
}

/**
 * DotStmt: `source[key]`. Arrays take numbers written as integers only; objects any key; a set
 * "contains" its key and yields it (OPA: `s[x]` is membership). Scalars and missing keys are
 * undefined.
 *
 * An array index is not compared by value: OPA's Array.Get takes `Number.Int()`, which is
 * `json.Number(text).Int64()` — strconv.ParseInt of the number's text — so `arr[1.0]` and
 * `arr[1e0]` are undefined although 1.0 == 1 (ast/term.go). An RNumber is a number whose text
 * is not a plain integer (number-text.ts), except for integer texts a builtin computed.
 */
export function dot(src: Value | undefined, key: Value): Value | undefined {
  if (typeof src !== 'object' || src === null) return undefined;
  if (isArray(src)) {
    let i: number;
    if (typeof key === 'number') i = key;
    else if (key instanceof RNumber) {
      if (!/^-?\d+$/.test(key.text)) return undefined;
      const n = rnumberToNative(key);
      if (typeof n !== 'number') return undefined; // beyond 2^53: never a valid index
      i = n;
    } else return undefined; // a bigint is beyond 2^53: never a valid index

    if (!Number.isInteger(i) || i < 0 || i >= src.length) return undefined;
    return src[i];
  }
  if (src instanceof RSet) return src.has(key) ? key : undefined;
  if (src instanceof RObject) return src.get(key);
  if (typeof key !== 'string' || src instanceof RNumber) return undefined;
  return hasOwn(src, key) ? src[key] : undefined;
}

/** DotStmt with a constant string key: the common `input.request.path` shape. */
export function dotS(src: Value | undefined, key: string): Value | undefined {
  if (typeof src !== 'object' || src === null || isArray(src) || src instanceof RNumber) return undefined;
  if (src instanceof RSet) return src.has(key) ? key : undefined;
  if (src instanceof RObject) return src.get(key);
  return hasOwn(src, key) ? src[key] : undefined;
}

/**
 * DotStmt fallback after the generated code's direct read `src[key]` found nothing: only a set
 * (membership) or a composite-keyed object can still hold `key` (the generated code reads
 * directly only for keys that no prototype or value-model field defines).
 */
export function dotMiss(src: Value | undefined, key: string): Value | undefined {
  if (src instanceof RSet) return src.has(key) ? key : undefined;
  if (src instanceof RObject) return src.get(key);
  return undefined;
}

/** LenStmt: element count of a collection; a string counts code points (Go counts runes). */
export function len(v: Value | undefined): number {
  if (typeof v === 'string') {
    let n = 0;
    for (let i = 0; i < v.length; i++) {
      const c = v.charCodeAt(i);
      if (c < 0xd800 || c > 0xdbff) n++;
    }
    return n;
  }
  if (typeof v !== 'object' || v === null || v instanceof RNumber) return 0;
  if (isArray(v)) return v.length;
  if (v instanceof RSet || v instanceof RObject) return v.size;
  return Object.keys(v).length;
}

const EMPTY: Value[] = [];

/**
 * ScanStmt over a non-array: `[k0, v0, k1, v1, …]` in Rego order (sorted keys; a set yields
 * each element as both key and value, as OPA's opa_value_iter does). Scalars scan nothing.
 */
export function scanPairs(v: Value | undefined): Value[] {
  if (typeof v !== 'object' || v === null || v instanceof RNumber) return EMPTY;
  if (v instanceof RSet) {
    const xs = v.values();
    const out: Value[] = new Array(xs.length * 2);
    for (let i = 0; i < xs.length; i++) out[2 * i] = out[2 * i + 1] = xs[i] as Value;
    return out;
  }
  const es = objectEntries(v as PlainObject | RObject);
  const out: Value[] = new Array(es.length * 2);
  for (let i = 0; i < es.length; i++) {
    const e = es[i] as readonly [Value, Value];
    out[2 * i] = e[0];
    out[2 * i + 1] = e[1];
  }
  return out;
}

function setPlain(o: PlainObject, k: string, v: Value): void {
  // "__proto__" must become an own key, never the prototype.
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

/**
 * ObjectInsertStmt. Returns the object to store back into the local: a plain object switches to
 * an RObject the first time a non-string key arrives.
 */
export function objInsert(o: PlainObject | RObject, k: Value, v: Value): PlainObject | RObject {
  if (o instanceof RObject) {
    o.set(k, v);
    return o;
  }
  if (typeof k === 'string') {
    setPlain(o, k, v);
    return o;
  }
  const r = new RObject();
  for (const pk of Object.keys(o)) r.set(pk, o[pk] as Value);
  r.set(k, v);
  return r;
}

/** ObjectInsertOnceStmt: a second, different value for a key is a conflict (partial object rules). */
export function objInsertOnce(o: PlainObject | RObject, k: Value, v: Value, loc: SourceLocation): PlainObject | RObject {
  const prev = objectGet(o, k);
  if (prev !== undefined) {
    if (!equal(prev, v)) throw new ConflictError('object keys must be unique', loc);
    return o;
  }
  return objInsert(o, k, v);
}

/** AssignVarOnceStmt conflict: message as OPA's topdown words it for rules vs functions. */
export function conflict(isFunction: boolean, loc: SourceLocation): ConflictError {
  return new ConflictError(
    isFunction ? 'functions must not produce multiple outputs for same inputs' : 'complete rules must not produce multiple outputs',
    loc,
  );
}

/**
 * ObjectMergeStmt (opa_value_merge in OPA's wasm/src/value.c): recursive merge of two objects,
 * keys of both; when a key is in both and either value is not an object, `a`'s value wins — the
 * planner passes the base document as `a`, so base data shadows a virtual document there.
 */
export function merge(a: Value | undefined, b: Value | undefined): Value | undefined {
  if (a === undefined) return b;
  if (b === undefined || !isObj(a) || !isObj(b)) return a;
  let out: PlainObject | RObject = {};
  for (const [k, va] of objectEntries(a)) {
    const vb = objectGet(b, k);
    if (vb === undefined) {
      out = objInsert(out, k, va);
      continue;
    }
    const m = merge(va, vb);
    if (m === undefined) return undefined;
    out = objInsert(out, k, m);
  }
  for (const [k, vb] of objectEntries(b)) if (objectGet(a, k) === undefined) out = objInsert(out, k, vb);
  return out;
}

function shallowCopy(o: PlainObject | RObject): PlainObject | RObject {
  if (o instanceof RObject) {
    const r = new RObject();
    for (const [k, v] of o.entries()) r.set(k, v);
    return r;
  }
  const r: PlainObject = {};
  for (const k of Object.keys(o)) setPlain(r, k, o[k] as Value);
  return r;
}

/**
 * WithStmt with a path (compileUpsert in OPA's WASM compiler): returns a copy of `root` with
 * `value` at `path`, shallow-copying each object on the way and replacing a missing or
 * non-object node by a new object. `root` itself is never mutated (it is restored afterwards).
 */
export function upsert(root: Value | undefined, path: readonly string[], value: Value): Value {
  const top: PlainObject | RObject = isObj(root) ? shallowCopy(root) : {};
  let node: PlainObject | RObject = top;
  // Copy-on-write down the path; objInsert may swap a plain object for an RObject only for
  // non-string keys, which paths never hold, so `node` stays the stored object.
  for (let i = 0; i < path.length - 1; i++) {
    const k = path[i] as string;
    const next = objectGet(node, k);
    const child: PlainObject | RObject = isObj(next) ? shallowCopy(next) : {};
    objInsert(node, k, child);
    node = child;
  }
  objInsert(node, path[path.length - 1] as string, value);
  return top;
}

/** The key of a CallDynamicStmt path (all segments must be strings, else no function matches). */
export function dynKey(segments: readonly Value[]): string | undefined {
  let s = '';
  for (const x of segments) {
    if (typeof x !== 'string') return undefined;
    s += x + '\u0000';
  }
  return s;
}

/**
 * CallStmt to a builtin. OPA's topdown (evalBuiltin.eval) records every error a builtin returns —
 * type errors included — and makes the call undefined; only with StrictBuiltinErrors does the
 * query fail with it. Errors that are not about the builtin's operands (conflicts, …) always
 * raise. Any other exception is a bug in the builtin and is surfaced with its own code instead
 * of being mistaken for "undefined".
 */
export function callBuiltin(def: BuiltinDef, args: Value[], ctx: BuiltinContext, loc: SourceLocation): Value | undefined {
  try {
    const r = def.impl(args, ctx);
    // the decision log's nd_builtin_cache (backend/nd-builtin-cache.ts); one flag test for the rest
    if (def.nondeterministic === true && r !== undefined && ctx.ndb !== undefined) ctx.ndb.put(def.name, args, r);
    return r;
  } catch (e) {
    if (e instanceof BuiltinError || e instanceof BuiltinTypeError) {
      if (!ctx.strict) return undefined;
      throw withLocation(e, loc);
    }
    if (e instanceof RegoError) throw withLocation(e, loc);
    throw new RegoError('REGO_ERR_BUILTIN_INTERNAL', `${def.name}: ${e instanceof Error ? e.message : String(e)}`, {
      opaCode: 'eval_internal_error',
      location: loc,
      cause: e,
    });
  }
}

/** Builtins throw without knowing the call site; the caller's location is filled in here (OPA reports `file:row`). */
function withLocation(e: RegoError, loc: SourceLocation): RegoError {
  if (e.location === undefined) (e as { location: SourceLocation | undefined }).location = loc;
  return e;
}

/**
 * MakeNumberRefStmt: the number's source text, exactly, as OPA's json.Number keeps it: a double
 * when that is the same text, a bigint for a long integer, else an RNumber (`1.0`, `1e1000`).
 * Only an exponent beyond what OPA's parser accepts ("number too big") is refused.
 */
export function parseNumberText(text: string): number | bigint | RNumber {
  if (exceedsExponentLimit(text)) throw new RegoError('REGO_ERR_NUMBER_RANGE', `number ${text} is out of range`, { opaCode: 'eval_internal_error' });
  return numberFromText(text);
}

export { RSet, RObject, RNumber, equal, hashKey };
export { checkBudget } from '../eval-budget.js';
