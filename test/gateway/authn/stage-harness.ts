/**
 * Shared test harness for the authenticate stage: a RequestContext built the way the server
 * builds one, a pino logger whose lines the test can read (to prove tokens never reach logs), and
 * a runner that captures both synchronous throws and rejected promises.
 */
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { Registry } from 'prom-client';
import { GatewayError } from '../../../src/gateway/errors.js';
import { createRequestContext, type RequestContext, type RouteRef, type Stage } from '../../../src/gateway/pipeline/context.js';

export interface ContextOptions {
  auth?: RouteRef['auth'];
  authorization?: string;
  rawQuery?: string;
  routeId?: string;
  headers?: Record<string, string>;
}

let seq = 0;

export function makeContext(o: ContextOptions = {}): RequestContext {
  const headers: Record<string, string> = { host: 'api.example.test', ...(o.headers ?? {}) };
  if (o.authorization !== undefined) headers.authorization = o.authorization;
  return createRequestContext({
    id: `req-${++seq}`,
    method: 'GET',
    path: '/car/insurance',
    rawQuery: o.rawQuery ?? '',
    headers,
    host: 'api.example.test',
    scheme: 'http',
    remoteAddr: '127.0.0.1',
    route: { id: o.routeId ?? 'car', upstream: 'car', auth: o.auth ?? 'jwt' },
  });
}

export type RunResult =
  | { ok: true; sync: boolean; ctx: RequestContext }
  | { ok: false; sync: boolean; ctx: RequestContext; error: GatewayError };

/** Runs the stage once; `sync` tells whether it answered without a promise (the cache-hit path). */
export async function runStage(stage: Stage, ctx: RequestContext): Promise<RunResult> {
  let r: void | Promise<void>;
  try {
    r = stage.run(ctx);
  } catch (err) {
    if (!(err instanceof GatewayError)) throw err;
    return { ok: false, sync: true, ctx, error: err };
  }
  if (r === undefined) return { ok: true, sync: true, ctx };
  try {
    await r;
    return { ok: true, sync: false, ctx };
  } catch (err) {
    if (!(err instanceof GatewayError)) throw err;
    return { ok: false, sync: false, ctx, error: err };
  }
}

export function bearer(token: string): string {
  return `Bearer ${token}`;
}

/** A debug-level logger that keeps every line in memory. */
export function createCapturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

export function createDeps(now?: () => number) {
  const { logger, lines } = createCapturingLogger();
  const registry = new Registry();
  return { deps: { logger, registry, ...(now ? { now } : {}) }, lines, registry };
}

/** A clock the test moves forward: real time plus an offset. */
export function createClock(): { now: () => number; advance(ms: number): void } {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance(ms) {
      offset += ms;
    },
  };
}
