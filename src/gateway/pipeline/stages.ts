/**
 * Builds the stages the config asks for from the stage modules that exist in this build.
 *
 * Each stage lives in its own module (authn/, authz/, ratelimit/, mapping/, events/) and is
 * loaded lazily: a gateway whose routes are all `auth: none` never loads jose, BullMQ or the
 * policy engine. A route that needs a stage this build cannot provide is a ConfigError naming
 * the route's key and line, found at start-up rather than on the first request.
 */
import { dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { ConfigError } from '../errors.js';
import { UnknownEntrypointError } from '../../policy/index.js';
import type { GatewayConfig } from '../config/types.js';
import { lineOfKey } from '../config/load.js';
import type { RequestContext, Stage } from './context.js';

export interface StageDeps {
  logger: Logger;
  registry: Registry;
}

export interface BuiltStages {
  stages: Stage[];
  onComplete?: (ctx: RequestContext) => void;
  /** public keys of the gateway-signed JWT credentials, for the admin /.well-known/jwks.json */
  jwks?: () => { keys: unknown[] };
  /** readiness checks the stages contribute to /readyz */
  checks: Map<string, () => { ok: boolean; detail?: unknown }>;
  close(): Promise<void>;
}

/** Imports a stage module (`authn` → authn/index.js, `authz/load` → authz/load.js); null when this build lacks it. */
async function importStage<T>(name: string): Promise<T | null> {
  const rel = name.includes('/') && !name.endsWith('/credentials') ? `${name}.js` : `${name}/index.js`;
  try {
    return (await import(new URL(`../${rel}`, import.meta.url).href)) as T;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((err as Error).message).includes(rel.replace(/\.js$/, ''))) return null;
    throw err;
  }
}

/**
 * @example const { stages, onComplete, close } = await buildStages(config, { logger, registry });
 */
