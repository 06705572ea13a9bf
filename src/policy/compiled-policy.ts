/**
 * A compiled policy set in a form that crosses a thread boundary: everything `loadPolicyBundle`
 * computes before it creates an evaluator — the sources read and parsed, the plan compiled, the
 * back end's code generated (JS source, or a WASM module), the data merged, the revision hashed —
 * so that a worker thread can do that work and the thread that serves requests only
 * instantiates it (`instantiatePolicyBundle`, index.ts).
 *
 * It is sent with `postMessage` (structured clone). Functions and class instances do not survive
 * that: the JS back end names its builtins instead of holding them (backend/js), and the data
 * document goes as plain JSON values when it is that (data files always are), otherwise in a
 * tagged form that keeps Rego sets and objects with non-string keys (`cloneValue`).
 *
 * @example
 *   const compiled = await compilePolicyBundle({ dir: 'policies', entrypoints: ['a/allow'], engine: 'js' }); // in a worker thread
 *   parentPort.postMessage(compiled);
 *   const bundle = await instantiatePolicyBundle(received, {}); // on the serving thread: cheap
 */
import type { JsArtifact } from './backend/js/index.js';
import type { Engine } from './index.js';
import { RNumber, RObject, RSet, makeObject, type PlainObject, type Value } from './value/index.js';

export interface CompiledPolicy {
  /** sha256 (hex) of the module sources, the plan and the data (as loadPolicyBundle's) */
  readonly revision: string;
  readonly entrypoints: readonly string[];
  readonly engine: Engine;
  readonly code: JsArtifact | { readonly kind: 'wasm'; readonly wasm: Uint8Array };
  readonly data: ClonedValue;
}

/** A Value as structured clone carries it: as it is when plain JSON, else tagged. */
export type ClonedValue = { readonly plain: true; readonly value: Value } | { readonly plain: false; readonly tagged: unknown };

/**
 * Does `v` hold a set, an object with non-string keys or a number kept as its text (`1.0`, `1e400`)
 * anywhere (which a clone would flatten or turn into a plain object)?
 */
function hasRegoOnly(v: Value): boolean {
  if (v === null || typeof v !== 'object') return false;
  if (v instanceof RSet || v instanceof RObject || v instanceof RNumber) return true;
  if (Array.isArray(v)) return v.some(hasRegoOnly);
  for (const k in v) if (Object.hasOwn(v, k) && hasRegoOnly(v[k] as Value)) return true;
  return false;
}

/** Tagged form: every composite value (and a text-kept number) is a two-element array `[kind, items]`, scalars stay. */
function tag(v: Value): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return ['a', v.map(tag)];
  if (v instanceof RNumber) return ['n', v.text];
  if (v instanceof RSet) return ['s', v.values().map(tag)];
  if (v instanceof RObject) return ['o', v.entries().map(([k, x]) => [tag(k), tag(x)])];
  return ['o', Object.keys(v).map((k) => [k, tag((v as PlainObject)[k] as Value)])];
}

function untag(x: unknown): Value {
  if (x === null || typeof x !== 'object') return x as Value;
  const [kind, items] = x as [string, unknown[]];
  if (kind === 'n') return new RNumber(items as unknown as string);
  if (kind === 'a') return items.map(untag);
  if (kind === 's') return RSet.of(items.map(untag));
  return makeObject((items as [unknown, unknown][]).map(([k, v]) => [untag(k), untag(v)] as const));
}

/** `v` ready for postMessage. */
export function cloneValue(v: Value): ClonedValue {
  return hasRegoOnly(v) ? { plain: false, tagged: tag(v) } : { plain: true, value: v };
}

/** The Value a cloneValue result stands for, on the receiving side. */
export function valueOfClone(c: ClonedValue): Value {
  return c.plain ? c.value : untag(c.tagged);
}

