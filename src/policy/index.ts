/**
 * The Rego toolchain's public API — the only module the gateway imports from src/policy.
 *
 * @example
 * ```ts
 * import { loadPolicyBundle } from './index.js';
 * const bundle = await loadPolicyBundle({ dir: './policies', entrypoints: ['insurance/decision'], engine: 'js' });
 * const decision = bundle.evaluate('insurance/decision', { request: { method: 'GET', path: '/car/insurance' }, token });
 * // decision: the rule's value, or undefined (the gateway then denies: fail closed)
 * console.log(bundle.revision); // sha256 of the sources and data, for audit events
 * ```
 */
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { RegoError } from './errors.js';
import type { Policy } from './ir/types.js';
import type { BuiltinRegistry } from './builtins/registry.js';
import { defaultRegistry } from './builtins/index.js';
import type { EvalOptions, PlanEvaluator } from './backend/evaluator.js';
import { createJsEvaluator, compileJsArtifact, createJsEvaluatorFromArtifact } from './backend/js/index.js';
import { cloneValue, valueOfClone, type CompiledPolicy } from './compiled-policy.js';
import { compileModules } from './compiler/index.js';
import { assertEntrypointsDefined } from './entrypoints.js';
import type { RegoVersion } from './syntax/index.js';
import { manifestRegoVersion } from './bundle/manifest.js';
import { fromJs, isObject, objectEntries, objectGet, makeObject, parseGoYaml, parseJson, stringifyJson, type Value } from './value/index.js';

export * from './value/index.js';
export { RegoError, BuiltinError, BuiltinTypeError, ConflictError, type SourceLocation } from './errors.js';
export { REGO_ERROR_CODES, type RegoErrorCode, type OpaErrorCode } from './error-codes.js';
export { compileToPlan, CompileErrors, type CompileOptions, type SchemaSet } from './compiler/index.js';
export { writeTar } from './backend/wasm/bundle.js';
export { parseModule, parseQuery, ParseErrors, type RegoVersion } from './syntax/index.js';
export { manifestRegoVersion, parseManifest, type BundleManifest } from './bundle/manifest.js';
export { assertDisjointRoots, rootsOverlap } from './bundle/roots.js';
export { readTarFiles, writeTarGz } from './bundle/tar.js';
export { hashBundleFile, canonicalJson } from './bundle/hash.js';
export { SIGNATURES_FILE, importSigningKey, importVerificationKey, signBundleFiles, verifyBundleFiles, type BundleKey, type BundleSignature, type BundleSigningOptions, type BundleVerificationKey, type BundleVerificationOptions } from './bundle/signature.js';
export { nameGlob } from './name-glob.js';
export { UnknownEntrypointError, entrypointPath, findUndefinedEntrypoints, assertEntrypointsDefined } from './entrypoints.js';
export type { Policy } from './ir/types.js';
export type { EvalOptions, EvaluatorOptions, PlanEvaluator } from './backend/evaluator.js';
export { createJsEvaluator } from './backend/js/index.js';
export { createTraceRecorder, filterTrace, type PlanTracer, type TraceEvent, type TraceRecorder } from './backend/trace.js';
export { cloneValue, valueOfClone, type ClonedValue, type CompiledPolicy } from './compiled-policy.js';
export { NdBuiltinCache } from './backend/nd-builtin-cache.js';
export { readOpaBundle, type OpaBundle, type ReadBundleOptions } from './bundle/read-bundle.js';
export type { BuiltinDef, BuiltinContext, BuiltinRegistry } from './builtins/registry.js';
export { registryWithHttpSend, type HttpSendLimits } from './builtins/index.js';

export type Engine = 'js' | 'wasm';

export interface ModuleSource {
  file: string;
  text: string;
  /** this file's dialect when its bundle's .manifest names one (wins over the configured one) */
  regoVersion?: RegoVersion;
}

