/**
 * Loads the policy set a gateway config names (`policies: { dir | bundle, engine }`, the routes'
 * entrypoints) through the toolchain's public API, as a LoadedPolicy for the authorize stage.
 *
 * The policy returns Rego values; the decision parser wants plain JSON (sets become arrays), so
 * the result is converted once per request (`decisionToJs`, the same output as the toolchain's
 * `toJs`, without its per-key entry arrays and sort when keys already come in order) — and not
 * even copied when it already is plain JSON in Rego key order, as a decision built from object
 * literals is (the compiler inserts constant keys in order).
 */
import { readFile } from 'node:fs/promises';
import { RObject, RSet, RegoError, compareStrings, loadPolicyBundle, readOpaBundle, registryWithHttpSend, toJs, type PlainObject, type PolicyBundleOptions, type Value } from '../../policy/index.js';
import type { EvaluateOptions, LoadedPolicy } from './index.js';

export interface PolicyLoadConfig {
  /** a directory of .rego and data files, compiled by regate… */
  readonly dir?: string;
  /** …or what `opa build` wrote (bundle.tar.gz with policy.wasm or plan.json, a bare .wasm or plan) */
  readonly bundle?: string;
  readonly engine: 'js' | 'wasm';
  /** `policies.rego_version`: the dialect of modules whose bundle manifest names none (default v1) */
  readonly regoVersion?: 'v0' | 'v1';
  readonly entrypoints: readonly string[];
  /** `policies.http_send`: without it a policy that calls http.send does not load */
  readonly httpSend?: { readonly allow_hosts: readonly string[]; readonly max_timeout_ms: number };
}

export function createPolicyLoader(cfg: PolicyLoadConfig): () => Promise<LoadedPolicy> {
  // http.send would block this worker's event loop (every request on it) for the call's
  // duration, so it exists for the policy only when the config names the hosts it may reach.
  const builtins = registryWithHttpSend(cfg.httpSend ? { allowNet: cfg.httpSend.allow_hosts, maxTimeoutMs: cfg.httpSend.max_timeout_ms } : null);
  return async () => {
    const src = await source(cfg);
    const bundle = await loadPolicyBundle({ ...src, entrypoints: [...cfg.entrypoints], engine: src.wasm ? 'wasm' : cfg.engine, builtins, ...(cfg.regoVersion ? { regoVersion: cfg.regoVersion } : {}) }).catch((err: unknown) => {
      // The only builtin this registry leaves out is http.send (registryWithHttpSend(null)).
      if (err instanceof RegoError && err.code === 'REGO_ERR_BUILTIN_DISABLED') {
        throw new RegoError('REGO_ERR_BUILTIN_DISABLED', `${err.message} (http.send blocks the gateway while it waits; set policies.http_send.allow_hosts to allow it)`, { cause: err });
      }
      throw err;
    });
    return {
      revision: bundle.revision,
      evaluate(entrypoint: string, input: unknown, opts?: EvaluateOptions) {
        const v = bundle.evaluate(entrypoint, input as Value, opts);
        return v === undefined ? undefined : decisionToJs(v);
      },
    };
  };
}

/**
 * `toJs` for the values decisions are made of. A decision that already is plain JSON with keys
 * in Rego order (code points, what `toJs` emits) is returned as it is: nothing downstream writes
 * to a decision (parseDecision copies what the map stage changes; masking copies on write).
 * Otherwise plain objects and arrays are copied here, keys put in order, '__proto__' kept as an
 * own key; sets and objects with non-string keys go to `toJs` itself.
 *
 * @example decisionToJs({ upstream: { name: 'up' }, allow: true }); // { allow: true, upstream: { name: 'up' } }
 */
export function decisionToJs(v: Value): unknown {
  return isPlainInOrder(v) ? v : copyToJs(v);
}

/** Is `v` already what copyToJs would make of it: no sets, no non-string keys, keys in Rego order? */
function isPlainInOrder(v: Value): boolean {
  if (v === null || typeof v !== 'object') return true;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (!isPlainInOrder(v[i] as Value)) return false;
    return true;
  }
  if (v instanceof RSet || v instanceof RObject) return false;
  const o = v as PlainObject;
  let prev: string | null = null;
  for (const k in o) {
    // an enumerable key on a prototype (a polluted Object.prototype) is not the policy's
    if (!Object.hasOwn(o, k) || (prev !== null && compareStrings(prev, k) > 0)) return false;
    prev = k;
    if (!isPlainInOrder(o[k] as Value)) return false;
  }
  return true;
}

function copyToJs(v: Value): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = copyToJs(v[i] as Value);
    return out;
  }
  if (v instanceof RSet || v instanceof RObject) return toJs(v);
  const o = v as PlainObject;
  const keys = Object.keys(o);
  for (let i = 1; i < keys.length; i++) {
    if (compareStrings(keys[i - 1] as string, keys[i] as string) > 0) {
      keys.sort(compareStrings);
      break;
    }
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const x = copyToJs(o[k] as Value);
    if (k === '__proto__') Object.defineProperty(out, k, { value: x, enumerable: true, writable: true, configurable: true });
    else out[k] = x;
  }
  return out;
}

async function source(cfg: PolicyLoadConfig): Promise<Pick<PolicyBundleOptions, 'dir' | 'wasm' | 'plan' | 'data' | 'modules'>> {
  if (cfg.bundle === undefined) return { dir: cfg.dir as string };
  const b = readOpaBundle(await readFile(cfg.bundle));
  // a bundle of Rego sources (plain `opa build`) is compiled here, each file in its manifest's dialect
  if (b.modules) return { modules: b.modules, data: b.data };
  // A WASM module runs through the SDK whatever the configured engine; a plan runs on either.
  return b.wasm ? { wasm: b.wasm, data: b.data } : { plan: b.plan!, data: b.data };
}
