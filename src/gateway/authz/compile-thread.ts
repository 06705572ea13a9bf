/**
 * Compiling a policy set off the serving thread's event loop (issue #19: activation compiles
 * off the hot path, then swaps).
 *
 * Reading, verifying, parsing and compiling a large bundle is seconds of synchronous work (a
 * 10 000-rule bundle: the compiler, then the JS code generator); done on a gateway worker's own
 * loop, every request of that worker waits for it. Here it runs in a `node:worker_threads`
 * Worker (compile-worker.ts) from a serialisable description of the policy sources
 * (`PolicyCompileSpec`, made from the config), and the thread posts back a CompiledPolicySet
 * (load.ts): the generated JS source or WASM module, the data and the revision. The serving
 * thread then only instantiates it and swaps one reference (policy-holder.ts).
 *
 * Failures: a compile error comes back with its code and its rendering (file:line:col and the
 * caret), so /readyz and the logs show exactly what an in-thread compile showed; an
 * UnknownEntrypointError is rebuilt as one. A thread that crashes (an exception outside the
 * compile, out of memory) or runs past `timeoutMs` is terminated and the compile rejects with
 * REGO_ERR_COMPILE_ABORTED; the caller keeps its previous revision (fail closed = keep the old
 * one), and the next compile starts a fresh thread.
 *
 * Lifetime: the thread starts with the first compile (or `warm()`) and ends after `idleMs`
 * without one, so an idle gateway carries no extra V8 isolate; it never keeps the process alive
 * (unref). Starting it costs what loading the toolchain into a fresh isolate costs (measured
 * 2.3 s from dist/ at load average 36 on the shared 2-core machine, 5.6 s from source through
 * tsx): a gateway that activates downloaded bundles keeps its thread warm (`idleMs: Infinity`,
 * `warm()` once it serves), so that cost does not delay every new revision.
 *
 * @example
 *   const thread = createCompileThread(policyCompileSpec(config));
 *   const loaded = await instantiatePolicySet(await thread.compile(), policyBuiltins(spec.httpSend));
 */
import { resolve } from 'node:path';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { RegoError, UnknownEntrypointError } from '../../policy/index.js';
import type { BundleServiceConfig, GatewayConfig } from '../config/types.js';
import { persistedBundleReaders } from './bundle-service.js';
import type { CompiledPolicySet, PolicyLoadConfig } from './load.js';

/**
 * Everything a compile thread needs to load the policy set a config names; structured-cloneable:
 * the load config, but `bundles` as their configs (functions cannot cross to the thread, which
 * rebuilds the readers from these: policyLoadConfig below).
 */
export type PolicyCompileSpec = Omit<PolicyLoadConfig, 'bundles'> & {
  /** `policies.bundles`: read from their persisted files (the candidate being activated first) */
  readonly bundles?: { readonly configs: Readonly<Record<string, BundleServiceConfig>>; readonly persistDir: string; readonly baseDir: string };
};

/** The policy sources of `config` (`policies.dir | bundle | bundles`, the routes' entrypoints). */
export function policyCompileSpec(config: GatewayConfig): PolicyCompileSpec {
  const policies = config.policies;
  if (policies === undefined) throw new TypeError('policyCompileSpec: the config has no policies section');
  const bundle = policies.bundle !== undefined ? resolve(config.source.dir, policies.bundle) : undefined;
  const dir = resolve(config.source.dir, policies.dir ?? '.');
  return {
    ...(bundle !== undefined ? { bundle } : policies.dir !== undefined || policies.bundles === undefined ? { dir } : {}),
    ...(policies.bundles !== undefined ? { bundles: { configs: policies.bundles, persistDir: resolve(config.source.dir, policies.persist_dir), baseDir: config.source.dir } } : {}),
    engine: policies.engine,
    regoVersion: policies.rego_version,
    entrypoints: [...new Set(config.routes.flatMap((r) => (r.policy !== undefined ? [r.policy] : [])))],
    ...(policies.http_send ? { httpSend: policies.http_send } : {}),
  };
}

/** The loader configuration of a spec, with readers of the persisted bundle files. */
export function policyLoadConfig(spec: PolicyCompileSpec): PolicyLoadConfig {
  const { bundles, ...rest } = spec;
  return { ...rest, ...(bundles ? { bundles: persistedBundleReaders(bundles.configs, bundles.persistDir, bundles.baseDir) } : {}) };
}

/** A compile failure as it crosses the thread boundary. */
export interface SerializedCompileError {
  readonly name: string;
  readonly code?: string;
  readonly message: string;
  /** what `render()` showed in the compiling thread (file:line:col, caret) */
  readonly rendered: string;
  readonly entrypoint?: string;
}

export function serializeCompileError(err: unknown): SerializedCompileError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err), rendered: String(err) };
  const e = err as Error & { code?: unknown; render?: () => string; entrypoint?: unknown };
  return {
    name: e.name,
    message: e.message,
    rendered: typeof e.render === 'function' ? e.render() : e.message,
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
    ...(typeof e.entrypoint === 'string' ? { entrypoint: e.entrypoint } : {}),
  };
}

