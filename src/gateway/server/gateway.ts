/**
 * The data plane: one uWS app that matches routes, runs the pipeline and proxies.
 *
 * `createGateway` takes the validated config and whatever stages exist; the server itself never
 * changes when stages are added (authn, authz, rate limit, mapping plug in through `stages`, the
 * audit emitter through `onComplete`). Several gateways may run in one process or one per
 * worker thread (server/workers.ts), sharing the port through SO_REUSEPORT.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { badHeaderValueError, GatewayError } from '../errors.js';
import type { GatewayConfig } from '../config/types.js';
import { createRequestContext, type RequestContext, type RouteRef, type Stage } from '../pipeline/context.js';
import type { ClientExchange } from '../pipeline/exchange.js';
import { composePipeline } from '../pipeline/compose.js';
import { compileRouter, type CompiledRoute } from '../routing/router.js';
import { pathRulesOf } from '../shared/path-check.js';
import { createUpstream, type BreakerState, type Upstream } from '../proxy/upstream.js';
import { createProxy } from '../proxy/forward.js';
import { createGatewayMetrics, type RouteStats } from '../admin/metrics.js';
import { createOutcomeMetrics } from '../admin/outcome-metrics.js';
import type { Telemetry } from '../telemetry/index.js';
import { loadUws, UWS_CORE_METHODS, type HttpRequest, type HttpResponse, type TemplatedApp, type us_listen_socket, type UwsBuild } from './uws-loader.js';
import { UwsExchange, type BodyClock } from './uws-exchange.js';
import { createBodyClocks } from './body-clock.js';
import { PortInUseError } from './port-guard.js';
import { readClientHead } from './client-head.js';
import { createEdgeRules } from './edge-rules.js';
import { createRemoteAddressReader } from './remote-address.js';
import { REGATE_VERSION } from './version.js';
import { assertListenerFiles, createListenerApp, createPlainApp, hstsHeader, listenApp, ReloadError, relistenUntilBound, reloadListener } from './tls-listener.js';
import { createMtlsConnections, type MtlsConnections } from './mtls-connections.js';
import { createMtlsTerminator, type MtlsTerminator } from './mtls-terminator.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileCorsRules, preflightMethod } from '../shared/cors-rules.js';
import { looksLikeCredential } from '../shared/secrets.js';
import { isClientFieldValue } from '../shared/http-syntax.js';
import { randomUuid } from '../shared/random-uuid.js';

export interface GatewayOptions {
  config: GatewayConfig;
  logger: Logger;
  registry: Registry;
  /** pipeline stages (authenticate, authorize, ratelimit, map…); the proxy is always last */
  stages?: readonly Stage[];
  /** runs once per request after the response (audit events) */
  onComplete?: (ctx: RequestContext) => void;
  /** worker index, for logs and metrics labels */
  worker?: number;
  /**
   * payload encryption (payload/index.ts, through pipeline/stages.ts): the JWKS served on this
   * listener, and the exchange the pipeline uses on a route with encrypted bodies
   */
  payload?: {
    readonly jwksPath: string;
    readonly jwksJson: string;
    readonly jwksMaxAgeS: number;
    wrap(ctx: RequestContext, ex: ClientExchange): ClientExchange;
  };
  /** OpenTelemetry spans (telemetry/); absent = telemetry off, and a request pays one null check */
  telemetry?: Telemetry;
}

export interface GatewayStatus {
  worker: number;
  draining: boolean;
  inflight: number;
  upstreams: Record<string, BreakerState>;
}

