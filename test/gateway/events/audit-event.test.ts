import t from 'tap';
import { GatewayError } from '../../../src/gateway/errors.js';
import { createAuditEventBuilder } from '../../../src/gateway/events/audit-event.js';
import { rfc3339Nano } from '../../../src/gateway/shared/time-format.js';
import { buildPolicyInput, parseQuery } from '../../../src/gateway/shared/policy-input.js';
import { createMasker } from '../../../src/gateway/events/mask.js';
import { makeCtx, SECRET_TOKEN } from './fixtures.js';
import { REGATE_VERSION } from '../../../src/gateway/server/version.js';

t.test('audit event has the OPA decision-log fields and the gateway block', async (t) => {
  const build = createAuditEventBuilder({ mask_headers: ['authorization', 'cookie', 'api-key'], labels: { env: 'test' }, instanceId: 'gw-1' });
  const ctx = makeCtx({ status: 200 });
  const ev = build(ctx, 'd-1');
  t.equal(ev.decision_id, 'd-1');
  t.match(ev.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
  t.equal(ev.path, 'gateway/decision');
  t.same(ev.result, { allow: true, labels: { product: 'car' } });
  t.same(ev.labels, { id: 'gw-1', version: REGATE_VERSION, env: 'test', product: 'car' }, 'labels.version is regate\'s version, as OPA puts its own');
  t.equal(ev.req_id, ctx.id, 'req_id is the request id');
  t.notOk('trace_id' in ev || 'span_id' in ev, 'no trace ids without telemetry');
  t.notOk('error' in ev, 'no error when the policy decided');
  t.notOk('nd_builtin_cache' in ev, 'nd_builtin_cache is omitted: regate does not record it');
  t.same(ev.bundles, { policies: { revision: 'rev-1' } });
  const withBundles = makeCtx({ status: 200 });
  withBundles.decision = { ...withBundles.decision!, bundles: { main: { revision: 'v7' } }, bundlesJson: '{"main":{"revision":"v7"}}' };
  t.same(build(withBundles, 'd-2').bundles, { main: { revision: 'v7' } }, 'policies.bundles: each bundle with its manifest revision');
  t.equal(ev.metrics.timer_rego_query_eval_ns, 12345);
  t.type(ev.metrics.timer_server_handler_ns, 'number');
  const input = ev.input as { request: { headers: Record<string, string>; query: unknown; id: string }; token: { sub: string }; route: unknown };
  t.same(input.request.query, { a: ['1', '2'], b: ['x y'] });
  t.equal(input.request.id, ctx.id);
  t.same(input.route, { id: 'car-insurance', upstream: 'car' });
  t.same(input.request.headers, { 'x-device': 'ios', 'user-agent': 'test' });
  t.same(ev.erased, ['/input/request/headers/authorization', '/input/request/headers/cookie', '/input/request/headers/x-api-key']);
  t.match(ev.gateway, { route: 'car-insurance', upstream: 'car', status: 200, client_id: 'mobile-app', sub: 'u123', remote_addr: '203.0.113.9', rate_limited: false, degraded: false, error: null });
  t.ok(ev.gateway.latency_ns >= 0);
  t.notOk(JSON.stringify(ev).includes(SECRET_TOKEN), 'the raw token never appears');
});

t.test('authorization is erased even when the config forgets it', async (t) => {
  const build = createAuditEventBuilder({ mask_headers: [] });
  const ev = build(makeCtx(), 'x');
  t.notOk(JSON.stringify(ev).includes(SECRET_TOKEN));
  t.same(ev.erased, ['/input/request/headers/authorization']);
});

t.test('pointer rules: remove → erased, upsert → masked; the context is untouched', async (t) => {
  const build = createAuditEventBuilder({
    mask_headers: ['authorization'],
    mask: ['/input/token/claims/email', { path: '/input/request/headers/x-device', value: '***' }, '/input/nope/deeper', '/result/labels'],
  });
  const ctx = makeCtx();
  const ev = build(ctx, 'x');
  const input = ev.input as { token: { claims: Record<string, unknown> }; request: { headers: Record<string, string> } };
  t.notOk('email' in input.token.claims);
  t.equal(input.request.headers['x-device'], '***');
  t.same(ev.erased, ['/input/request/headers/authorization', '/input/token/claims/email', '/result/labels']);
  t.same(ev.masked, ['/input/request/headers/x-device']);
  t.equal(ctx.auth!.token.claims.email, 'u@example.com', 'shared token object not modified');
  t.same(ctx.decision!.raw, { allow: true, labels: { product: 'car' } }, 'shared decision not modified');
});

t.test('copy-on-write masking: only masked paths are copied, nothing shared is modified', async (t) => {
  const build = createAuditEventBuilder({
    mask_headers: ['authorization'],
    mask: ['/input/request/query/a/0', { path: '/input/route/upstream', value: 'hidden' }, '/input/token/scope/0', '/input/__proto__/x', { path: '/input/__proto__/y', value: 1 }],
  });
  const ctx = makeCtx();
  ctx.policyInput = buildPolicyInput(ctx);
  const before = JSON.stringify({ input: ctx.policyInput, auth: ctx.auth, decision: ctx.decision });
  const ev = build(ctx, 'x');
  const input = ev.input as { request: { query: Record<string, string[]> }; route: { upstream: string }; token: { scope: string[]; claims: unknown } };
  t.same(input.request.query.a, ['2']);
  t.equal(input.route.upstream, 'hidden');
  t.same(input.token.scope, []);
  t.same(ev.erased, ['/input/request/headers/authorization', '/input/request/query/a/0', '/input/token/scope/0']);
  t.same(ev.masked, ['/input/route/upstream']);
  t.equal(JSON.stringify({ input: ctx.policyInput, auth: ctx.auth, decision: ctx.decision }), before, 'policy input, token and decision untouched');
  t.equal(input.token.claims, ctx.auth!.token.claims, 'unmasked parts are shared, not copied');
  t.equal(({} as Record<string, unknown>).y, undefined, 'a pointer through __proto__ reaches nothing');
});

t.test('error, denied and unauthenticated requests', async (t) => {
  const build = createAuditEventBuilder({});
  const ctx = makeCtx({ auth: null, decision: null, error: new GatewayError('GW_ERR_TOKEN_MISSING'), status: 401 });
  const ev = build(ctx, 'x');
  t.equal(ev.gateway.error, 'GW_ERR_TOKEN_MISSING');
  t.equal(ev.gateway.status, 401);
  t.equal(ev.gateway.sub, null);
  t.equal((ev.input as { token: unknown }).token, null);
  t.notOk('result' in ev);
  t.same(ev.bundles, {});
  const limited = build(makeCtx({ rateLimited: true, degraded: true, status: 429, error: new GatewayError('GW_ERR_RATE_LIMITED') }), 'y');
  t.match(limited.gateway, { rate_limited: true, degraded: true, status: 429, error: 'GW_ERR_RATE_LIMITED' });
});

t.test('helpers', async (t) => {
  t.same(parseQuery(''), {});
  t.same(parseQuery('a&b=&c=%ZZ&d=1+2'), { a: [''], b: [''], c: ['%ZZ'], d: ['1 2'] });
  t.same(parseQuery('__proto__=x&__proto__=y').__proto__, ['x', 'y'], '__proto__ is an ordinary query key');
  t.equal(rfc3339Nano(Date.UTC(2026, 0, 2, 3, 4, 5, 678)), '2026-01-02T03:04:05.678000000Z');
  t.throws(() => createMasker(['no-slash']), TypeError);
  t.throws(() => createMasker(['/other/x']), TypeError);
});

t.test('OPA fields: trace ids from the request trace, error when the policy failed', async (t) => {
  const build = createAuditEventBuilder({ instanceId: 'gw-1' });
  const ctx = makeCtx({ status: 403, error: new GatewayError('GW_ERR_POLICY_ERROR', { cause: new Error('policy.rego:3:5: eval_conflict_error') }) });
  ctx.trace = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', upstreamHeaders: null };
  const ev = build(ctx, 'd-2');
  t.equal(ev.trace_id, '0af7651916cd43dd8448eb211c80319c');
  t.equal(ev.span_id, 'b7ad6b7169203331');
  t.same(ev.error, { code: 'GW_ERR_POLICY_ERROR', message: 'policy.rego:3:5: eval_conflict_error' });
  t.same(Object.keys(ev).slice(0, 5), ['decision_id', 'trace_id', 'span_id', 'req_id', 'timestamp']);

  // a sampled-out request with a client trace: the trace id only
  ctx.trace = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: '', upstreamHeaders: null };
  ctx.error = new GatewayError('GW_ERR_FORBIDDEN');
  const ev2 = build(ctx, 'd-3');
  t.equal(ev2.trace_id, '0af7651916cd43dd8448eb211c80319c');
  t.notOk('span_id' in ev2);
  t.notOk('error' in ev2, 'a deny is a decision, not an error');
});