export interface PolicyBundleOptions {
  /** directory of .rego files (recursively; `*_test.rego` skipped) and data.json/data.yaml files */
  dir?: string;
  /** modules in addition to (or instead of) `dir` */
  modules?: ModuleSource[];
  /** base document merged over the data files of `dir` (its leaves win) */
  data?: Value;
  /** a ready plan (e.g. `opa build -t plan` output) instead of compiling modules */
  plan?: Policy;
  /** a ready module (`opa build -t wasm`'s policy.wasm, or compileWasm output); needs engine 'wasm' */
  wasm?: Uint8Array;
  /** rule paths such as `gateway/decision` */
  entrypoints: string[];
  engine: Engine;
  builtins?: BuiltinRegistry;
  /** the dialect of modules whose bundle does not name one (`policies.rego_version`; default v1) */
  regoVersion?: RegoVersion;
}

export interface PolicyBundle {
  /** sha256 (hex) of the module sources, the plan and the data */
  readonly revision: string;
  readonly entrypoints: readonly string[];
  /** The entrypoint's value, or undefined. Throws RegoError when evaluation fails (conflicts, strict builtin errors). */
  evaluate(entrypoint: string, input: Value | undefined, opts?: EvalOptions): Value | undefined;
}

/**
 * The WASM back end, imported on first use. It is the one lazy import of the toolchain, and for a
 * measured reason: it loads binaryen, which adds about 55 MB of RSS to the process (67 → 120-136
 * MB importing dist/policy/backend/js vs dist/policy/index.js with it, three runs each) and
 * several times the import time of the rest of the toolchain; a gateway on the JS engine and
 * most `regate policy` commands never need it.
 */
export async function loadWasmBackend(): Promise<typeof import('./backend/wasm/index.js')> {
  try {
    return await import('./backend/wasm/index.js');
  } catch (e) {
    const err = e as { code?: string; message?: string };
    const notFound = err.code === 'ERR_MODULE_NOT_FOUND' || err.code === 'MODULE_NOT_FOUND';
    // The WASM back end compiles with binaryen (108 MB), which production installs may leave
    // out when they run the JS engine only (docker/Dockerfile's default image does). The
    // module-resolution error names the missing package: that is Node's structured report,
    // the one place its text is read.
    if (notFound && /Cannot find (?:package|module) 'binaryen'/.test(String(err.message))) {
      throw new RegoError('REGO_ERR_ENGINE_UNAVAILABLE', 'the wasm engine needs the binaryen package, which is not installed: use engine: js, the -wasm image (docker/Dockerfile target runtime-wasm), or `npm install binaryen`');
    }
    throw e;
  }
}

/** An evaluator for `plan` (or, on the WASM back end, a ready module) on the chosen back end. */
export async function createEvaluator(plan: Policy | Uint8Array, opts: { engine: Engine; data?: Value; builtins?: BuiltinRegistry; trace?: boolean }): Promise<PlanEvaluator> {
  const evOpts = { ...(opts.data !== undefined ? { data: opts.data } : {}), ...(opts.builtins ? { builtins: opts.builtins } : {}), ...(opts.trace === true ? { trace: true } : {}) };
  if (opts.engine === 'js') {
    if (plan instanceof Uint8Array) throw new TypeError('the js engine runs plans, not WASM modules');
    return createJsEvaluator(plan, evOpts);
  }
  if (opts.engine !== 'wasm') throw new TypeError(`unknown engine ${String(opts.engine)}`);
  const { createWasmEvaluator } = await loadWasmBackend();
  return createWasmEvaluator(plan, evOpts);
}

/**
 * Reads a policy directory as a bundle: every `.rego` file (sorted by path) and every
 * `data.json` / `data.yaml` / `data.yml`, whose content is placed at the path of its directory
 * (as `opa build` does: `dir/roles/data.json` becomes `data.roles`); hidden directories are
 * skipped. (`regate policy` reads paths given without `-b` as OPA's file loader does instead:
 * cli/policy/load-paths.ts.)
 */
