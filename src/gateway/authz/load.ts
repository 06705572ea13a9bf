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
import { RNumber, RObject, RSet, RegoError, assertDisjointRoots, compareStrings, compilePolicyBundle, instantiatePolicyBundle, mergeData, readOpaBundle, readPolicyDir, registryWithHttpSend, toJs, type BuiltinRegistry, type BundleVerificationOptions, type CompiledPolicy, type ModuleSource, type PlainObject, type PolicyBundleOptions, type Value } from '../../policy/index.js';
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
  /** `policies.bundles`: the downloaded bundles, read from their persisted files at each load */
  readonly bundles?: readonly { readonly name: string; read(): Promise<Uint8Array | null>; readonly verify?: () => Promise<BundleVerificationOptions> }[];
  /** `policies.http_send`: without it a policy that calls http.send does not load */
  readonly httpSend?: { readonly allow_hosts: readonly string[]; readonly max_timeout_ms: number };
}

/**
 * A policy set compiled but not instantiated (authz/compile-thread.ts posts it from the compile
 * thread to the serving one): the toolchain's CompiledPolicy and the set's bundle revisions.
 */
export interface CompiledPolicySet {
  readonly policy: CompiledPolicy;
  readonly bundles?: Record<string, { revision: string }>;
}

/** The builtins a policy of this config may call: the defaults, http.send only when configured. */
export function policyBuiltins(httpSend: PolicyLoadConfig['httpSend']): BuiltinRegistry {
  // http.send would block this worker's event loop (every request on it) for the call's
  // duration, so it exists for the policy only when the config names the hosts it may reach.
  return registryWithHttpSend(httpSend ? { allowNet: httpSend.allow_hosts, maxTimeoutMs: httpSend.max_timeout_ms } : null);
}

/** The expensive half of a load: read, verify, parse, compile, generate code (any thread). */
export function createPolicyCompiler(cfg: PolicyLoadConfig): () => Promise<CompiledPolicySet> {
  const builtins = policyBuiltins(cfg.httpSend);
  return async () => {
    const src = await source(cfg);
    const { bundles, ...opts } = src;
    const policy = await compilePolicyBundle({ ...opts, entrypoints: [...cfg.entrypoints], engine: src.wasm ? 'wasm' : cfg.engine, builtins, ...(cfg.regoVersion ? { regoVersion: cfg.regoVersion } : {}) }).catch((err: unknown) => {
      // The only builtin this registry leaves out is http.send (registryWithHttpSend(null)).
      if (err instanceof RegoError && err.code === 'REGO_ERR_BUILTIN_DISABLED') {
        throw new RegoError('REGO_ERR_BUILTIN_DISABLED', `${err.message} (http.send blocks the gateway while it waits; set policies.http_send.allow_hosts to allow it)`, { cause: err });
      }
      throw err;
    });
    return { policy, ...(bundles ? { bundles } : {}) };
  };
}

/** The cheap half, on the thread that serves requests: an evaluator and the reference to swap in. */
export async function instantiatePolicySet(c: CompiledPolicySet, builtins: BuiltinRegistry): Promise<LoadedPolicy> {
  const bundle = await instantiatePolicyBundle(c.policy, { builtins });
  return {
    revision: bundle.revision,
    ...(c.bundles ? { bundles: c.bundles, bundlesJson: JSON.stringify(c.bundles) } : {}),
    evaluate(entrypoint: string, input: unknown, opts?: EvaluateOptions) {
      const v = bundle.evaluate(entrypoint, input as Value, opts);
      return v === undefined ? undefined : decisionToJs(v);
    },
  };
}

/** Both halves on this thread (start-up, tests, benches): compile, then instantiate. */
export function createPolicyLoader(cfg: PolicyLoadConfig): () => Promise<LoadedPolicy> {
  const compile = createPolicyCompiler(cfg);
  const builtins = policyBuiltins(cfg.httpSend);
  return async () => instantiatePolicySet(await compile(), builtins);
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
  if (v === null || typeof v !== 'object') return v;
  // With an enumerable key on Object.prototype (a polluted prototype), for…in would list it for
  // every object: then copyToJs's Object.keys, which lists own keys only. Asked once per decision
  // here instead of an Object.hasOwn per key in the walk.
  return !objectPrototypeEnumerates() && isPlainInOrder(v) ? v : copyToJs(v);
}

const EMPTY = {};
function objectPrototypeEnumerates(): boolean {
  for (const _ in EMPTY) return true;
  return false;
}