export interface Gateway {
  readonly build: UwsBuild;
  readonly upstreams: ReadonlyMap<string, Upstream>;
  /**
   * Starts listening; `port` overrides `listen.port` (workers join the first worker's port).
   * `exclusive`: bind without SO_REUSEPORT, so no other process can share the port (one worker).
   * On an mTLS listener (`client_auth: optional|required`) the uWS app listens on a private unix
   * socket and a TLS terminator in this thread owns the port (mtls-terminator.ts) — unless
   * `mtls: 'external'`: then only the unix socket listens (0 is returned) and another thread's
   * terminator hands connections to it (`mtls()` gives its path and table).
   */
  listen(port?: number, opts?: { exclusive?: boolean; mtls?: 'own' | 'external' }): Promise<number>;
  /** the mTLS listener's unix socket and connection table once listening; null on other listeners */
  mtls(): { path: string; connections: MtlsConnections } | null;
  status(): GatewayStatus;
  /** the bound port of `listen.tls.plain` (null without one, or before listen) */
  plainPort(): number | null;
  /**
   * Re-reads `listen.tls`'s certificate files into a new TLS app that takes over the port; the old
   * one keeps serving the connections it has (in-flight requests finish). Throws (and keeps the
   * old certificates) when a file is unreadable or a key does not match. Also re-reads the `tls`
   * files of https upstreams on regate's client, for their new connections.
   */
  reloadTls(): Promise<void>;
  /** Stops accepting, waits for in-flight requests up to `deadlineMs`, then cuts the rest and closes pools. */
  close(deadlineMs?: number): Promise<void>;
}

const NO_ROUTE: RouteRef = Object.freeze({ id: '-', upstream: '', auth: 'none' as const });
const REQUEST_ID = /^[\x21-\x7e]{1,200}$/;
/**
 * The edge (client-head.ts) ran `checkPath` on every request's path with the router's own rules
 * (both from `security`, edge-rules.ts), so `router.match` does not run it again.
 */
const EDGE_CHECKED_PATH = true;

/** What the request path needs of a matched route, built on its first request. */
interface RouteEntry {
  readonly ref: RouteRef;
  readonly maxHeaderBytes: number | undefined;
  readonly maxBody: number;
  /** the watch over this route's request bodies (body_timeout_ms, body_min_bytes_per_s) */
  readonly bodyClock: BodyClock;
  /** `limits.max_concurrent` (0 = none) and the requests of this route in flight now */
  readonly maxConcurrent: number;
  active: number;
}

/** Marks a context counted in its route's `active` (so onComplete gives the slot back once). */
const COUNTED = Symbol('counted');

/**
 * @example
 * const gw = createGateway({ config, logger: pino(), registry: new Registry() });
 * const port = await gw.listen();
 */