export async function buildStages(config: GatewayConfig, deps: StageDeps): Promise<BuiltStages> {
  const stages: Stage[] = [];
  const closers: (() => Promise<void>)[] = [];
  const checks = new Map<string, () => { ok: boolean; detail?: unknown }>();
  let jwksProvider: (() => { keys: unknown[] }) | undefined;
  const fail = (msg: string, path: (string | number)[]) => new ConfigError(msg, path.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join('.').replace(/\.\[/g, '['), lineOfKey(config, path), config.source.file);

  const authIndex = config.routes.findIndex((r) => r.auth !== 'none');
  if (authIndex >= 0) {
    type Authn = { createAuthenticateStage(cfg: unknown, deps: StageDeps): Stage & { close?(): Promise<void> } };
    const mod = await importStage<Authn>('authn');
    if (!mod) throw fail('token authentication is not available in this build; use auth: none', ['routes', authIndex, 'auth']);
    const stage = mod.createAuthenticateStage(config.tokens, deps);
    stages.push(stage);
    if (stage.close) closers.push(() => stage.close!());
  }

  const policyIndex = config.routes.findIndex((r) => r.policy !== undefined);
  if (policyIndex >= 0) {
    type Authz = {
      createAuthorizeStage(opts: {
        policies: unknown;
        catalog: { upstreams: Set<string>; credentials: Set<string> };
        evalBudgetMs?: number;
        onPolicyError?(ctx: RequestContext, err: unknown, revision: string, code: string): void;
      }): Stage;
    };
    type Holder = { reload(): Promise<boolean>; current(): unknown; status(): { lastError: string | null }; watch(dir: string): void; close(): void };
    const authz = await importStage<Authz>('authz');
    const holderMod = await importStage<{ createPolicyHolder(o: { load(): Promise<unknown>; onReload?(s: { revision: string | null; lastError: string | null }, err?: unknown): void }): Holder }>('authz/policy-holder');
    const loadMod = await importStage<{ createPolicyLoader(c: { dir?: string; bundle?: string; engine: string; regoVersion?: 'v0' | 'v1'; entrypoints: string[]; httpSend?: { allow_hosts: readonly string[]; max_timeout_ms: number } }): () => Promise<unknown> }>('authz/load');
    if (!authz || !holderMod || !loadMod) throw fail('policy evaluation is not available in this build; remove the policy key', ['routes', policyIndex, 'policy']);
    const bundle = config.policies?.bundle !== undefined ? resolve(config.source.dir, config.policies.bundle) : undefined;
    const dir = bundle !== undefined ? dirname(bundle) : resolve(config.source.dir, config.policies?.dir ?? '.');
    const entrypoints = [...new Set(config.routes.flatMap((r) => (r.policy !== undefined ? [r.policy] : [])))];
    const reloads = new Counter({ name: 'regate_policy_reloads_total', help: 'policy set (re)loads by result', labelNames: ['result'], registers: [deps.registry] });
    const load = loadMod.createPolicyLoader({
      ...(bundle !== undefined ? { bundle } : { dir }),
      engine: config.policies?.engine ?? 'js',
      regoVersion: config.policies?.rego_version ?? 'v1',
      entrypoints,
      ...(config.policies?.http_send ? { httpSend: config.policies.http_send } : {}),
    });
    let firstError: unknown;
    const holder = holderMod.createPolicyHolder({
      load: () => load().catch((err: unknown) => Promise.reject((firstError ??= err))),
      onReload(status, err) {
        reloads.inc({ result: err === undefined ? 'ok' : 'error' });
        // A failed reload keeps serving the previous revision; the error names file:line:col.
        if (err === undefined) deps.logger.info({ revision: status.revision }, 'policy set loaded');
        else deps.logger.error({ revision: status.revision, error: status.lastError }, 'policy reload failed; keeping the previous revision');
      },
    });
    // The first load must succeed: starting with no policy would answer every policy route 503.
    if (!(await holder.reload())) {
      // A route whose entrypoint no rule defines would deny every request: name its policy key.
      if (firstError instanceof UnknownEntrypointError) {
        const ep = firstError.entrypoint;
        const i = config.routes.findIndex((r) => r.policy === ep);
        throw fail(`no rule defines the policy entrypoint ${ep} (a typo would deny every request on this route)`, i >= 0 ? ['routes', i, 'policy'] : ['policies']);
      }
      throw fail(`the policies do not load: ${holder.status().lastError ?? 'unknown error'}`, ['policies', bundle !== undefined ? 'bundle' : 'dir']);
    }
    holder.watch(dir);
    // SIGHUP reloads too (the file watcher may be off on some file systems); compile runs off the
    // request path and the swap is atomic (authz/policy-holder.ts).
    const onHup = () => void holder.reload();
    process.on('SIGHUP', onHup);
    closers.push(async () => {
      process.off('SIGHUP', onHup);
      holder.close();
    });
    checks.set('policy', () => ({ ok: holder.current() !== null, detail: holder.status() }));
    const policyErrors = new Counter({
      name: 'regate_policy_errors_total',
      help: 'decisions that failed closed: the policy raised an error, or ran past policies.eval_budget_ms',
      labelNames: ['route', 'code'],
      registers: [deps.registry],
    });
    // http.send blocks the evaluation while it waits (Rego is synchronous): a policy allowed
    // to call it gets the call's longest wait on top of its own budget.
    const httpSend = config.policies?.http_send;
    const budgetMs = config.policies?.eval_budget_ms;
    const evalBudgetMs = budgetMs === undefined ? undefined : budgetMs + (httpSend ? httpSend.max_timeout_ms : 0);
    stages.push(
      authz.createAuthorizeStage({
        policies: holder,
        catalog: { upstreams: new Set(Object.keys(config.upstreams)), credentials: new Set(Object.keys(config.credentials)) },
        ...(evalBudgetMs !== undefined ? { evalBudgetMs } : {}),
        onPolicyError(ctx, err, revision, code) {
          policyErrors.inc({ route: ctx.route.id, code });
          // One line, no stack: the request's id finds the rest in the audit stream.
          deps.logger.warn({ req_id: ctx.id, route: ctx.route.id, code, revision, error: err instanceof Error ? err.message : String(err) }, code === 'GW_ERR_POLICY_BUDGET' ? 'policy evaluation exceeded its budget' : 'policy evaluation failed');
        },
      }),
    );
  }

  type Events = {
    createEventEmitter(cfg: unknown, deps: StageDeps): { emitAudit(ctx: RequestContext): string; emitRateLimit(e: unknown): string; close(): Promise<void> };
  };
  let emitter: ReturnType<Events['createEventEmitter']> | null = null;
  const declared = new Set(config.source.sections);
  if ((declared.has('events') || declared.has('redis')) && config.events?.['enabled'] !== false) {
    const mod = await importStage<Events>('events');
    if (!mod) throw fail('event publishing is not available in this build', ['events']);
    emitter = mod.createEventEmitter({ redis: config.redis, events: config.events }, deps);
    const e = emitter;
    closers.push(() => e.close());
  }

  if (declared.has('ratelimit') && config.ratelimit !== undefined) {
    type Rl = { createRateLimitStage(cfg: unknown, deps: StageDeps & { emitter: unknown }): Stage & { close(): Promise<void> } };
    const mod = await importStage<Rl>('ratelimit');
    if (!mod) throw fail('rate limiting is not available in this build', ['ratelimit']);
    if (config.redis === undefined) throw fail('rate limits need a redis section', ['ratelimit']);
    const stage = mod.createRateLimitStage({ redis: config.redis, ratelimit: config.ratelimit }, { ...deps, emitter });
    stages.push(stage);
    closers.push(() => stage.close());
  }

  // The map stage turns decisions into the upstream call and applies backend credentials. With
  // no map stage the proxy forwards to the route's upstream with the route's prefix rule.
  type Mapping = {
    createMapStage(opts: { authorities: Map<string, string>; stripPrefix: Map<string, number>; credentials: Map<string, unknown> }): Stage;
  };
  type Creds = {
    createCredentials(specs: Record<string, unknown>): Promise<Map<string, unknown>>;
    gatewayJwks(creds: Map<string, unknown>): { keys: unknown[] };
  };
  // Decisions may name another upstream, a path or credentials: policy routes need it too.
  if (Object.keys(config.credentials).length > 0 || policyIndex >= 0) {
    const mod = await importStage<Mapping>('mapping');
    const creds = await importStage<Creds>('mapping/credentials');
    if (!mod || !creds) throw fail('backend credentials are not available in this build', ['credentials']);
    const authorities = new Map(Object.entries(config.upstreams).map(([n, u]) => [n, new URL(u.url).host]));
    const stripPrefix = new Map<string, number>();
    for (const r of config.routes) if (r.strip_prefix && r.match.path_prefix) stripPrefix.set(r.id, r.match.path_prefix.replace(/\/$/, '').length);
    const credentials = await creds.createCredentials(config.credentials);
    stages.push(mod.createMapStage({ authorities, stripPrefix, credentials }));
    // The admin listener serves these keys at /.well-known/jwks.json (server/run.ts).
    jwksProvider = () => creds.gatewayJwks(credentials);
  }

  const em = emitter;
  return {
    stages,
    checks,
    ...(jwksProvider ? { jwks: jwksProvider } : {}),
    // "one audit event per decided request": every request that matched a route ran the pipeline
    ...(em ? { onComplete: (ctx: RequestContext) => void (ctx.route.id !== '-' && em.emitAudit(ctx)) } : {}),
    async close() {
      await Promise.allSettled(closers.map((c) => c()));
    },
  };
}
