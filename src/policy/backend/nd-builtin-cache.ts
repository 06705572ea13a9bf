/**
 * The non-deterministic builtin cache of one evaluation: what `time.now_ns`, `http.send`,
 * `rand.intn`, `uuid.rfc4122`, `net.lookup_ip_addr` returned, so a decision log shows the values
 * a decision depended on (OPA's `nd_builtin_cache`, topdown/builtins `NDBCache`).
 *
 * Shape, as OPA marshals it: builtin name → (the call's operands as a JSON array text → result),
 * e.g. `{"time.now_ns": {"[]": 1733500000000000000}, "rand.intn": {"[\"k\",10]": 7}}`. OPA keys
 * its inner object by the operand array and, having no string, renders the key as that array's
 * JSON; keys are sorted compact JSON here as there. The first result of a call is kept (OPA
 * reuses it for the rest of the evaluation, and so do these builtins: time is fixed per
 * evaluation, `rand.intn`/`uuid.rfc4122` are memoised per evaluation).
 *
 * Both back ends record into it: the JS back end in `callBuiltin`, the WASM back end in its host
 * builtins (host-bridge.ts), since every registry builtin runs in JS either way. Builtins are
 * marked `nondeterministic` in their namespace files (builtins/registry.ts).
 *
 * @example
 * ```ts
 * const nd = new NdBuiltinCache();
 * bundle.evaluate('gateway/decision', input, { ndBuiltinCache: nd });
 * nd.toJSON(); // { "time.now_ns": { "[]": 1733500000000000000 } }
 * ```
 */
import { stringifyJson, toJs, type Value } from '../value/index.js';

export class NdBuiltinCache {
  private readonly calls = new Map<string, Map<string, Value>>();

  /** Records one call's result (the first one of the same operands wins). */
  put(name: string, args: readonly Value[], result: Value): void {
    let m = this.calls.get(name);
    if (m === undefined) this.calls.set(name, (m = new Map()));
    const key = stringifyJson(args as Value[]);
    if (!m.has(key)) m.set(key, result);
  }

  get size(): number {
    return this.calls.size;
  }

  /** OPA's JSON form: sets as arrays, numbers beyond 2^53 as JSON numbers (bigint values kept for the encoder). */
  toJSON(): Record<string, Record<string, unknown>> {
    const out: Record<string, Record<string, unknown>> = {};
    for (const name of [...this.calls.keys()].sort()) {
      const inner: Record<string, unknown> = {};
      for (const [k, v] of this.calls.get(name)!) inner[k] = toJs(v);
      out[name] = inner;
    }
    return out;
  }

  /** The JSON text of toJSON(), big integers exact. */
  stringify(): string {
    let s = '{';
    for (const name of [...this.calls.keys()].sort()) {
      s += (s.length === 1 ? '' : ',') + JSON.stringify(name) + ':{';
      let first = true;
      for (const [k, v] of this.calls.get(name)!) {
        s += (first ? '' : ',') + JSON.stringify(k) + ':' + stringifyJson(v);
        first = false;
      }
      s += '}';
    }
    return s + '}';
  }
}