/** An error that renders as the compiling thread's did. */
class CompileThreadError extends Error {
  readonly code: string | undefined;
  private readonly rendered: string;

  constructor(s: SerializedCompileError) {
    super(s.message);
    this.name = s.name;
    this.code = s.code;
    this.rendered = s.rendered;
  }

  render(): string {
    return this.rendered;
  }
}

export function deserializeCompileError(s: SerializedCompileError): Error {
  if (s.name === 'UnknownEntrypointError' && s.entrypoint !== undefined) return new UnknownEntrypointError(s.entrypoint, s.message);
  return new CompileThreadError(s);
}

/** What compile-worker.ts posts back for one request. */
export type CompileReply = { id: number; ok: true; value: CompiledPolicySet } | { id: number; ok: false; error: SerializedCompileError };

export interface CompileThreadOptions {
  /** a compile that takes longer is abandoned (thread terminated); default 120 s */
  readonly timeoutMs?: number;
  /** the thread ends after this long without a compile; default 30 s; Infinity: never */
  readonly idleMs?: number;
  /** V8 heap limits of the thread (tests provoke a crash with a tiny one) */
  readonly resourceLimits?: ResourceLimits;
}

export interface CompileThread {
  /** compiles the set the spec names as it is on disk now */
  compile(): Promise<CompiledPolicySet>;
  /** starts the thread now (it loads the toolchain), so that the next compile does not wait for that */
  warm(): void;
  close(): Promise<void>;
}

const aborted = (message: string) => new RegoError('REGO_ERR_COMPILE_ABORTED', message);

export function createCompileThread(spec: PolicyCompileSpec, opts: CompileThreadOptions = {}): CompileThread {
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const idleMs = opts.idleMs ?? 30_000;
  const entry = new URL(`./compile-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
  let worker: Worker | null = null;
  let idle: NodeJS.Timeout | null = null;
  let closed = false;
  let nextId = 1;
  const pending = new Map<number, { resolve(v: CompiledPolicySet): void; reject(e: Error): void; timer: NodeJS.Timeout }>();

  // Every compile still waiting fails with `err`, and the thread is gone (the next compile starts one).
  const fail = (w: Worker, err: Error) => {
    if (worker !== w) return;
    worker = null;
    for (const [id, p] of pending) {
      clearTimeout(p.timer);
      pending.delete(id);
      p.reject(err);
    }
    void w.terminate();
  };

  const start = (): Worker => {
    const workerData = { spec };
    const limits = opts.resourceLimits ? { resourceLimits: opts.resourceLimits } : {};
    // From source (tests, tsx) a worker does not inherit the parent's TypeScript loader on Node
    // 20, so it registers tsx (or REGATE_TS_LOADER, the test suite's loader) before importing the entry
    // (as server/run.ts's workers do).
    const w = entry.pathname.endsWith('.ts')
      ? new Worker(`(process.env.REGATE_TS_LOADER ? import(process.env.REGATE_TS_LOADER) : import('tsx/esm/api').then((m) => m.register())).then(() => import(${JSON.stringify(entry.href)}))`, { eval: true, workerData, ...limits })
      : new Worker(entry, { workerData, ...limits });
    w.unref();
    w.on('message', (r: CompileReply) => {
      const p = pending.get(r.id);
      if (p === undefined) return;
      pending.delete(r.id);
      clearTimeout(p.timer);
      if (r.ok) p.resolve(r.value);
      else p.reject(deserializeCompileError(r.error));
      if (pending.size === 0) armIdle();
    });
    w.on('error', (err) => fail(w, aborted(`the policy compile thread crashed: ${err.message}`)));
    w.on('exit', (code) => fail(w, aborted(`the policy compile thread exited (code ${code})`)));
    return w;
  };

  const armIdle = () => {
    if (idle) clearTimeout(idle);
    if (!Number.isFinite(idleMs)) return;
    idle = setTimeout(() => {
      idle = null;
      const w = worker;
      if (w !== null && pending.size === 0) {
        worker = null;
        void w.terminate();
      }
    }, idleMs);
    idle.unref();
  };

  return {
    compile() {
      if (closed) return Promise.reject(aborted('the policy compile thread is closed'));
      if (idle) (clearTimeout(idle), (idle = null));
      const w = (worker ??= start());
      const id = nextId++;
      return new Promise<CompiledPolicySet>((resolve, reject) => {
        const timer = setTimeout(() => fail(w, aborted(`the policy compile did not finish within ${timeoutMs} ms`)), timeoutMs);
        timer.unref();
        pending.set(id, { resolve, reject, timer });
        w.postMessage({ id });
      });
    },
    warm() {
      if (closed || worker !== null) return;
      worker = start();
      armIdle();
    },
    async close() {
      closed = true;
      if (idle) clearTimeout(idle);
      const w = worker;
      if (w !== null) {
        fail(w, aborted('the policy compile thread is closed'));
        await w.terminate();
      }
    },
  };
}
