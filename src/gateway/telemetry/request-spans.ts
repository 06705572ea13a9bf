/**
 * The spans of one request: a server span from the request head to the end of the response,
 * with children for the authenticate, payload, authorize and rate-limit stages and a client span for the
 * upstream call, whose context the upstream receives as its `traceparent`.
 *
 * Nothing here runs when telemetry is off: the server calls `startRequest`/`endRequest` only
 * when it has a Telemetry, and the stage and proxy wrappers exist only then. A request the
 * sampler drops gets a non-recording span and no children; its `traceparent` passes upstream
 * unchanged, so the backend's spans still hang off the client's trace.
 *
 * Attributes follow the stable HTTP semantic conventions (server: http.request.method, url.path,
 * url.scheme, http.route — regate's route id —, http.response.status_code, server.address/port,
 * client.address, user_agent.original, network.protocol.version; client: http.request.method,
 * server.address/port of the upstream, http.response.status_code, error.type).
 *
 * Example:
 * ```ts
 * const spans = createRequestSpans(tracing.tracer, config.upstreams);
 * spans.startRequest(ctx);               // sets ctx.trace
 * const stages = spans.traceStages(built.stages);
 * const proxy = spans.traceProxy(createProxy(config, upstreams));
 * spans.endRequest(ctx);                 // after the response
 * ```
 */
import { defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';
import { GatewayError } from '../errors.js';
import type { UpstreamConfig } from '../config/types.js';
import type { RequestContext, Stage } from '../pipeline/context.js';
import type { PipelineProxy } from '../pipeline/compose.js';
import type { RequestTrace } from '../shared/trace-context.js';
import { looksLikeCredential } from '../shared/secrets.js';

/**
 * Methods the HTTP semantic conventions know by name; any other is `_OTHER` (with the original in
 * `http.request.method_original`) and the span is named `HTTP`, so a client cannot mint span names.
 */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH', 'QUERY']);

/** The stages that get a span of their own (map is a few property copies: not worth one). */
const TRACED_STAGES = new Set(['authenticate', 'payload', 'authorize', 'ratelimit']);

/**
 * What a stage's span says once the stage succeeded. The payload span (README "Payload
 * encryption") names the key management and whether a session and a sealed answer are in play —
 * never the key id (a session's kid would link a client's requests in the tracing backend) nor
 * anything from the body.
 */
const STAGE_ATTRIBUTES: Readonly<Record<string, (ctx: RequestContext) => Record<string, string | boolean>>> = {
  payload(ctx): Record<string, string | boolean> {
    const e = ctx.encryption;
    return e === null ? { 'regate.payload.encrypted': false } : { 'regate.payload.encrypted': true, 'regate.payload.alg': e.alg, 'regate.payload.session': e.session, 'regate.payload.sealed_answer': e.response };
  },
};

/** ctx.trace as telemetry fills it: the ids the pipeline sees, and the spans behind them. */
class SpanTrace implements RequestTrace {
  upstreamHeaders: readonly string[] | null = null;
  constructor(
    readonly traceId: string,
    readonly spanId: string,
    /** null when the sampler dropped the request: no children, no header replacement */
    readonly server: Span | null,
    /** the OpenTelemetry context whose active span is `server` (parent of the children) */
    readonly parent: Context,
  ) {}
}

export interface RequestSpans {
  startRequest(ctx: RequestContext): void;
  endRequest(ctx: RequestContext): void;
  traceStages(stages: readonly Stage[]): Stage[];
  traceProxy(proxy: PipelineProxy): PipelineProxy;
}

export function createRequestSpans(tracer: Tracer, upstreams: Readonly<Record<string, UpstreamConfig>>): RequestSpans {
  const propagator = new W3CTraceContextPropagator();
  // server.address / server.port of each upstream, parsed once
  const targets = new Map<string, { address: string; port: number }>();
  for (const [name, u] of Object.entries(upstreams)) {
    const url = new URL(u.url);
    targets.set(name, { address: url.hostname, port: url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80 });
  }

  const recorded = (ctx: RequestContext): SpanTrace | null => {
    const t = ctx.trace as SpanTrace | null;
    return t !== null && t.server !== null ? t : null;
  };

  return {
    startRequest(ctx) {
      const h = ctx.headers;
      // the client's trace, when it sent one (a malformed traceparent is ignored, W3C §3.2.2)
      const parentCtx = h['traceparent'] !== undefined ? propagator.extract(ROOT_CONTEXT, h, defaultTextMapGetter) : ROOT_CONTEXT;
      const hasParent = parentCtx !== ROOT_CONTEXT && trace.getSpanContext(parentCtx) !== undefined;
      const { address, port } = splitHost(ctx.host);
      const known = KNOWN_METHODS.has(ctx.method);
      const attributes: Record<string, string | number> = {
        [ATTR_HTTP_REQUEST_METHOD]: known ? ctx.method : '_OTHER',
        [ATTR_URL_PATH]: ctx.path,
        [ATTR_URL_SCHEME]: ctx.scheme,
        [ATTR_SERVER_ADDRESS]: address,
        [ATTR_CLIENT_ADDRESS]: ctx.remoteAddr,
        [ATTR_NETWORK_PROTOCOL_VERSION]: '1.1',
      };
      if (port !== undefined) attributes[ATTR_SERVER_PORT] = port;
      if (!known) attributes['http.request.method_original'] = ctx.method;
      const ua = h['user-agent'];
      // spans leave the gateway: a User-Agent that carries a token is left out, as in the logs
      if (ua !== undefined && !looksLikeCredential(ua)) attributes[ATTR_USER_AGENT_ORIGINAL] = ua;
      const span = tracer.startSpan(known ? ctx.method : 'HTTP', { kind: SpanKind.SERVER, attributes }, parentCtx);
      const sc = span.spanContext();
      if (!span.isRecording()) {
        // dropped by the sampler: keep the client's trace id for the logs, nothing else (and
        // without one, nothing at all: the context stays as with telemetry off)
        if (hasParent) ctx.trace = new SpanTrace(sc.traceId, '', null, parentCtx);
        return;
      }
      ctx.trace = new SpanTrace(sc.traceId, sc.spanId, span, trace.setSpan(parentCtx, span));
    },

    endRequest(ctx) {
      const t = recorded(ctx);
      if (t === null) return;
      const span = t.server as Span;
      if (ctx.route.id !== '-') {
        span.setAttribute(ATTR_HTTP_ROUTE, ctx.route.id);
        span.updateName(`${KNOWN_METHODS.has(ctx.method) ? ctx.method : 'HTTP'} ${ctx.route.id}`);
      }
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, ctx.status);
      // Server spans are errors for 5xx only (HTTP semantic conventions): a 401 is the gateway working.
      if (ctx.status >= 500) {
        span.setAttribute(ATTR_ERROR_TYPE, ctx.error?.code ?? String(ctx.status));
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end();
    },

    traceStages(stages) {
      return stages.map((s) => (TRACED_STAGES.has(s.name) ? traceStage(tracer, s, recorded) : s));
    },

    traceProxy(proxy) {
      return (ctx, exchange, done) => {
        const t = recorded(ctx);
        if (t === null) return proxy(ctx, exchange, done);
        const name = ctx.mapping?.name ?? ctx.route.upstream;
        const target = targets.get(name);
        const known = KNOWN_METHODS.has(ctx.method);
        const span = tracer.startSpan(
          known ? ctx.method : 'HTTP',
          {
            kind: SpanKind.CLIENT,
            attributes: {
              [ATTR_HTTP_REQUEST_METHOD]: known ? ctx.method : '_OTHER',
              ...(target ? { [ATTR_SERVER_ADDRESS]: target.address, [ATTR_SERVER_PORT]: target.port } : {}),
              'regate.upstream': name,
            },
          },
          t.parent,
        );
        // the upstream's traceparent names this span (forward.ts puts these in place of the client's)
        const carrier: Record<string, string> = {};
        propagator.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, defaultTextMapSetter);
        const out: string[] = [];
        for (const k in carrier) out.push(k, carrier[k] as string);
        t.upstreamHeaders = out;
        let ended = false;
        const end = (err?: unknown) => {
          if (ended) return;
          ended = true;
          if (err !== undefined) {
            span.setAttribute(ATTR_ERROR_TYPE, err instanceof GatewayError ? err.code : 'GW_ERR_INTERNAL');
            span.setStatus({ code: SpanStatusCode.ERROR });
          } else {
            span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, ctx.status);
            // client spans: any 4xx/5xx answer is an error of the call (HTTP semantic conventions)
            if (ctx.status >= 400) span.setStatus({ code: SpanStatusCode.ERROR });
          }
          span.end();
        };
        const r = proxy(ctx, exchange, (err?: unknown) => {
          end(err);
          done(err);
        });
        if (r !== undefined) return r.then(() => end(), (err: unknown) => {
          end(err);
          throw err;
        });
        return undefined;
      };
    },
  };
}

