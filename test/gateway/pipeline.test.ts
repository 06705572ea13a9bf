/**
 * The pipeline seam: stages plug into createGateway without touching the server, run in the
 * contract order, stay synchronous when they can, reject with coded errors mapped to HTTP in
 * one place, and onComplete runs once per request after the response.
 */
import t from 'tap';
import { Agent, request } from 'undici';
import { GatewayError } from '../../src/gateway/errors.js';
import type { RequestContext, Stage } from '../../src/gateway/pipeline/context.js';
import { composePipeline } from '../../src/gateway/pipeline/compose.js';
import { echoConfig, startGateway, startUpstream } from './helpers.js';

t.test('stages run in contract order, can map the call, reject with coded errors', async (t) => {
  const up = await startUpstream();
  const order: string[] = [];
  const completed: RequestContext[] = [];
  // Deliberately given out of order: the composer puts them in contract order.
  const stages: Stage[] = [
    {
      name: 'map',
      run(ctx) {
        order.push('map');
        ctx.mapping = { name: 'echo', path: '/mapped' + ctx.path, setHeaders: { 'x-user-id': 'u1' }, removeHeaders: ['cookie'] };
        ctx.responseHeaders['cache-control'] = 'no-store';
      },
    },
    {
      name: 'authenticate',
      async run(ctx) {
        order.push('authenticate');
        await new Promise((r) => setImmediate(r)); // a real wait: the rest continues asynchronously
        if (ctx.headers['authorization'] !== 'Bearer good') {
          throw new GatewayError('GW_ERR_TOKEN_MISSING', { headers: { 'www-authenticate': 'Bearer realm="regate"' } });
        }
      },
    },
    {
      name: 'authorize',
      run(ctx) {
        order.push('authorize');
        if (ctx.path.endsWith('/forbidden')) throw new GatewayError('GW_ERR_FORBIDDEN');
        if (ctx.path.endsWith('/boom')) throw new Error('a bug in a stage');
      },
    },
  ];
  const gw = await startGateway(echoConfig(up.url), { stages, onComplete: (ctx) => completed.push(ctx) });
  const agent = new Agent();
  t.teardown(async () => {
    await agent.close();
    await gw.close();
    await up.close();
  });

  const ok = await request(`${gw.url}/echo/a`, { headers: { authorization: 'Bearer good', cookie: 'sid=1' }, dispatcher: agent });
  t.equal(ok.statusCode, 200);
  t.equal(ok.headers['cache-control'], 'no-store');
  await ok.body.dump();
  t.same(order, ['authenticate', 'authorize', 'map']);
  const seen = up.seen.at(-1)!;
  t.equal(seen.url, '/mapped/echo/a');
  t.equal(seen.headers['x-user-id'], 'u1');
  t.equal(seen.headers['cookie'], undefined);
  t.equal(seen.headers['authorization'], 'Bearer good', 'auth: none routes forward Authorization');

  const no = await request(`${gw.url}/echo/a`, { dispatcher: agent });
  t.equal(no.statusCode, 401);
  t.equal(no.headers['www-authenticate'], 'Bearer realm="regate"');
  t.equal(((await no.body.json()) as { error: string }).error, 'GW_ERR_TOKEN_MISSING');

  const fb = await request(`${gw.url}/echo/forbidden`, { headers: { authorization: 'Bearer good' }, dispatcher: agent });
  t.equal(fb.statusCode, 403);
  t.equal(((await fb.body.json()) as { error: string }).error, 'GW_ERR_FORBIDDEN');

  const boom = await request(`${gw.url}/echo/boom`, { headers: { authorization: 'Bearer good' }, dispatcher: agent });
  t.equal(boom.statusCode, 500);
  const bb = (await boom.body.json()) as { error: string; message: string };
  t.equal(bb.error, 'GW_ERR_INTERNAL');
  t.notMatch(bb.message, /bug/, 'internal details never reach the client');

  t.equal(completed.length, 4, 'onComplete ran once per request');
  t.same(
    completed.map((c) => [c.status, c.error?.code ?? null]),
    [
      [200, null],
      [401, 'GW_ERR_TOKEN_MISSING'],
      [403, 'GW_ERR_FORBIDDEN'],
      [500, 'GW_ERR_INTERNAL'],
    ],
  );
  t.equal(up.seen.length, 1, 'rejected calls never reach the upstream');
});

t.test('the composer stays synchronous when no stage returns a promise', async (t) => {
  const events: string[] = [];
  const ex = { aborted: false } as unknown as Parameters<ReturnType<typeof composePipeline>>[1];
  const run = composePipeline({
    stages: [
      { name: 'authenticate', run: () => void events.push('authn') },
      { name: 'authorize', run: () => void events.push('authz') },
    ],
    proxy: async () => void events.push('proxy'),
    writeError: () => events.push('error'),
    onComplete: () => events.push('complete'),
  });
  run({} as RequestContext, ex);
  events.push('returned');
  t.same(events, ['authn', 'authz', 'proxy', 'returned'], 'stages and the proxy call ran before run() returned');
  await new Promise((r) => setImmediate(r));
  t.same(events.at(-1), 'complete');
});

t.test('a route needing a stage nobody provides is refused at construction', async (t) => {
  const up = await startUpstream();
  t.teardown(() => up.close());
  const yaml = echoConfig(up.url).replace('    upstream: echo', '    upstream: echo\n    auth: jwt') + 'tokens:\n  jwt: { jwks_uri: "http://127.0.0.1:1/jwks", issuer: "http://127.0.0.1:1", audience: api }\n';
  await t.rejects(startGateway(yaml), TypeError);
});
