import t from 'tap';
import { buildPolicyInput } from '../../../src/gateway/shared/policy-input.js';
import { normaliseTokenInfo } from '../../../src/gateway/authn/token-info.js';
import { GatewayError } from '../../../src/gateway/errors.js';
import { createAuditEncoder } from '../../../src/gateway/events/audit-encoder.js';
import { createAuditEventBuilder } from '../../../src/gateway/events/audit-event.js';
import type { AuditEventOptions } from '../../../src/gateway/events/audit-event.js';
import type { Decision, RequestContext, RouteRef } from '../../../src/gateway/pipeline/context.js';
import { makeCtx } from './fixtures.js';

/** Small deterministic PRNG (mulberry32), so a failing case can be replayed from its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

// Strings that JSON escapes differently: quotes, backslashes, controls, non-ASCII, lone surrogates.
const NASTY = ['plain', 'a"b', 'back\\slash', 'tab\tnew\nline', '\u0000\u001f', 'é✓', '😀', '\ud800', 'x\udc00y', '', '</script>', '1'];
// Beyond ASCII but nothing to escape (the fast path, written as UTF-8): Latin-1, and code units
// whose low byte is `"` or `\` (U+0122, U+015C) — what a latin1 copy of a non-ASCII text would
// turn into JSON syntax.
const WIDE = ['é', 'ÿ', '\u0122', 'a\u015cb', 'Ā', '✓'];

function clocks(): Pick<AuditEventOptions, 'now' | 'hrtime'> {
  return { now: () => 1767225600123, hrtime: () => 5_000_000_000n };
}

const CLEAN = ['ios', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0)', 'api.example.com', 'é✓ ünïcode', '', '1', '*/*'];

function variedCtx(r: () => number): RequestContext {
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  // mostly strings that need no escaping (the encoder's fast path), sometimes one that does
  const text = (): string => (r() < 0.08 ? pick(NASTY) : r() < 0.1 ? pick(WIDE) : pick(CLEAN));
  const headers: Record<string, string> = {};
  const names = ['x-device', 'user-agent', 'authorization', 'cookie', 'x-api-key', 'x-"odd"', '123', 'accept', 'x-token-hint', 'h\\n', 'x-\u0122', 'x-é'];
  for (const n of names) if (r() < (n.startsWith('x-\u0122') || n === 'x-é' ? 0.05 : 0.6)) headers[n] = text();
  const frozenToken = normaliseTokenInfo({ sub: text(), client_id: text(), scope: 'a b', exp: 1767225600, iss: 'https://idp', nested: { deep: [1, 'two', null, { x: text() }] } }, true);
  const plainToken = { active: true, sub: text(), scope: ['s'], claims: { sub: 'x', n: 1.5 } };
  const route: RouteRef = pick([
    Object.freeze({ id: 'r1', upstream: 'up', auth: 'jwt' as const, policy: 'gateway/decision' }),
    Object.freeze({ id: 'r"2', upstream: 'up\\2', auth: 'none' as const }),
    { id: 'r3', upstream: 'u3', auth: 'introspection' as const, policy: 'pkg/é' },
  ]);
  const ctx = makeCtx({
    id: text(),
    method: pick(['GET', 'POST', 'DELETE']),
    path: r() < 0.1 ? pick(['/a"b', '/é/😀']) : pick(['/car/insurance', '/', '/é']),
    // the last query: names mask_headers erases from the query too (api_key, …-Token, Cookie_Id)
    rawQuery: r() < 0.1 ? 'q=%22%5C' : pick(['', 'a=1', 'a=1&a=2&b=x%20y', '__proto__=1&constructor=2', '10=x&2=y&b=z&b=', 'api_key=k1&a=1&X-Amz-Security-Token=t&Cookie_Id=2']),
    headers,
    host: text(),
    remoteAddr: pick(['203.0.113.9', '::1', 'a"b']),
    route,
    startNs: 1_000_000_000n,
    auth: pick([null, { token: frozenToken, degraded: false, cache: 'hit' as const }, { token: frozenToken, degraded: true, cache: 'stale' as const }, { token: plainToken, degraded: false, cache: 'miss' as const }]),
    decision: pick<Decision | null>([
      null,
      { allow: true, labels: pick<Record<string, string>>([{ product: text() }, { product: text(), tier: 'gold' }, { id: 'override' }, {}]), raw: { allow: true, x: [text(), 1e21, -0, 0.1] }, revision: text(), evalNs: 12345 },
      { allow: false, raw: undefined, revision: 'r', evalNs: 7, upstream: { name: 'from-decision' } },
      { allow: true, raw: null, revision: 'r', evalNs: 0, upstream: {} },
      { allow: true, raw: 'text', revision: 'r', evalNs: NaN },
      // policies.bundles: OPA's decision-log `bundles`, one entry per bundle, revisions as the manifests say
      { allow: true, raw: true, revision: 'r', evalNs: 3, bundles: { main: { revision: 'v"1' }, data: { revision: '' } }, bundlesJson: JSON.stringify({ main: { revision: 'v"1' }, data: { revision: '' } }) },
      { allow: true, raw: { reason: pick(WIDE) }, revision: 'r', evalNs: 3, bundles: { main: { revision: 'v\u0122' } }, bundlesJson: JSON.stringify({ main: { revision: 'v\u0122' } }) },
    ]),
    mapping: pick([null, { name: text(), path: '/x', setHeaders: {}, removeHeaders: [] }]),
    rateLimited: r() < 0.3,
    degraded: r() < 0.2,
    error: r() < 0.3 ? new GatewayError(pick(['GW_ERR_RATE_LIMITED', 'GW_ERR_POLICY_ERROR', 'GW_ERR_UPSTREAM_TIMEOUT'])) : null,
    status: pick([200, 403, 429, 504]),
  });
  if (r() < 0.6) ctx.policyInput = buildPolicyInput(ctx);
  const traced = r();
  if (traced < 0.3) ctx.trace = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', upstreamHeaders: null };
  else if (traced < 0.4) ctx.trace = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: '', upstreamHeaders: null };
  if (ctx.error !== null && ctx.error.code === 'GW_ERR_POLICY_ERROR' && r() < 0.5) ctx.error = new GatewayError('GW_ERR_POLICY_BUDGET', { cause: new Error(pick(['p.rego:1:1: budget', 'quote " and \\ backslash'])) });
  return ctx;
}

