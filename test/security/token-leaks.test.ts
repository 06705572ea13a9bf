/**
 * No bearer token is ever stored (issue #14, item 3; DESIGN.md "The trust boundary").
 *
 * Before: `?access_token=<jwt>` on a route that does not accept query tokens was refused with
 * 400, but the whole token was kept in the audit event (`input.request.query.access_token`), also
 * when it came in both the header and the query. Here tokens go in every position a client can
 * put one — Authorization, the query (accepted and refused), a custom header, a cookie, a form
 * body, the introspection route — and afterwards every key regate wrote to Redis under the test's
 * prefix, and every log line (at debug level), are searched for any of them.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import pino from 'pino';
import t from 'tap';
import { loadConfigText } from '../../src/gateway/config/load.js';
import { startRegate } from '../../src/gateway/server/run.js';
import { createAuditConsumer } from '../../src/consumer/index.js';
import { startTokenServer } from '../helpers/oidc-provider.js';
import { makePolicyDir, until } from '../gateway/authz/fixtures.js';
import { startUpstream } from '../gateway/helpers.js';

const REDIS = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const prefix = `sec-tokens-${process.pid}-${Date.now()}`;
const ts = await startTokenServer();
t.teardown(() => ts.stop());
const up = await startUpstream();
t.teardown(() => up.close());
const spool = mkdtempSync(join(tmpdir(), 'regate-sec-spool-'));
t.teardown(() => rmSync(spool, { recursive: true, force: true }));
const policies = makePolicyDir({
  'sec/sec.rego': `package sec

import rego.v1

default decision := false

decision if input.token.sub
`,
});
t.teardown(() => policies.remove());

let logText = '';
const logStream = new Writable({
  write(chunk: Buffer, _enc, cb) {
    logText += chunk.toString('utf8');
    cb();
  },
});
const config = loadConfigText(
  `
listen: { host: 127.0.0.1, port: 0 }
admin: { host: 127.0.0.1, port: 0 }
log: { level: debug, access: true }
upstreams:
  app: { url: "${up.url}", timeout_ms: 3000 }
tokens:
  jwt: { jwks_uri: "${ts.jwksUri}", issuer: "${ts.issuer}", audience: "${ts.audience}", algorithms: [RS256, ES256] }
  introspection: { endpoint: "${ts.introspectionEndpoint}", client_id: "${ts.clients.gateway.client_id}", client_secret: "${ts.clients.gateway.client_secret}" }
  query_token_routes: [query]
policies: { dir: "${policies.dir}", engine: js }
redis: { url: "${REDIS}", prefix: ${prefix} }
events: { spool_dir: "${spool}", flush_ms: 5 }
routes:
  - { id: jwt, match: { path_prefix: /jwt }, upstream: app, auth: jwt, policy: sec/decision }
  - { id: query, match: { path_prefix: /query }, upstream: app, auth: jwt, policy: sec/decision }
  - { id: opaque, match: { path_prefix: /opaque }, upstream: app, auth: introspection }
  - { id: open, match: { path_prefix: /open }, upstream: app }
`,
  { file: join(tmpdir(), 'sec-tokens.yaml'), env: {} },
);
const running = await startRegate(config, pino({ level: 'debug' }, logStream));
t.teardown(() => running.close());
const gw = `http://127.0.0.1:${running.port}`;

const tokens = {
  header: await ts.issueJwt({ scope: 'read' }),
  queryRefused: await ts.issueJwt({ scope: 'read' }),
  both: await ts.issueJwt({ scope: 'read' }),
  queryAccepted: await ts.issueJwt({ scope: 'read' }),
  customHeader: await ts.issueJwt({ scope: 'read' }),
  cookie: await ts.issueJwt({ scope: 'read' }),
  openQuery: await ts.issueJwt({ scope: 'read' }),
  form: await ts.issueJwt({ scope: 'read' }),
  userAgent: await ts.issueJwt({ scope: 'read' }),
  opaque: await ts.issueOpaque({ scope: 'read' }),
  basic: Buffer.from('alice:correct horse battery staple').toString('base64'),
  // opaque API keys and secrets in the query (no JWS to recognise them by): the names that
  // `events.mask_headers` erases from the headers are erased from the query too
  queryApiKey: `sk_live_${randomBytes(16).toString('hex')}`,
  queryApiKeyCase: `ak_${randomBytes(16).toString('hex')}`,
  querySecret: randomBytes(16).toString('hex'),
  presigned: `FQoGZXIvYXdzE${randomBytes(16).toString('hex')}`,
  headerApiKey: randomBytes(16).toString('hex'),
};

const results: Record<string, number> = {};
const send = async (name: string, path: string, init: RequestInit = {}) => {
  const res = await fetch(`${gw}${path}`, init);
  await res.arrayBuffer();
  results[name] = res.status;
};
await send('header', '/jwt/a', { headers: { authorization: `Bearer ${tokens.header}` } });
await send('queryRefused', `/jwt/b?access_token=${tokens.queryRefused}&x=1`);
await send('both', `/jwt/c?access_token=${tokens.both}`, { headers: { authorization: `Bearer ${tokens.both}` } });
await send('queryAccepted', `/query/d?x=1&access_token=${tokens.queryAccepted}`);
await send('customHeader', '/open/e', { headers: { 'x-access-token': tokens.customHeader } });
await send('cookie', '/open/f', { headers: { cookie: `theme=dark; session=${tokens.cookie}` } });
await send('openQuery', `/open/g?access_token=${tokens.openQuery}`);
await send('form', '/open/h', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `access_token=${tokens.form}` });
// the access log and the spans record the User-Agent: one that carries a token is left out
await send('userAgent', '/open/k', { headers: { 'user-agent': `app/1.0 ${tokens.userAgent}` } });
await send('opaque', '/opaque/i', { headers: { authorization: `Bearer ${tokens.opaque}` } });
await send('basic', '/open/j', { headers: { authorization: `Basic ${tokens.basic}` } });
await send('queryApiKey', `/open/l?q=shoes&api_key=${tokens.queryApiKey}`);
await send('queryApiKeyCase', `/open/m?ApiKey=${tokens.queryApiKeyCase}`);
await send('querySecret', `/open/n?client_id=app&client_secret=${tokens.querySecret}`);
await send('presigned', `/open/o?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Security-Token=${tokens.presigned}`);
await send('headerApiKey', '/open/p', { headers: { 'x-api-key': tokens.headerApiKey } });

t.test('the requests were decided as RFC 6750 says', async (t) => {
  t.equal(results['header'], 200);
  t.equal(results['queryRefused'], 400, 'a query token on a route that does not accept it: 400');
  t.equal(results['both'], 400, 'two methods at once: 400 (RFC 6750 §2)');
  t.equal(results['queryAccepted'], 200);
  t.equal(results['opaque'], 200);
});

t.test('no token reaches Redis, under any key regate wrote', async (t) => {
  // wait until every request's audit event is in Redis, still unconsumed (a consumer would
  // remove the jobs that hold them), then search everything under the prefix
  let dump = '';
  const all = await until(async () => {
    dump = await dumpRedis(REDIS, prefix);
    return (dump.match(/\\?"decision_id\\?"/g) ?? []).length >= Object.keys(results).length;
  }, 400, 25);
  t.ok(all, 'all audit events are in Redis');
  for (const [where, token] of Object.entries(tokens)) t.notOk(dump.includes(token), `the ${where} token is not stored`);
  // and the events are what a consumer reads: the same count, read through the real consumer
  const seen = new Set<string>();
  const consumer = createAuditConsumer({ redis: REDIS, prefix, handler: (e) => void seen.add(e.decision_id) });
  t.teardown(() => consumer.close());
  t.ok(await until(() => seen.size >= Object.keys(results).length, 400, 25), 'a consumer reads them all');
});

t.test('no token reaches the log, even at debug level with access logs', async (t) => {
  t.ok(logText.includes('"request"'), 'access log lines were written');
  for (const [where, token] of Object.entries(tokens)) t.notOk(logText.includes(token), `the ${where} token is not logged`);
});

t.test('no token reaches the metrics', async (t) => {
  const m = await (await fetch(`http://127.0.0.1:${running.adminPort}/metrics`)).text();
  for (const [where, token] of Object.entries(tokens)) t.notOk(m.includes(token), `the ${where} token is not in /metrics`);
});

t.teardown(async () => {
  const r = new Redis(REDIS);
  const keys = [...(await r.keys(`${prefix}:*`)), ...(await r.keys(`{${prefix}}:*`))];
  if (keys.length) await r.del(...keys);
  r.disconnect();
});

/** Every value of every key under the prefix, as text (strings, hashes, lists, sets, streams). */
async function dumpRedis(url: string, pfx: string): Promise<string> {
  const r = new Redis(url);
  try {
    const keys = [...(await r.keys(`${pfx}:*`)), ...(await r.keys(`{${pfx}}:*`))];
    let out = '';
    for (const k of keys) {
      const type = await r.type(k);
      if (type === 'string') out += (await r.getBuffer(k))?.toString('latin1') ?? '';
      else if (type === 'hash') out += JSON.stringify(Object.fromEntries(Object.entries(await r.hgetallBuffer(k)).map(([f, v]) => [f, v.toString('latin1')])));
      else if (type === 'list') out += (await r.lrangeBuffer(k, 0, -1)).map((b) => b.toString('latin1')).join('\n');
      else if (type === 'set') out += (await r.smembers(k)).join('\n');
      // '-1': ioredis types ZRANGE's stop as a string
      else if (type === 'zset') out += (await r.zrange(k, 0, '-1')).join('\n');
      else if (type === 'stream') out += JSON.stringify(await r.xrange(k, '-', '+'));
      out += '\n';
    }
    return out;
  } finally {
    r.disconnect();
  }
}