/**
 * Is `v` already what copyToJs would make of it: no sets, no non-string keys, keys in Rego order?
 * Only called while Object.prototype has no enumerable key, so for…in lists an object's own keys
 * when its prototype is Object.prototype; anything else (a set, an RObject, an RNumber, a
 * null-prototype object) is left to copyToJs, which tells them apart. One prototype test instead
 * of three `instanceof`, and no call for the primitive values that most of a decision is.
 */
function isPlainInOrder(v: object): boolean {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (typeof x === 'object' && x !== null && !isPlainInOrder(x)) return false;
    }
    return true;
  }
  if (Object.getPrototypeOf(v) !== Object.prototype) return false;
  const o = v as Record<string, unknown>;
  let prev: string | null = null;
  for (const k in o) {
    if (prev !== null && compareStrings(prev, k) > 0) return false;
    prev = k;
    const x = o[k];
    if (typeof x === 'object' && x !== null && !isPlainInOrder(x)) return false;
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
  if (v instanceof RSet || v instanceof RObject || v instanceof RNumber) return toJs(v);
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

type Source = Pick<PolicyBundleOptions, 'dir' | 'wasm' | 'plan' | 'data' | 'modules'> & { bundles?: Record<string, { revision: string }> };

async function source(cfg: PolicyLoadConfig): Promise<Source> {
  if (cfg.bundles === undefined || cfg.bundles.length === 0) return localSource(cfg);
  // Downloaded bundles, with the local dir/bundle if any: Rego sources and data are merged into
  // one policy set; each bundle owns its manifest roots and no two may overlap (OPA's rule).
  const parts: { name: string; roots: readonly string[] }[] = [];
  const modules: ModuleSource[] = [];
  let data: Value = {};
  const revisions: Record<string, { revision: string }> = {};
  let single: Source | undefined;
  for (const b of cfg.bundles) {
    const bytes = await b.read();
    if (bytes === null) throw new RegoError('REGO_ERR_BUNDLE', `bundle ${b.name} has not been downloaded yet (and none is persisted)`);
    const ob = await readOpaBundle(bytes, { name: b.name, ...(b.verify ? { verify: await b.verify() } : {}) });
    parts.push({ name: b.name, roots: ob.manifest.roots });
    revisions[b.name] = { revision: ob.manifest.revision };
    if (ob.wasm || ob.plan) single = ob.wasm ? { wasm: ob.wasm, data: ob.data } : { plan: ob.plan!, data: ob.data };
    else modules.push(...(ob.modules ?? []).map((m) => ({ ...m, file: `${b.name}${m.file}` })));
    data = mergeData(data, ob.data, `bundle ${b.name}`);
  }
  if (cfg.dir !== undefined || cfg.bundle !== undefined) {
    const local = await localSource(cfg);
    if (local.wasm || local.plan) throw new RegoError('REGO_ERR_BUNDLE', 'policies.bundle holds a compiled policy (wasm or plan); it cannot be combined with policies.bundles');
    const d = local.dir !== undefined ? await readPolicyDir(local.dir) : { modules: local.modules ?? [], data: local.data ?? {} };
    // the local files own the top-level names they use; a bundle root over them is an overlap
    const roots = new Set<string>();
    for (const m of d.modules) roots.add(/^\s*package\s+([A-Za-z_]\w*)/m.exec(m.text.replace(/#.*$/gm, ''))?.[1] ?? '');
    if (d.data !== null && typeof d.data === 'object') for (const k of Object.keys(toJs(d.data) as object)) roots.add(k);
    parts.push({ name: cfg.dir !== undefined ? 'policies.dir' : 'policies.bundle', roots: [...roots] });
    modules.push(...d.modules);
    data = mergeData(data, d.data, 'policies.dir');
  }
  assertDisjointRoots(parts);
  if (single !== undefined) {
    if (modules.length > 0 || parts.length > 1) throw new RegoError('REGO_ERR_BUNDLE', 'a bundle with policy.wasm or plan.json must be the only policy source (regate does not link compiled policies together)');
    return { ...single, bundles: revisions };
  }
  if (modules.length === 0) throw new RegoError('REGO_ERR_BUNDLE', `no policy in the bundles ${Object.keys(revisions).join(', ')} (data only)`);
  return { modules, data, bundles: revisions };
}

async function localSource(cfg: PolicyLoadConfig): Promise<Source> {
  if (cfg.bundle === undefined) return { dir: cfg.dir as string };
  const b = await readOpaBundle(await readFile(cfg.bundle));
  // a bundle of Rego sources (plain `opa build`) is compiled here, each file in its manifest's dialect
  if (b.modules) return { modules: b.modules, data: b.data };
  // A WASM module runs through the SDK whatever the configured engine; a plan runs on either.
  return b.wasm ? { wasm: b.wasm, data: b.data } : { plan: b.plan!, data: b.data };
}