/** The request's own strings (what the encoder checks before taking its fast path). */
function probeOf(ctx: RequestContext): string {
  const pi = (ctx.policyInput ?? buildPolicyInput(ctx)) as ReturnType<typeof buildPolicyInput>;
  return [pi.request.id, pi.request.path, pi.request.host, ctx.remoteAddr, ...Object.values(ctx.headers), ...Object.entries(pi.request.query).flat(2), ctx.decision?.revision ?? '', ...Object.entries(ctx.decision?.labels ?? {}).flat(), ctx.mapping?.name ?? ''].join('');
}

t.test('the encoder writes exactly what JSON.stringify writes of the built event', async (t) => {
  const variants: AuditEventOptions[] = [
    { ...clocks(), instanceId: 'gw-1' },
    { ...clocks(), instanceId: 'gw"2', mask_headers: ['authorization', 'cookie', 'api-key', 'token'], labels: { env: 'prod', 'x"y': 'é' } },
    { ...clocks(), instanceId: 'gw-3', mask_headers: [] },
  ];
  let cases = 0;
  let fast = 0;
  let exact = 0;
  for (const [vi, opts] of variants.entries()) {
    const encode = createAuditEncoder(opts);
    const build = createAuditEventBuilder(opts);
    const r = rng(1000 + vi);
    for (let i = 0; i < 400; i++) {
      const ctx = variedCtx(r);
      // twice each: the second encode goes through the per-route and per-token caches
      for (let k = 0; k < 2; k++) {
        const want = JSON.stringify(build(ctx, `id-${i}`));
        const got = encode(ctx, `id-${i}`);
        if (got !== want) {
          t.equal(got, want, `variant ${vi}, case ${i}, pass ${k}`);
          return;
        }
        cases++;
        if (/["\\\u0000-\u001f\ud800-\udfff]/.test(probeOf(ctx))) exact++;
        else fast++;
      }
    }
  }
  t.equal(cases, 2400, 'every varied context encoded identically');
  t.ok(fast > 600 && exact > 200, `both paths taken (${fast} fast, ${exact} exact)`);
});

t.test('both paths give one instance id when none is configured', async (t) => {
  const encode = createAuditEncoder(clocks());
  const clean = makeCtx();
  const dirty = makeCtx({ path: '/a"b' }); // a quote: the exact path
  const a = JSON.parse(encode(clean, 'a')) as { labels: { id: string } };
  const b = JSON.parse(encode(dirty, 'b')) as { labels: { id: string }; input: { request: { path: string } } };
  t.equal(b.input.request.path, '/a"b');
  t.equal(a.labels.id, b.labels.id);
});

t.test('only frozen tokens are cached: a plain token object changed between events shows the change', async (t) => {
  const encode = createAuditEncoder(clocks());
  const token = { active: true, sub: 'before', scope: [], claims: { n: 1 } };
  const ctx = makeCtx({ auth: { token, degraded: false, cache: 'miss' } });
  t.match(JSON.parse(encode(ctx, 'a')), { input: { token: { sub: 'before' } }, gateway: { sub: 'before' } });
  token.sub = 'after';
  token.claims.n = 2;
  t.match(JSON.parse(encode(ctx, 'b')), { input: { token: { sub: 'after', claims: { n: 2 } } }, gateway: { sub: 'after' } });
});

t.test('with pointer mask rules the masked event is encoded, the context untouched', async (t) => {
  const opts: AuditEventOptions = { ...clocks(), instanceId: 'gw-m', mask: ['/input/token/claims/email', { path: '/input/request/headers/x-device', value: '***' }] };
  const encode = createAuditEncoder(opts);
  const ctx = makeCtx();
  ctx.policyInput = buildPolicyInput(ctx);
  const ev = JSON.parse(encode(ctx, 'm'));
  t.equal(ev.input.token.claims.email, undefined);
  t.equal(ev.input.request.headers['x-device'], '***');
  t.same(ev.erased.slice(-1), ['/input/token/claims/email']);
  t.same(ev.masked, ['/input/request/headers/x-device']);
  t.equal((ctx.auth!.token.claims as { email?: string }).email, 'u@example.com');
  t.equal(encode(ctx, 'm'), JSON.stringify(createAuditEventBuilder(opts)(ctx, 'm')));
});

t.test('a result JSON cannot hold throws, so the emitter can count the event as unbuildable', async (t) => {
  const encode = createAuditEncoder(clocks());
  const ctx = makeCtx();
  ctx.decision = { ...ctx.decision!, raw: { n: 10n } };
  t.throws(() => encode(ctx, 'x'), TypeError);
});


t.test("the server's completion time, when set, is the event's latency on both paths (no clock read of its own)", async (t) => {
  const opts = clocks();
  const encode = createAuditEncoder(opts);
  const build = createAuditEventBuilder(opts);
  for (const path of ['/clean', '/a"b']) {
    const ctx = makeCtx({ path, startNs: 1_000_000_000n });
    ctx.endNs = 1_000_004_321n;
    const ev = JSON.parse(encode(ctx, 'e')) as { gateway: { latency_ns: number }; metrics: { timer_server_handler_ns: number } };
    t.equal(ev.gateway.latency_ns, 4321, path);
    t.equal(ev.metrics.timer_server_handler_ns, 4321);
    t.equal(build(ctx, 'e').gateway.latency_ns, 4321);
    ctx.endNs = null;
    t.equal((JSON.parse(encode(ctx, 'e')) as { gateway: { latency_ns: number } }).gateway.latency_ns, 4_000_000_000, 'without it, the encoder reads its clock');
  }
});

t.test('a request over a client certificate: the event input has request.tls, and both paths agree', async (t) => {
  const opts = { ...clocks(), instanceId: 'gw-1' };
  const encode = createAuditEncoder(opts);
  const build = createAuditEventBuilder(opts);
  const tls = Object.freeze({ subject: 'CN=app-1,O=Acme\\, Inc', san: Object.freeze(['URI:spiffe://test/app-1', 'DNS:a.example']), x5tS256: 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2' });
  for (const withInput of [false, true]) {
    const ctx = makeCtx({ id: 'r1', tls, remoteAddr: '203.0.113.9', route: Object.freeze({ id: 'r', upstream: 'u', auth: 'none' as const }), startNs: 1n, status: 200 });
    if (withInput) ctx.policyInput = buildPolicyInput(ctx);
    const got = encode(ctx, 'd1');
    t.equal(got, JSON.stringify(build(ctx, 'd1')), `policy input ${withInput ? 'recorded' : 'rebuilt'}`);
    t.same((JSON.parse(got) as { input: { request: { tls: unknown } } }).input.request.tls, { subject: 'CN=app-1,O=Acme\\, Inc', san: ['URI:spiffe://test/app-1', 'DNS:a.example'], 'x5t#S256': tls.x5tS256 });
  }
  const plain = makeCtx({ id: 'r2', route: Object.freeze({ id: 'r', upstream: 'u', auth: 'none' as const }), startNs: 1n, status: 200 });
  t.notOk('tls' in (JSON.parse(encode(plain, 'd2')) as { input: { request: object } }).input.request, 'no certificate, no request.tls');
});