export async function readPolicyDir(dir: string, opts: { includeTests?: boolean } = {}): Promise<{ modules: ModuleSource[]; data: Value }> {
  const modules: ModuleSource[] = [];
  let data: Value = {};
  const manifest = await readManifest(dir);
  const walk = async (d: string): Promise<void> => {
    const entries = (await readdir(d, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (!e.name.startsWith('.')) await walk(p);
      } else if (e.name.endsWith('.rego')) {
        if (!opts.includeTests && e.name.endsWith('_test.rego')) continue;
        const regoVersion = manifestRegoVersion(manifest, relative(dir, p).split(sep).join('/'));
        modules.push({ file: p, text: await readFile(p, 'utf8'), ...(regoVersion ? { regoVersion } : {}) });
      } else if (e.name === 'data.json' || e.name === 'data.yaml' || e.name === 'data.yml') {
        const text = await readFile(p, 'utf8');
        let doc: unknown;
        try {
          // parseJson, not JSON.parse: numbers keep their text (1.0, 1e400, long integers) as OPA's do
          doc = e.name.endsWith('.json') ? parseJson(text) : parseYamlDocument(text);
        } catch (err) {
          throw new RegoError('REGO_ERR_DATA_FILE', `${p}: ${(err as Error).message}`, { cause: err });
        }
        const segs = relative(dir, d).split(sep).filter((s) => s !== '');
        data = mergeData(data, segs.reduceRight<Value>((acc, s) => ({ [s]: acc }), fromJs(doc ?? {})), p);
      }
    }
  };
  await walk(dir);
  return { modules, data };
}

/**
 * A YAML data file's content, read as OPA reads it (sigs.k8s.io/yaml over go-yaml v2, as for
 * yaml.unmarshal; value/go-yaml.ts): go-yaml's scalars (`yes`/`on` are booleans, `0755` octal,
 * `.` and `22:22` strings), timestamps kept as strings, and of several documents in one file
 * (`---`) only the first; an empty file is null.
 */
export function parseYamlDocument(text: string): unknown {
  return parseGoYaml(text);
}