export function createGateway(opts: GatewayOptions): Gateway {
  const { config, logger, registry } = opts;
  const telemetry = opts.telemetry ?? null;
  const worker = opts.worker ?? 0;
  checkStagesCover(config, opts.stages ?? [], opts.payload !== undefined);
  // With telemetry the authenticate/authorize/ratelimit stages and the proxy run inside spans.
  const stages = telemetry !== null ? telemetry.traceStages(opts.stages ?? []) : (opts.stages ?? []);
  const { uws, build } = loadUws();
  const metrics = createGatewayMetrics(registry, build, worker, REGATE_VERSION);
  const outcomes = createOutcomeMetrics(registry);

  const upstreams = new Map<string, Upstream>();
  for (const [name, uc] of Object.entries(config.upstreams)) {
    const u = createUpstream(name, uc);
    if (uc.tls?.verify === false) logger.warn({ upstream: name, worker }, `upstream ${name}: tls.verify is false — its certificate is not checked (tests only)`);
    metrics.setBreaker(name, u.state());
    u.onStateChange((s) => {
      metrics.setBreaker(name, s);
      logger.warn({ upstream: name, breaker: s, worker }, `upstream ${name} breaker ${s}`);
    });
    upstreams.set(name, u);
  }
  // the router's path rules are the edge's (edge-rules.ts): `security.allow_encoded_slashes`
  // allows `%2F` at both, or a path the edge let through would be refused here
  const router = compileRouter(config.routes, pathRulesOf(config));
  if (!build.extensionMethods && worker === 0) {
    // The route is valid, and would work on the official build; on this one such requests never
    // reach regate, so say so once at start rather than leave an operator to find it in a trace.
    for (const r of config.routes) {
      const unroutable = (r.match.methods ?? []).filter((m) => !UWS_CORE_METHODS.has(m));
      if (unroutable.length > 0) {
        logger.warn({ route: r.id, methods: unroutable, uws: `${build.package}@${build.version}` }, `route ${r.id}: uWS ${build.version} closes connections that use ${unroutable.join(', ')} without an answer; these requests never reach regate (the official uWS build, Node 22+, routes them)`);
      }
    }
  }
  const edgeRules = createEdgeRules(config);
  const corsRules = compileCorsRules(config.routes);
  const routeEntries = new Map<CompiledRoute, RouteEntry>();
  const entryByRef = new Map<RouteRef, RouteEntry>();
  const bodyClocks = createBodyClocks();
  const trustForwarded = config.listen.trust_forwarded;
  // Metrics per route object, so a request costs one identity lookup (admin/metrics.ts).
  const routeStats = new Map<RouteRef, RouteStats>([[NO_ROUTE, metrics.route(NO_ROUTE.id)]]);
  const entryOf = (compiled: CompiledRoute): RouteEntry => {
    let e = routeEntries.get(compiled);
    if (!e) {
      const rc = compiled.config;
      const ref: RouteRef = Object.freeze({ id: rc.id, upstream: rc.upstream, auth: rc.auth, ...(rc.policy !== undefined ? { policy: rc.policy } : {}), stripLength: compiled.stripLength });
      routeStats.set(ref, metrics.route(rc.id));
      const lim = rc.limits;
      e = {
        ref,
        maxHeaderBytes: lim?.max_header_bytes,
        maxBody: lim?.max_body_bytes ?? config.limits.max_body_bytes,
        bodyClock: bodyClocks.forLimits(lim?.body_timeout_ms ?? config.limits.body_timeout_ms, lim?.body_min_bytes_per_s ?? config.limits.body_min_bytes_per_s),
        maxConcurrent: lim?.max_concurrent ?? 0,
        active: 0,
      };
      routeEntries.set(compiled, e);
      entryByRef.set(ref, e);
    }
    return e;
  };
  let inflight = 0;
  let draining = false;
  let drained: (() => void) | null = null;
  const accessLog = config.log.access;

  const writeError = (ctx: RequestContext, ex: ClientExchange, err: unknown): void => {
    const ge = err instanceof GatewayError ? err : new GatewayError('GW_ERR_INTERNAL', { cause: err });
    ctx.error = ge;
    if (ex.aborted) return;
    if (ex.started) {
      ex.destroy();
      return;
    }
    ctx.status = ge.status;
    // One line per refusal and no stack unless regate itself failed (GW_ERR_INTERNAL): a client
    // that sends garbage, or an upstream that is down, must not fill the log with traces. 501 is
    // the client's (a method or transfer coding nobody implements), so it is not a warning.
    if (ge.code === 'GW_ERR_INTERNAL') logger.error({ req_id: ctx.id, route: ctx.route.id, code: ge.code, err: ge.cause ?? ge }, ge.message);
    else if (ge.status >= 500 && ge.status !== 501) logger.warn({ req_id: ctx.id, route: ctx.route.id, code: ge.code, cause: describeCause(ge.cause) }, ge.message);
    else logger.debug({ req_id: ctx.id, route: ctx.route.id, code: ge.code, cause: describeCause(ge.cause) }, ge.message);
    const headers: string[] = ['content-type', 'application/json', 'x-request-id', ctx.id, 'cache-control', 'no-store'];
    for (const k in ctx.responseHeaders) headers.push(k, ctx.responseHeaders[k] as string);
    for (const k in ge.headers) headers.push(k, ge.headers[k] as string);
    ex.respond(ge.status, headers, ge.toResponseBody(ctx.id), ctx.method === 'HEAD', draining);
  };

  const onComplete = (ctx: RequestContext, ex: ClientExchange): void => {
    if (ex.aborted && !ex.finished) ctx.status = 499;
    else if (ex.aborted && ctx.status === 0) ctx.status = 499; // client closed before any answer (nginx's 499)
    const route = ctx.route.id;
    const stats = routeStats.get(ctx.route) ?? metrics.route(route);
    stats.count(ctx.method, ctx.status);
    // the proxy timer's reading when it relayed the response (admin/outcome-metrics.ts), else now
    const endNs = ctx.endNs ?? process.hrtime.bigint();
    ctx.endNs = endNs;
    const seconds = Number(endNs - ctx.startNs) / 1e9;
    stats.duration.observe(seconds);
    outcomes.record(ctx);
    if (ctx.trace !== null) (telemetry as Telemetry).endRequest(ctx);
    if (accessLog) logger.info(accessLogLine(ctx, ex, seconds), 'request');
    if (opts.onComplete) {
      try {
        opts.onComplete(ctx);
      } catch (err) {
        logger.error({ req_id: ctx.id, err }, 'onComplete failed');
      }
    }
    if ((ctx as { [COUNTED]?: true })[COUNTED]) {
      const entry = entryByRef.get(ctx.route);
      if (entry) entry.active--;
    }
    if (--inflight === 0 && drained) drained();
  };

  const proxy = createProxy(config, upstreams);
  const pipeline = composePipeline({ stages, proxy: outcomes.timeProxy(telemetry !== null ? telemetry.traceProxy(proxy) : proxy), writeError, onComplete });

  let listenSocket: us_listen_socket | null = null;
  let boundPort = 0;
  const tlsScheme = config.listen.tls ? 'https' : 'http';
  const payload = opts.payload;
  // The encryption keys' JWKS, on the data listener where the app can reach it; public keys
  // only, cacheable for jwks_max_age_s (a rotation shows within that time). Registered on every
  // app a listener uses (SNI names, certificate reloads, the plain listener): see `routesFor`.
  const jwksRoute =
    payload === undefined
      ? null
      : (a: TemplatedApp) => {
          const cacheControl = `public, max-age=${payload.jwksMaxAgeS}`;
          a.get(payload.jwksPath, (res) => {
            res.cork(() => {
              res.writeStatus('200 OK');
              res.writeHeader('content-type', 'application/jwk-set+json');
              res.writeHeader('cache-control', cacheControl);
              res.end(payload.jwksJson);
            });
          });
        };

  // the last client's address, kept as text while the next requests come from it (remote-address.ts)
  const remoteAddressOf = createRemoteAddressReader();
  // listen.tls.client_auth optional|required: TLS ends in Node (mtls-terminator.ts), which hands
  // each connection to the uWS app over a unix socket; this table maps the stream to what the
  // handshake established. Only that listener's handler reads it (`viaTerminator`): a PROXY
  // header a client sends to any public listener is never consulted.
  const mtlsTable = config.listen.tls !== undefined && config.listen.tls.client_auth !== 'none' ? createMtlsConnections() : null;
  /**
   * A listener's request handler; `scheme` and `hsts` are that listener's (the main one, or the
   * plain one beside TLS); `viaTerminator`: the mTLS listener's app, behind the terminator.
   */
  const handlerFor = (scheme: 'http' | 'https', hsts: string | null, viaTerminator: MtlsConnections | null) => (res: HttpResponse, req: HttpRequest): void => {
    // Everything uWS hands us must be read here, synchronously: `req` is stack-allocated.
    let conn = null;
    if (viaTerminator !== null) {
      conn = viaTerminator.lookup(res);
      // fail closed: a stream the terminator did not open (or no longer knows) gets nothing
      if (conn === null) {
        res.close();
        return;
      }
    }
    const ex = new UwsExchange(res, build.pausable);
    // The edge: every field checked against RFC 9110/9112 and identity headers removed, once,
    // before anything else reads the request (client-head.ts).
    const head = readClientHead(req, edgeRules);
    const { method, path, headers, headerBytes } = head;
    const sentId = headers['x-request-id'];
    const ctx = createRequestContext({
      id: sentId !== undefined && REQUEST_ID.test(sentId) ? sentId : randomUuid(),
      method,
      path,
      rawQuery: head.rawQuery,
      hasQuery: head.hasQuery,
      headers,
      rawHeaders: head.rawHeaders,
      host: head.host,
      scheme,
      remoteAddr: conn === null ? remoteAddressOf(res) : conn.remoteAddr,
      strippedHeaders: head.stripped,
      route: NO_ROUTE,
      tls: conn === null ? null : conn.tls,
    });
    if (hsts !== null) ctx.responseHeaders['strict-transport-security'] = hsts;
    // the server span starts with the request head; its name and http.route come at the end
    if (telemetry !== null) telemetry.startRequest(ctx);
    inflight++;
    try {
      if (draining) throw new GatewayError('GW_ERR_SHUTTING_DOWN', { headers: { 'retry-after': '1' } });
      // An oversized head is refused before routing, whatever it asked for.
      if (headerBytes > config.limits.max_header_bytes) throw new GatewayError('GW_ERR_HEADERS_TOO_LARGE');
      if (head.error !== null) throw head.error;
      // A CORS preflight asks about the method it names: the route that method reaches answers
      // it when that route has `cors` — with no token and no upstream call (shared/cors-rules.ts).
      const pf = corsRules.size > 0 ? preflightMethod(method, headers) : undefined;
      const pfEntry = pf === undefined ? undefined : preflightEntry(() => entryOf(router.match(pf, ctx.host, path, EDGE_CHECKED_PATH)));
      const pfRule = pfEntry === undefined ? undefined : corsRules.get(pfEntry.ref.id);
      const entry = pfRule !== undefined && pfEntry !== undefined ? pfEntry : entryOf(router.match(method, ctx.host, path, EDGE_CHECKED_PATH));
      (ctx as { route: RouteRef }).route = entry.ref;
      // The edge left the Authorization value to check (client-head.ts says why): a route that
      // authenticates has it checked by its authenticate stage, any other route before anything reads it.
      if (head.authorizationUnchecked && entry.ref.auth === 'none' && !isClientFieldValue(headers['authorization'] ?? '')) {
        throw badHeaderValueError('authorization');
      }
      if (pfRule !== undefined && pf !== undefined) {
        const answer = pfRule.preflight(headers['origin'] as string, pf, headers['access-control-request-headers']);
        if (!answer.ok) throw new GatewayError('GW_ERR_CORS_REJECTED', { cause: answer.reason });
        // 200, not 204: uWS writes `Content-Length: 0`, which a 204 must not carry (RFC 9110
        // §8.6); the Fetch standard takes any ok status for a preflight
        ctx.status = 200;
        const out = ['x-request-id', ctx.id, ...answer.headers];
        if (hsts !== null) out.push('strict-transport-security', hsts);
        ex.respond(200, out, '', false, draining);
        onComplete(ctx, ex);
        return;
      }
      corsRules.get(entry.ref.id)?.decorate(headers['origin'], ctx.responseHeaders);
      if (entry.maxHeaderBytes !== undefined && headerBytes > entry.maxHeaderBytes) throw new GatewayError('GW_ERR_HEADERS_TOO_LARGE');
      if (entry.maxConcurrent > 0) {
        // a route's share of the gateway: one slow backend cannot take every worker's requests
        if (entry.active >= entry.maxConcurrent) throw new GatewayError('GW_ERR_ROUTE_BUSY', { headers: { 'retry-after': '1' } });
        entry.active++;
        (ctx as { [COUNTED]?: true })[COUNTED] = true;
      }
      const maxBody = entry.maxBody;
      const te = headers['transfer-encoding'];
      const cl = headers['content-length'];
      if (cl !== undefined && Number(cl) > maxBody) throw new GatewayError('GW_ERR_BODY_TOO_LARGE');
      if (te !== undefined || (cl !== undefined && cl !== '0')) ex.readBody(maxBody, entry.bodyClock);
    } catch (err) {
      writeError(ctx, ex, err);
      onComplete(ctx, ex);
      return;
    }
    if (trustForwarded) {
      const xfp = headers['x-forwarded-proto'];
      if (xfp === 'https') (ctx as { scheme: 'http' | 'https' }).scheme = 'https';
    }
    pipeline(ctx, payload !== undefined ? payload.wrap(ctx, ex) : ex);
  };
  /** What every listener app serves: the payload JWKS (when configured), then the gateway. */
  const routesFor = (h: (res: HttpResponse, req: HttpRequest) => void) => (a: TemplatedApp) => {
    jwksRoute?.(a);
    a.any('/*', h);
  };
  const handle = routesFor(handlerFor(tlsScheme, hstsHeader(config.listen.tls), mtlsTable));
  // behind the terminator the uWS app speaks cleartext on its unix socket
  let app: TemplatedApp = mtlsTable !== null ? registered(uws.App(), handle) : createListenerApp(uws, config, handle);
  // listen.tls.plain: a cleartext listener beside the TLS one, redirecting to it or serving (tls-listener.ts)
  const plainApp = createPlainApp(uws, config, routesFor(handlerFor('http', null, null)));
  let terminator: MtlsTerminator | null = null;
  let mtlsDir: string | null = null;
  let mtlsPath: string | null = null;
  let plainSocket: us_listen_socket | null = null;
  /** apps replaced by a certificate reload: they finish their connections, and close with the gateway */
  const retired: TemplatedApp[] = [];
  let exclusiveBind = false;
  /** retrying to bind after a reload lost the port (relistenUntilBound); null when not */
  let relisten: { cancel(): void } | null = null;

  /** The mTLS listener: uWS on a private unix socket, the terminator (unless external) on the port. */
  async function listenMtls(port: number, listenOpts: { exclusive?: boolean; mtls?: 'own' | 'external' }): Promise<number> {
    const tls = config.listen.tls as NonNullable<typeof config.listen.tls>;
    const table = mtlsTable as MtlsConnections;
    // mkdtemp makes the directory 0700: only this user can connect to the socket
    mtlsDir = mkdtempSync(join(tmpdir(), 'regate-mtls-'));
    const path = join(mtlsDir, 'uws.sock');
    let ls: us_listen_socket | false = false;
    app.listen_unix((s) => {
      ls = s;
    }, path);
    if (!ls) throw new Error(`uWS could not listen on ${path}`);
    listenSocket = ls;
    mtlsPath = path;
    const external = listenOpts.mtls === 'external';
    exclusiveBind = !external && listenOpts.exclusive === true && port !== 0;
    // the cleartext listener beside it stays on uWS (shared by workers through SO_REUSEPORT, as before)
    const plain = tls.plain;
    if (plainApp !== null && plain !== undefined) {
      listenApp(uws, plainApp, config.listen.host, plain.port, exclusiveBind && plain.port !== 0, (pls) => (plainSocket = pls || null));
      if (plainSocket === null) throw new PortInUseError(config.listen.host, plain.port, 'listen.tls.plain.port');
    }
    if (external) {
      logger.info({ worker, mtls: true, socket: path }, 'gateway listening behind the mTLS terminator');
      return 0;
    }
    terminator = createMtlsTerminator({ tls, logger, targets: [{ path, open: (id, c) => table.open(id, c), close: (id) => table.close(id) }] });
    try {
      boundPort = await terminator.listen(port, config.listen.host, exclusiveBind);
    } catch (err) {
      throw (err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? new PortInUseError(config.listen.host, port, 'listen.port') : err;
    }
    logger.info({ worker, host: config.listen.host, port: boundPort, tls: true, mtls: tls.client_auth, ...(plainSocket ? { plain_port: uws.us_socket_local_port(plainSocket) } : {}), uws: `${build.package}@${build.version} (${build.binary})` }, 'gateway listening');
    return boundPort;
  }

  return {
    build,
    upstreams,
    listen(port = config.listen.port, listenOpts = {}) {
      if (mtlsTable !== null) return listenMtls(port, listenOpts);
      return new Promise((resolve, reject) => {
        const onListen = (ls: us_listen_socket | false) => {
          if (!ls) {
            reject(new PortInUseError(config.listen.host, port, 'listen.port'));
            return;
          }
          listenSocket = ls;
          boundPort = uws.us_socket_local_port(ls);
          const plain = config.listen.tls?.plain;
          if (plainApp !== null && plain !== undefined) {
            listenApp(uws, plainApp, config.listen.host, plain.port, listenOpts.exclusive === true && plain.port !== 0, (pls) => (plainSocket = pls || null));
            if (plainSocket === null) {
              reject(new PortInUseError(config.listen.host, plain.port, 'listen.tls.plain.port'));
              return;
            }
          }
          logger.info({ worker, host: config.listen.host, port: boundPort, tls: tlsScheme === 'https', ...(plainSocket ? { plain_port: uws.us_socket_local_port(plainSocket) } : {}), uws: `${build.package}@${build.version} (${build.binary})` }, 'gateway listening');
          resolve(boundPort);
        };
        exclusiveBind = listenOpts.exclusive === true && port !== 0;
        listenApp(uws, app, config.listen.host, port, exclusiveBind, onListen);
      });
    },
    mtls() {
      return mtlsTable !== null && mtlsPath !== null ? { path: mtlsPath, connections: mtlsTable } : null;
    },
    async reloadTls() {
      if (draining) return;
      // client certificates and CAs towards https upstreams (regate's client): new connections
      for (const u of upstreams.values()) if (u.reloadTls()) logger.info({ worker, upstream: u.name }, `upstream ${u.name}: TLS files reloaded`);
      if (mtlsTable !== null) {
        // the terminator swaps its secure context: no re-bind, open connections keep theirs
        // (a worker behind another thread's terminator has nothing to reload)
        if (config.listen.tls !== undefined && terminator !== null) {
          assertListenerFiles(config.listen.tls);
          terminator.reload();
          logger.info({ worker, port: boundPort, mtls: true }, 'TLS certificates reloaded');
        }
        return;
      }
      if (config.listen.tls === undefined || listenSocket === null) return;
      let next: ReturnType<typeof reloadListener>;
      try {
        next = reloadListener({ uws, config, handle, port: boundPort, exclusive: exclusiveBind, app, listenSocket });
      } catch (err) {
        if (err instanceof ReloadError) {
          listenSocket = err.listenSocket;
          // neither app could bind the port again: keep trying with the old app (tls-listener.ts)
          if (listenSocket === null) {
            relisten?.cancel();
            relisten = relistenUntilBound({
              uws,
              app,
              host: config.listen.host,
              port: boundPort,
              exclusive: exclusiveBind,
              stopped: () => draining,
              onBound: (ls) => {
                relisten = null;
                listenSocket = ls;
                logger.warn({ worker, port: boundPort }, 'listening again after a failed certificate reload (old certificates)');
              },
              onRetry: (attempt, nextDelayMs) => {
                if (attempt === 1 || attempt % 10 === 0) logger.error({ worker, port: boundPort, attempt, next_delay_ms: nextDelayMs }, 'not listening: port taken after a certificate reload, retrying');
              },
            });
          }
        }
        throw err;
      }
      retired.push(app);
      app = next.app;
      listenSocket = next.listenSocket;
      logger.info({ worker, port: boundPort, gap: next.gap }, 'TLS certificates reloaded');
    },
    plainPort() {
      return plainSocket === null ? null : uws.us_socket_local_port(plainSocket);
    },
    status() {
      const ups: Record<string, BreakerState> = {};
      for (const [name, u] of upstreams) ups[name] = u.state();
      return { worker, draining, inflight, upstreams: ups };
    },
    async close(deadlineMs = config.listen.drain_timeout_ms) {
      if (!draining) {
        draining = true;
        relisten?.cancel();
        terminator?.stopAccepting();
        if (listenSocket) uws.us_listen_socket_close(listenSocket);
        listenSocket = null;
        if (plainSocket) uws.us_listen_socket_close(plainSocket);
        plainSocket = null;
        if (inflight > 0) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, deadlineMs);
            drained = () => {
              clearTimeout(timer);
              resolve();
            };
          });
        }
        // Cuts idle keep-alive connections and whatever missed the deadline (their onAborted runs).
        // (`close` exists on uWS v20.30 apps; the bundled typings predate it)
        terminator?.destroyAll();
        for (const a of [...retired, app, ...(plainApp ? [plainApp] : [])]) (a as TemplatedApp & { close(): void }).close();
        if (mtlsDir !== null) rmSync(mtlsDir, { recursive: true, force: true });
        bodyClocks.close();
        await Promise.all([...upstreams.values()].map((u) => u.close()));
        logger.info({ worker, boundPort, left: inflight }, 'gateway closed');
      }
    },
  };
}

