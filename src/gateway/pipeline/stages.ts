/**
 * Builds the stages the config asks for, in pipeline order, each from its typed config section.
 *
 * The links are literal imports, so `tsc` checks every factory against the section it gets
 * (config/types.ts). They are dynamic (`await import('../authn/index.js')`) for start-up cost: a
 * gateway whose routes are all `auth: none` never loads jose, BullMQ, ioredis or the policy
 * engine. A misconfigured stage is a ConfigError naming its key and line, found at start-up rather
 * than on the first request.
 */
import { randomUUID } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import { ConfigError } from '../errors.js';
import { UnknownEntrypointError } from '../../policy/index.js';
import type { GatewayConfig } from '../config/types.js';
import { lineOfKey } from '../config/load.js';
import type { EventEmitter } from '../events/index.js';
import type { RequestContext, Stage } from './context.js';
import type { ClientExchange } from './exchange.js';
import { createRedisClient, type RedisClient } from '../shared/redis-connection.js';
import { runTlsReloads } from '../shared/tls-reloads.js';
import type { Telemetry } from '../telemetry/index.js';
import type { CompiledPolicySet, SerializedCompileError } from '../authz/index.js';

export interface StageDeps {
  logger: Logger;
  registry: Registry;
  /**
   * who downloads `policies.bundles`: this thread (default), or the main thread of a worker-thread
   * gateway, which then drives the activation through BuiltStages.policy (server/run.ts)
   */
  bundleDriver?: 'self' | 'parent';
}

/**
 * Two-phase activation of a new policy set (policy-holder.ts), for worker threads: `stage` with
 * the set the main thread compiled (or its compile error), or without, to compile it here.
 */
export interface PolicyActivation {
  stage(from?: { compiled: CompiledPolicySet } | { error: SerializedCompileError }): Promise<string | null>;
  commit(): boolean;
  abort(): void;
}

export interface BuiltStages {
  stages: Stage[];
  onComplete?: (ctx: RequestContext) => void;
  /** public keys of the gateway-signed JWT credentials, for the admin /.well-known/jwks.json */
  jwks?: () => { keys: unknown[] };
  /** payload encryption (payload/index.ts): the JWKS the data listener serves and the exchange wrapper */
  payload?: PayloadHooks;
  /** OpenTelemetry spans, when `telemetry.otlp_endpoint` is set (the server passes it to createGateway) */
  telemetry?: Telemetry;
  /** the policy set's two-phase activation, when a route has a policy */
  policy?: PolicyActivation;
  /**
   * Re-reads the token servers' TLS files (tokens.jwt/introspection `tls`, client-credentials
   * token endpoints) for new connections: SIGHUP, beside the listener's and the upstreams'
   * certificates. Returns how many clients were reloaded; throws the first failure after
   * trying them all (a failed one keeps its files).
   */
  reloadTls(): number;
  /** readiness checks the stages contribute to /readyz */
  checks: Map<string, () => { ok: boolean; detail?: unknown }>;
  close(): Promise<void>;
}

export interface PayloadHooks {
  readonly jwksPath: string;
  readonly jwksJson: string;
  readonly jwksMaxAgeS: number;
  wrap(ctx: RequestContext, ex: ClientExchange): ClientExchange;
}

/**
 * @example const { stages, onComplete, close } = await buildStages(config, { logger, registry });
 */
