/**
 * RequestContext-shaped objects as the gateway's pipeline leaves them after a decided request,
 * for driving the emitter and the limiter without the HTTP server.
 */
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createRequestContext, type RequestContext } from '../../../src/gateway/pipeline/context.js';

export const SECRET_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1MTIzIn0.c2VjcmV0LXNpZ25hdHVyZQ';

export function makeCtx(over: Partial<RequestContext> & { sub?: string; clientId?: string } = {}): RequestContext {
  const sub = over.sub ?? 'u123';
  const clientId = over.clientId ?? 'mobile-app';
  const ctx = createRequestContext({
    id: randomUUID(),
    method: 'GET',
    path: '/car/insurance',
    rawQuery: 'a=1&a=2&b=x%20y',
    headers: {
      authorization: `Bearer ${SECRET_TOKEN}`,
      cookie: 'session=abc',
      'x-api-key': 'k-123',
      'x-device': 'ios',
      'user-agent': 'test',
    },
    host: 'api.example.com',
    scheme: 'https',
    remoteAddr: '203.0.113.9',
    route: { id: 'car-insurance', upstream: 'car', auth: 'jwt', policy: 'gateway/decision' },
  });
  // as the stages leave it after a decided request
  ctx.auth = {
    token: { active: true, sub, client_id: clientId, scope: ['car:read'], exp: 1767225600, iss: 'https://idp.example.com', claims: { sub, email: 'u@example.com', client_id: clientId } },
    degraded: false,
    cache: 'hit',
  };
  ctx.decision = {
    allow: true,
    upstream: { name: 'car', path: '/car/u123/get_my_insurance', headers: { 'x-user-id': sub } },
    rate_limit: [],
    labels: { product: 'car' },
    raw: { allow: true, labels: { product: 'car' } },
    revision: 'rev-1',
    evalNs: 12345,
  };
  ctx.mapping = { name: 'car', path: '/car/u123/get_my_insurance', setHeaders: {}, removeHeaders: [] };
  ctx.status = 200;
  const { sub: _s, clientId: _c, ...rest } = over;
  return Object.assign(ctx, rest);
}

export function quietDeps(): { logger: pino.Logger; registry: Registry } {
  return { logger: pino({ level: process.env.REGATE_TEST_LOG ?? 'silent' }), registry: new Registry() };
}

/** Unique per test run so parallel runs on the shared Redis never see each other's queues. */
export function uniquePrefix(tag: string): string {
  return `t${tag}${process.pid}x${Math.random().toString(36).slice(2, 8)}`;
}

/** Poll until `cond()` holds or the bound is reached (no timed assertions: the bound is generous). */
export async function waitFor(cond: () => boolean | Promise<boolean>, maxMs = 30000, stepMs = 20): Promise<boolean> {
  const n = Math.ceil(maxMs / stepMs);
  for (let i = 0; i < n; i++) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return cond();
}