function registered(app: TemplatedApp, register: (a: TemplatedApp) => void): TemplatedApp {
  register(app);
  return app;
}

/** The route a preflight's method reaches, or undefined when none does (the request is then routed as OPTIONS). */
function preflightEntry<T>(find: () => T): T | undefined {
  try {
    return find();
  } catch {
    return undefined;
  }
}

/**
 * The access log line of one request (`log.access`). `trace_id`/`span_id` name the request's
 * server span when telemetry recorded it (the same ids as in its audit event and the spans).
 */
function accessLogLine(ctx: RequestContext, ex: ClientExchange, seconds: number): Record<string, unknown> {
  const t = ctx.trace;
  const line: Record<string, unknown> = {
    req_id: ctx.id,
    route: ctx.route.id,
    method: ctx.method,
    path: ctx.path,
    status: ctx.status,
    code: ctx.error?.code,
    duration_ms: Math.round(seconds * 1e6) / 1e3,
    upstream: ctx.route.id === '-' ? undefined : (ctx.mapping?.name ?? ctx.route.upstream),
    bytes_in: ex.bodyBytes ?? 0,
    bytes_out: ex.bytesOut ?? 0,
    user_agent: userAgentOf(ctx),
    remote_addr: ctx.remoteAddr,
  };
  if (t !== null && t.traceId !== '') {
    line['trace_id'] = t.traceId;
    if (t.spanId !== '') line['span_id'] = t.spanId;
  }
  return line;
}