export async function buildStages(config: GatewayConfig, deps: StageDeps): Promise<BuiltStages> {
  const stages: Stage[] = [];
  const closers: (() => Promise<void>)[] = [];
  const tlsReloads: (() => void)[] = [];
  const checks: Checks = new Map();
  let policyActivation: PolicyActivation | undefined;
  let jwksProvider: (() => { keys: unknown[] }) | undefined;
  const fail: Fail = (msg, path) => new ConfigError(msg, path.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join('.').replace(/\.\[/g, '['), lineOfKey(config, path), config.source.file);

  // 1. authenticate: only when a route asks for a token.
  if (config.routes.some((r) => r.auth !== 'none')) {
    const { createAuthenticateStage } = await import('../authn/index.js');
    const revocation = config.tokens.revocation;
    // The feed subscribes through the redis section; a default URL nobody wrote down would make
    // fail_closed refuse every token on a machine without Redis: it must be declared.
    if (revocation.enabled && !config.source.sections.includes('redis')) {
      throw fail('token revocation needs the redis section (its url and prefix carry the revocation channel)', ['tokens', 'revocation', 'enabled']);
    }
    const stage = createAuthenticateStage(config.tokens, { ...deps, ...(revocation.enabled ? { redis: config.redis } : {}) });
    stages.push(stage);
    tlsReloads.push(() => void stage.reloadTls());
    closers.push(() => stage.close());
    if (revocation.enabled) {
      // Start with the stored revocations when Redis answers in time; otherwise start anyway and
      // let on_redis_unavailable decide until the feed connects (README "Token revocation").
      if (!(await stage.revocationReady(config.redis.connect_timeout_ms + config.redis.command_timeout_ms))) {
        deps.logger.warn({ mode: revocation.on_redis_unavailable }, 'starting without the revocation list: Redis did not answer');
      }
      // Reported, never "not ready": every instance shares the one Redis, so failing readiness
      // would take the whole fleet out of the load balancer — routes without tokens too — where
      // fail_closed answers 503 only for the tokens it cannot check (as with open breakers).
      checks.set('revocation', () => ({ ok: true, detail: stage.status().revocation }));
    }
  }

  // 1b. payload: only when a route asks for JWE bodies (README "Payload encryption").
  let payload: PayloadHooks | undefined;
  const declaredSections = new Set(config.source.sections);
  const encrypted = config.routes.findIndex((r) => r.payload_encryption !== 'off');
  if (encrypted >= 0) {
    const pe = config.payload_encryption;
    if (pe === undefined) throw fail('payload encryption needs the payload_encryption section (its keys)', ['routes', encrypted, 'payload_encryption']);
    // Worker threads do not share memory: without Redis a body replayed to another worker, or a
    // session used on one, would pass or fail by chance. Refused rather than weakened.
    if (config.listen.workers !== 1 && !(pe.use_redis && declaredSections.has('redis'))) {
      throw fail('payload encryption with more than one worker needs the redis section (and use_redis): the jti set and the sessions must be shared', ['listen', 'workers']);
    }
    const { createPayloadStage, PayloadKeyError } = await import('../payload/index.js');
    // the jti set and the sessions are shared through Redis when the file declares it
    const redis: RedisClient | null = pe.use_redis && declaredSections.has('redis') ? createRedisClient(config.redis.url, { role: 'producer', commandTimeoutMs: config.redis.command_timeout_ms, connectTimeoutMs: config.redis.connect_timeout_ms, connectionName: 'regate-payload' }) : null;
    try {
      const stage = await createPayloadStage({ config: pe, routes: config.routes, baseDir: config.source.dir, redis, redisPrefix: config.redis.prefix, logger: deps.logger, registry: deps.registry });
      stages.push(stage);
      payload = stage;
      closers.push(async () => {
        await stage.close();
        redis?.disconnect();
      });
    } catch (err) {
      redis?.disconnect();
      if (err instanceof PayloadKeyError) throw fail(err.message, ['payload_encryption', 'keys', err.index, err.field]);
      throw err;
    }
  }

  // 2. authorize: only when a route names a policy entrypoint.
  const policyIndex = config.routes.findIndex((r) => r.policy !== undefined);
  const policies = config.policies;
  if (policyIndex >= 0 && policies !== undefined) {
    const built = await buildAuthorizeStage(config, policies, deps, { fail, closers, checks });
    stages.push(built.stage);
    policyActivation = built.activation;
  }

  // events (not a stage: it runs after the response): only when the file declares events or redis.
  let emitter: EventEmitter | null = null;
  // labels.id of every audit event of this gateway, whichever sink carries it
  const instanceId = randomUUID();
  const declared = new Set(config.source.sections);
  if ((declared.has('events') || declared.has('redis')) && config.events.enabled) {
    const { createEventEmitter } = await import('../events/index.js');
    const e = createEventEmitter({ redis: config.redis, events: config.events }, { ...deps, instanceId });
    emitter = e;
    closers.push(() => e.close());
  }
  // decision_logs: other sinks (console, OPA's HTTP upload) beside or instead of BullMQ
  const dl = config.decision_logs;
  if (dl.console || dl.service !== undefined || !dl.bullmq) {
    const { createDecisionLogs } = await import('../events/index.js');
    const e = createDecisionLogs({ config, bullmq: emitter, instanceId }, deps);
    // the fan-out closes the BullMQ emitter itself
    if (emitter) closers.pop();
    emitter = e;
    closers.push(() => e.close());
  }

  // 3. ratelimit: only when the file declares a ratelimit section.
  if (declared.has('ratelimit')) {
    const { createRateLimitStage } = await import('../ratelimit/index.js');
    const stage = createRateLimitStage({ redis: config.redis, ratelimit: config.ratelimit }, { ...deps, emitter });
    stages.push(stage);
    closers.push(() => stage.close());
  }

  // 4. map: turns decisions into the upstream call and applies backend credentials. With no map
  // stage the proxy forwards to the route's upstream with the route's prefix rule. Decisions may
  // name another upstream, a path or credentials: policy routes need it too.
  if (Object.keys(config.credentials).length > 0 || policyIndex >= 0) {
    const { createMapStage } = await import('../mapping/index.js');
    const { createCredentials, gatewayJwks } = await import('../mapping/credentials/index.js');
    const authorities = new Map(Object.entries(config.upstreams).map(([n, u]) => [n, new URL(u.url).host]));
    const credentials = await createCredentials(config.credentials);
    // client-credentials token endpoints (https, tls_client_auth): their TLS files reload on SIGHUP
    for (const c of credentials.values()) {
      const r = (c as { reloadTls?: unknown }).reloadTls;
      if (typeof r === 'function') tlsReloads.push(() => void (r as () => void).call(c));
    }
    stages.push(createMapStage({ authorities, credentials }));
    // The admin listener serves these keys at /.well-known/jwks.json (server/run.ts).
    jwksProvider = () => gatewayJwks(credentials);
  }

  // telemetry (not a stage: the server wraps the stages and the proxy in spans): only when the
  // file names a collector, so a gateway without it never loads the OpenTelemetry packages.
  let telemetry: Telemetry | null = null;
  if (config.telemetry.otlp_endpoint !== undefined) {
    const { createTelemetry } = await import('../telemetry/index.js');
    const t = createTelemetry(config, deps);
    if (t !== null) {
      telemetry = t;
      // after the gateway closed (run.ts closes it first): every span has ended, export them
      closers.push(() => t.shutdown());
    }
  }

  const em = emitter;
  return {
    stages,
    checks,
    ...(policyActivation ? { policy: policyActivation } : {}),
    reloadTls: () => runTlsReloads(tlsReloads),
    ...(telemetry ? { telemetry } : {}),
    ...(jwksProvider ? { jwks: jwksProvider } : {}),
    ...(payload ? { payload } : {}),
    // "one audit event per decided request": every request that matched a route ran the pipeline
    ...(em ? { onComplete: (ctx: RequestContext) => void (ctx.route.id !== '-' && em.emitAudit(ctx)) } : {}),
    async close() {
      await Promise.allSettled(closers.map((c) => c()));
    },
  };
}

type Fail = (msg: string, path: (string | number)[]) => ConfigError;
type Checks = Map<string, () => { ok: boolean; detail?: unknown }>;

/**
 * The authorize stage and the policy set behind it: loaded once before the gateway listens (a
 * failure is a ConfigError naming the key), then reloaded on file changes and SIGHUP.
 */
async function buildAuthorizeStage(
  config: GatewayConfig,
  policies: NonNullable<GatewayConfig['policies']>,
  deps: StageDeps,
  parts: { fail: Fail; closers: (() => Promise<void>)[]; checks: Checks },
): Promise<{ stage: Stage; activation: PolicyActivation }> {
  const fail = parts.fail;
  const { createAuthorizeStage, createBundleService, createCompileThread, createPolicyCompiler, createPolicyHolder, deserializeCompileError, downloadFailures, instantiatePolicySet, policyBuiltins, policyCompileSpec, policyLoadConfig } = await import('../authz/index.js');
  const bundle = policies.bundle !== undefined ? resolve(config.source.dir, policies.bundle) : undefined;
  const dir = bundle !== undefined ? dirname(bundle) : resolve(config.source.dir, policies.dir ?? '.');
  const reloads = new Counter({ name: 'regate_policy_reloads_total', help: 'policy set (re)loads by result', labelNames: ['result'], registers: [deps.registry] });
  // policies.bundles: downloaded here, or (worker threads) by the main thread, which persists them
  const persistDir = resolve(config.source.dir, policies.persist_dir);
  let holderRef: { reload(): Promise<boolean>; status(): { lastError: string | null }; current(): unknown } | null = null;
  const service =
    policies.bundles !== undefined && deps.bundleDriver !== 'parent'
      ? createBundleService({
          bundles: policies.bundles,
          persistDir,
          baseDir: config.source.dir,
          logger: deps.logger,
          ...(policies.status ? { status: policies.status } : {}),
          activate: async () => ((await holderRef!.reload()) ? true : (holderRef!.status().lastError ?? false)),
        })
      : undefined;
  const bundleInfo = new Gauge({ name: 'regate_bundle_info', help: 'the active revision of each policy bundle (value 1)', labelNames: ['name', 'revision'], registers: [deps.registry], aggregator: 'max' });
  // The sources (dir, bundle file, the persisted downloads) as a spec a compile thread can take.
  const spec = policyCompileSpec(config);
  const builtins = policyBuiltins(spec.httpSend);
  const compileHere = createPolicyCompiler(policyLoadConfig(spec));
  // a gateway that activates downloaded bundles keeps its compile thread warm (compile-thread.ts)
  const thread = createCompileThread(spec, service ? { idleMs: Number.POSITIVE_INFINITY } : {});
  parts.closers.push(() => thread.close());
  let firstError: unknown;
  const holder = createPolicyHolder({
    async load() {
      // Until a first revision is live this gateway does not listen, so nothing waits on this
      // loop: that load compiles here (no thread to start). Every later one compiles in the
      // compile thread, and this loop only instantiates the result (issue #19).
      const offThread = holderRef?.current() != null;
      deps.logger.debug({ offThread }, 'compiling the policy set');
      try {
        return await instantiatePolicySet(offThread ? await thread.compile() : await compileHere(), builtins);
      } catch (err) {
        firstError ??= err;
        throw err;
      }
    },
    onReload(status, err) {
      reloads.inc({ result: err === undefined ? 'ok' : 'error' });
      // A failed reload keeps serving the previous revision; the error names file:line:col.
      if (err === undefined) {
        deps.logger.info({ revision: status.revision, bundles: holderRef === null ? undefined : (holder.current()?.bundles ?? undefined) }, 'policy set loaded');
        bundleInfo.reset();
        for (const [name, b] of Object.entries(holder.current()?.bundles ?? {})) bundleInfo.set({ name, revision: b.revision }, 1);
      }
      else deps.logger.error({ revision: status.revision, error: status.lastError }, 'policy reload failed; keeping the previous revision');
    },
  });
  holderRef = holder;
  await service?.initial();
  // The first load must succeed: starting with no policy would answer every policy route 503.
  let firstOk = await holder.reload();
  // a fresh download that does not load: dropped, and the persisted revision tried instead
  if (service && (await service.confirmInitial(firstOk)) && !firstOk) firstOk = await holder.reload();
  if (!firstOk) {
    // A route whose entrypoint no rule defines would deny every request: name its policy key.
    if (firstError instanceof UnknownEntrypointError) {
      const ep = firstError.entrypoint;
      const i = config.routes.findIndex((r) => r.policy === ep);
      throw fail(`no rule defines the policy entrypoint ${ep} (a typo would deny every request on this route)`, i >= 0 ? ['routes', i, 'policy'] : ['policies']);
    }
    throw fail(`the policies do not load: ${holder.status().lastError ?? 'unknown error'}${downloadFailures(service?.status() ?? [])}`, ['policies', bundle !== undefined ? 'bundle' : policies.dir === undefined && policies.bundles !== undefined ? 'bundles' : 'dir']);
  }
  if (service) thread.warm();
  service?.start();
  if (service) parts.closers.push(() => service.close());
  if (policies.dir !== undefined || bundle !== undefined || policies.bundles === undefined) holder.watch(dir);
  // SIGHUP reloads too (the file watcher may be off on some file systems); compile runs off the
  // request path and the swap is atomic (authz/policy-holder.ts).
  const onHup = () => void holder.reload();
  process.on('SIGHUP', onHup);
  parts.closers.push(async () => {
    process.off('SIGHUP', onHup);
    holder.close();
  });
  parts.checks.set('policy', () => ({ ok: holder.current() !== null, detail: { ...holder.status(), ...(holder.current()?.bundles ? { bundles: holder.current()!.bundles } : {}) } }));
  // per bundle: the active revision, and why the last download or activation failed (OPA's status fields)
  if (service) parts.checks.set('bundles', () => ({ ok: holder.current() !== null, detail: service.status() }));
  const policyErrors = new Counter({
    name: 'regate_policy_errors_total',
    help: 'decisions that failed closed: the policy raised an error, or ran past policies.eval_budget_ms',
    labelNames: ['route', 'code'],
    registers: [deps.registry],
  });
  // http.send blocks the evaluation while it waits (Rego is synchronous): a policy allowed
  // to call it gets the call's longest wait on top of its own budget.
  const evalBudgetMs = policies.eval_budget_ms + (policies.http_send ? policies.http_send.max_timeout_ms : 0);
  const stage = createAuthorizeStage({
    policies: holder,
    catalog: { upstreams: new Set(Object.keys(config.upstreams)), credentials: new Set(Object.keys(config.credentials)) },
    evalBudgetMs,
    ndBuiltinCache: config.decision_logs.nd_builtin_cache,
    onPolicyError(ctx, err, revision, code) {
      policyErrors.inc({ route: ctx.route.id, code });
      // One line, no stack: the request's id finds the rest in the audit stream.
      deps.logger.warn({ req_id: ctx.id, route: ctx.route.id, code, revision, error: err instanceof Error ? err.message : String(err) }, code === 'GW_ERR_POLICY_BUDGET' ? 'policy evaluation exceeded its budget' : 'policy evaluation failed');
    },
  });
  // Worker threads driven by the main thread (server/run.ts): it compiles once for the instance
  // and sends each worker the result (or the compile error, recorded here like a local one).
  const activation: PolicyActivation = {
    stage: (from) => holder.stage(from === undefined ? undefined : 'error' in from ? () => Promise.reject(deserializeCompileError(from.error)) : () => instantiatePolicySet(from.compiled, builtins)),
    commit: () => holder.commit(),
    abort: () => holder.abort(),
  };
  return { stage, activation };
}