/** A stage whose runs are child spans of the request's server span (when it is recorded). */
function traceStage(tracer: Tracer, stage: Stage, recorded: (ctx: RequestContext) => SpanTrace | null): Stage {
  const name = stage.name;
  const fail = (span: Span, err: unknown) => {
    const ge = err instanceof GatewayError ? err : null;
    span.setAttribute(ATTR_ERROR_TYPE, ge?.code ?? 'GW_ERR_INTERNAL');
    // a refusal (401, 403, 429) is the stage doing its job; only a failure is an error status
    if (ge === null || ge.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  };
  const attributes = STAGE_ATTRIBUTES[name];
  const succeed = attributes === undefined ? (span: Span) => span.end() : (span: Span, ctx: RequestContext) => {
    span.setAttributes(attributes(ctx));
    span.end();
  };
  return {
    name,
    run(ctx) {
      const t = recorded(ctx);
      if (t === null) return stage.run(ctx);
      const span = tracer.startSpan(name, { kind: SpanKind.INTERNAL }, t.parent);
      let r: void | Promise<void>;
      try {
        r = stage.run(ctx);
      } catch (err) {
        fail(span, err);
        throw err;
      }
      if (r !== undefined && typeof (r as Promise<void>).then === 'function') {
        return (r as Promise<void>).then(
          () => succeed(span, ctx),
          (err: unknown) => {
            fail(span, err);
            throw err;
          },
        );
      }
      succeed(span, ctx);
      return undefined;
    },
  };
}

/** `api.example.com:8443` → address and port; `[::1]:8080` → `::1`, 8080. */
function splitHost(host: string): { address: string; port: number | undefined } {
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(host);
  if (m === null) return { address: host, port: undefined };
  const address = (m[1] as string).replace(/^\[|\]$/g, '');
  return { address, port: m[2] !== undefined ? Number(m[2]) : undefined };
}