/** The client's User-Agent for the log, unless it carries a credential (tokens are never logged). */
function userAgentOf(ctx: RequestContext): string | undefined {
  const ua = ctx.headers['user-agent'];
  return ua === undefined || looksLikeCredential(ua) ? undefined : ua;
}

/** A route that needs a stage nobody provided is a wiring mistake, refused at construction. */
function checkStagesCover(config: GatewayConfig, stages: readonly Stage[], hasPayload: boolean): void {
  const names = new Set(stages.map((s) => s.name));
  for (const r of config.routes) {
    if (r.auth !== 'none' && !names.has('authenticate')) throw new TypeError(`route ${r.id} has auth: ${r.auth} but no authenticate stage was given`);
    if (r.policy !== undefined && !names.has('authorize')) throw new TypeError(`route ${r.id} has a policy but no authorize stage was given`);
    // fail closed: without the stage a `required` route would pass plaintext
    if (r.payload_encryption !== undefined && r.payload_encryption !== 'off' && (!names.has('payload') || !hasPayload)) throw new TypeError(`route ${r.id} has payload_encryption: ${r.payload_encryption} but no payload stage and hooks were given`);
  }
}

/** A cause as one short line (`ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9`), never a stack. */
function describeCause(cause: unknown): string | undefined {
  if (cause === undefined || cause === null) return undefined;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return `${typeof code === 'string' ? `${code}: ` : ''}${cause.message}`.slice(0, 300);
  }
  return String(cause).slice(0, 300);
}
