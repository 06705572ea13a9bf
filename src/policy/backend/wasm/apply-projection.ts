/**
 * Per-decision half of the input projection (input-projection.ts): cutting an input down to
 * what the module's plans can observe, either as a value (applyProjection) or straight to the
 * JSON text the SDK is handed (projectedJson, the evaluator's fast path).
 *
 * @example
 *   const p = projectionFromJson({ request: { path: 1 } });
 *   applyProjection({ request: { path: '/x', id: 7 } }, p); // { request: { path: '/x' } }
 *   projectedJson({ request: { path: '/x', id: 7 } }, p);   // '{"request":{"path":"/x"}}'
 */
import { RNumber, RObject, RSet, type PlainObject, type Value } from '../../value/index.js';
import { needsTags } from './host-bridge.js';
import type { Projection } from './input-projection.js';

/**
 * The part of v that p keeps. Only plain objects are cut down (to the listed keys they have);
 * anything else at a node (arrays, scalars, sets, objects with non-string keys) stays whole,
 * since constant-key lookups on it already fail the same way.
 */
export function applyProjection(v: Value, p: Projection): Value {
  if (p.full || v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof RSet || v instanceof RObject || v instanceof RNumber) return v;
  const out: PlainObject = {};
  const keys = p.keys ?? [...p.kids.keys()];
  const nodes = p.nodes ?? [...p.kids.values()];
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    if (!Object.hasOwn(v, k)) continue;
    const x = applyProjection((v as PlainObject)[k] as Value, nodes[i] as Projection);
    if (k === '__proto__') Object.defineProperty(out, k, { value: x, enumerable: true, writable: true, configurable: true });
    else out[k] = x;
  }
  return out;
}

/**
 * JSON.stringify(applyProjection(v, p)) in one pass, without building the cut-down object:
 * the per-decision path of regate's evaluator. `null` when that value would need the tagged
 * encoding (needsTags: sets, big numbers, …); the caller then takes the general path.
 */
export function projectedJson(v: Value, p: Projection): string | undefined | null {
  if (p.full || v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof RSet || v instanceof RObject || v instanceof RNumber) {
    return needsTags(v) ? null : JSON.stringify(v);
  }
  const keys = p.keys ?? [...p.kids.keys()];
  const nodes = p.nodes ?? [...p.kids.values()];
  const quoted = p.quoted ?? keys.map((k) => JSON.stringify(k));
  let out = '{';
  let present = 0;
  let last = '';
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    if (!Object.hasOwn(v, k)) continue;
    present++;
    last = k;
    const x = projectedJson((v as PlainObject)[k] as Value, nodes[i] as Projection);
    if (x === null) return null;
    if (x === undefined) continue; // JSON.stringify drops such members too
    out += (out.length > 1 ? ',' : '') + (quoted[i] as string) + ':' + x;
  }
  // A lone "\u0001…" key is how the tagged encoding marks special objects (needsTags).
  if (present === 1 && last.startsWith('\u0001')) return null;
  return out + '}';
}
