/**
 * The pipeline, composed in one place: authenticate → payload → authorize → ratelimit → map → proxy.
 *
 * Stages run in the order given and share the request context. A stage that returns nothing
 * continues synchronously (no promise is allocated for a cached token or a JS policy); only a
 * stage that returns a promise makes the rest of the chain asynchronous. Any throw or rejection
 * ends the request through `writeError` — the one place a GatewayError becomes HTTP — and
 * `onComplete` runs exactly once per request, after the response (audit events hang off it).
 */
import type { RequestContext, Stage } from './context.js';
import type { ClientExchange } from './exchange.js';

// `payload` (JWE bodies) decrypts after authenticate, so an unauthenticated caller never costs
// the gateway an ECDH, and before authorize, so the policy sees `request.encrypted`.
export const STAGE_ORDER = ['authenticate', 'payload', 'authorize', 'ratelimit', 'map'] as const;

/**
 * The proxy at the end of the chain. Like a stage it may answer synchronously: it then returns
 * nothing and calls `done` once the response is complete (with the error when there is none to
 * relay) — the regate client's path, with no promise per request. A returned promise is awaited
 * instead, and `done` is left alone.
 */
export type PipelineProxy = (ctx: RequestContext, exchange: ClientExchange, done: (err?: unknown) => void) => void | Promise<void>;

export interface PipelineParts {
  stages: readonly Stage[];
  proxy: PipelineProxy;
  writeError: (ctx: RequestContext, exchange: ClientExchange, err: unknown) => void;
  onComplete: (ctx: RequestContext, exchange: ClientExchange) => void;
}

export type Pipeline = (ctx: RequestContext, exchange: ClientExchange) => void;

/**
 * @example
 * const run = composePipeline({ stages: [authn, authz], proxy, writeError, onComplete });
 * run(ctx, exchange); // never throws; answers the client one way or another
 */
export function composePipeline(parts: PipelineParts): Pipeline {
  const stages = [...parts.stages].sort((a, b) => rank(a.name) - rank(b.name));
  const { proxy, writeError, onComplete } = parts;
  const n = stages.length;

  const fail = (ctx: RequestContext, ex: ClientExchange, err: unknown) => {
    try {
      writeError(ctx, ex, err);
    } finally {
      onComplete(ctx, ex);
    }
  };
  const finish = (ctx: RequestContext, ex: ClientExchange) => {
    let called = false;
    // once only: a throw after `done` ran must not end the request a second time. It is the
    // proxy's `done` too (`end(err)`: failed when there is an error), one closure per request
    // rather than two; `failed` says it outright for a throw or a rejection, whatever was thrown.
    const end = (err?: unknown, failed: boolean = err !== undefined) => {
      if (called) return;
      called = true;
      if (failed) fail(ctx, ex, err);
      else onComplete(ctx, ex);
    };
    let r: void | Promise<void>;
    try {
      r = proxy(ctx, ex, end);
    } catch (err) {
      return end(err, true);
    }
    if (r !== undefined && typeof (r as Promise<void>).then === 'function') {
      (r as Promise<void>).then(
        () => end(undefined, false),
        (err: unknown) => end(err, true),
      );
    }
  };
  // Continues from stage i after a promise settled; stays on the sync path while it can.
  const resume = (ctx: RequestContext, ex: ClientExchange, i: number): void => {
    try {
      for (; i < n; i++) {
        if (ex.aborted) return onComplete(ctx, ex);
        const r = (stages[i] as Stage).run(ctx);
        if (r !== undefined && typeof (r as Promise<void>).then === 'function') {
          const next = i + 1;
          (r as Promise<void>).then(
            () => resume(ctx, ex, next),
            (err: unknown) => fail(ctx, ex, err),
          );
          return;
        }
      }
    } catch (err) {
      return fail(ctx, ex, err);
    }
    if (ex.aborted) return onComplete(ctx, ex);
    finish(ctx, ex);
  };
  return (ctx, ex) => resume(ctx, ex, 0);
}

/** Known stages keep the contract order whatever order they were passed in; others go before map's proxy. */
function rank(name: string): number {
  const i = (STAGE_ORDER as readonly string[]).indexOf(name);
  return i < 0 ? STAGE_ORDER.length : i;
}