/** `<dir>/.manifest` (a bundle directory's), or undefined when there is none. */
async function readManifest(dir: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(join(dir, '.manifest'), 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new RegoError('REGO_ERR_BUNDLE', `${join(dir, '.manifest')}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Deep merge of two data documents. Two different leaves at one path are a
 * REGO_ERR_DATA_CONFLICT, unless `override` (then `b` wins, as for data passed over a dir's files).
 */
export function mergeData(a: Value, b: Value, where = 'data', override = false): Value {
  if (!isObject(a) || !isObject(b)) {
    if (override || stringifyJson(a) === stringifyJson(b)) return override ? b : a;
    throw new RegoError('REGO_ERR_DATA_CONFLICT', `${where}: data conflicts with a value already at the same path`);
  }
  const out = new Map<string, [Value, Value]>();
  for (const [k, v] of objectEntries(a)) out.set(stringifyJson(k), [k, v]);
  for (const [k, v] of objectEntries(b)) {
    const prev = objectGet(a, k);
    out.set(stringifyJson(k), [k, prev === undefined ? v : mergeData(prev, v, where, override)]);
  }
  return makeObject(out.values());
}

function revisionOf(modules: readonly ModuleSource[], plan: Policy | Uint8Array | undefined, data: Value): string {
  const h = createHash('sha256');
  for (const m of [...modules].sort((x, y) => (x.file < y.file ? -1 : x.file > y.file ? 1 : 0))) h.update(`module ${m.file.length}:${m.file}${m.text.length}:${m.text}`);
  if (plan instanceof Uint8Array) h.update('wasm ').update(plan);
  else if (plan) h.update('plan ' + JSON.stringify(plan));
  h.update('data ' + stringifyJson(data));
  return h.digest('hex');
}

/**
 * A plan that calls a builtin OPA has but `registry` leaves out (the gateway leaves out
 * `http.send` unless configured) is refused with REGO_ERR_BUILTIN_DISABLED, naming the builtin,
 * before any back end sees it.
 */
function refuseDisabledBuiltins(plan: Policy, registry: BuiltinRegistry): void {
  for (const f of plan.static?.builtin_funcs ?? []) {
    if (!registry.has(f.name) && defaultRegistry.has(f.name)) {
      throw new RegoError('REGO_ERR_BUILTIN_DISABLED', `the policy calls ${f.name}, which this embedding does not enable`);
    }
  }
}

/** Compiles (or takes) a plan for the entrypoints and returns a ready-to-evaluate bundle. */
export async function loadPolicyBundle(opts: PolicyBundleOptions): Promise<PolicyBundle> {
  return instantiatePolicyBundle(await compilePolicyBundle(opts), opts.builtins ? { builtins: opts.builtins } : {});
}

/**
 * The expensive half of loadPolicyBundle — read, parse, compile, generate the back end's code —
 * as a CompiledPolicy that can be posted to another thread (compiled-policy.ts). Throws what
 * loadPolicyBundle throws for the same options, except what only instantiation finds.
 */
export async function compilePolicyBundle(opts: PolicyBundleOptions): Promise<CompiledPolicy> {
  if (!Array.isArray(opts.entrypoints) || opts.entrypoints.length === 0) throw new TypeError('loadPolicyBundle: entrypoints must be a non-empty array');
  if (opts.engine !== 'js' && opts.engine !== 'wasm') throw new TypeError(`unknown engine ${String(opts.engine)}`);
  const modules: ModuleSource[] = [];
  let data: Value = {};
  if (opts.dir !== undefined) {
    const d = await readPolicyDir(opts.dir);
    modules.push(...d.modules);
    data = d.data;
  }
  if (opts.modules) modules.push(...opts.modules);
  if (opts.data !== undefined) data = mergeData(data, opts.data, 'data', true);
  let plan: Policy | Uint8Array | undefined = opts.wasm ?? opts.plan;
  if (!plan) {
    if (modules.length === 0) throw new TypeError('loadPolicyBundle: needs dir, modules, plan or wasm');
    const compiled = compileModules(modules, { entrypoints: opts.entrypoints, ...(opts.regoVersion ? { regoVersion: opts.regoVersion } : {}) });
    plan = compiled.plan;
    // The plan of an undefined ref is valid (always undefined), so only the rules say whether an
    // entrypoint exists: checked on the modules as the compiler parsed them.
    assertEntrypointsDefined(compiled.parsed, opts.entrypoints, data);
  }
  const registry = opts.builtins ?? defaultRegistry;
  if (opts.builtins && !(plan instanceof Uint8Array)) refuseDisabledBuiltins(plan, opts.builtins);
  let code: CompiledPolicy['code'];
  if (opts.engine === 'js') {
    if (plan instanceof Uint8Array) throw new TypeError('the js engine runs plans, not WASM modules');
    code = compileJsArtifact(plan, registry);
  } else if (plan instanceof Uint8Array) {
    code = { kind: 'wasm', wasm: plan };
  } else {
    // Modules compiled here count steps for the evaluation budget (as createWasmEvaluator's own).
    const { compileWasm } = await loadWasmBackend();
    code = { kind: 'wasm', wasm: await compileWasm(plan, { registry, evalBudget: true }) };
  }
  return { revision: revisionOf(modules, opts.wasm ?? opts.plan, data), entrypoints: [...opts.entrypoints], engine: opts.engine, code, data: cloneValue(data) };
}

/**
 * The cheap half: an evaluator over a CompiledPolicy (perhaps compiled in another thread), with
 * the builtins of this thread's registry. Throws REGO_ERR_UNKNOWN_ENTRYPOINT when the code lacks
 * an entrypoint, REGO_ERR_UNKNOWN_BUILTIN when the registry lacks a builtin the code calls.
 */
export async function instantiatePolicyBundle(c: CompiledPolicy, opts: { builtins?: BuiltinRegistry }): Promise<PolicyBundle> {
  const data = valueOfClone(c.data);
  const evOpts = { data, ...(opts.builtins ? { builtins: opts.builtins } : {}) };
  const ev: PlanEvaluator = c.code.kind === 'js' ? createJsEvaluatorFromArtifact(c.code, evOpts) : await (await loadWasmBackend()).createWasmEvaluator(c.code.wasm, evOpts);
  for (const e of c.entrypoints) {
    if (!ev.plans.includes(e)) throw new RegoError('REGO_ERR_UNKNOWN_ENTRYPOINT', `entrypoint ${e} is not in the plan (has ${ev.plans.join(', ')})`);
  }
  return {
    revision: c.revision,
    entrypoints: Object.freeze([...c.entrypoints]),
    evaluate(entrypoint, input, evalOpts) {
      const rows = ev.evaluate(entrypoint, input, evalOpts);
      const first = rows[0];
      // Entrypoint plans add at most one row, `{"result": value}`.
      return first !== undefined && isObject(first) ? objectGet(first, 'result') : undefined;
    },
  };
}
