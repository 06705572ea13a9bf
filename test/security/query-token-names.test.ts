/**
 * RFC 6750 §2.3's `access_token` query parameter under the spellings a backend's query parser
 * reads as that name.
 *
 * Before: the authenticate stage looked for the literal text `access_token` only. A client sending
 * its own token in the Authorization header and another one as `?access%5Ftoken=…` (or
 * `%61ccess_token`, or `ACCESS_TOKEN`, which ASP.NET reads case-insensitively) on a route that does
 * not accept query tokens got a 200, and the second token reached the upstream in its URL — where
 * a backend that authenticates by the query would act for that token while the policy decided for
 * the header's. The literal spelling was refused with 400 (two methods, RFC 6750 §2). Now every
 * spelling is the same parameter: refused where query tokens are not accepted, and on a route
 * that accepts them read as the token and removed before the upstream.
 */
import t from 'tap';
import { startTokenServer } from '../helpers/oidc-provider.js';
import { startEdgeGateway } from './edge-gateway.js';
import { codeOf, rawGet, sendOne, statusOf } from './wire.js';

const ts = await startTokenServer();
t.teardown(() => ts.stop());
const edge = await startEdgeGateway(t, {
  sections: [`tokens:\n  jwt: { jwks_uri: "${ts.jwksUri}", issuer: "${ts.issuer}", audience: "${ts.audience}", algorithms: [RS256, ES256] }\n  query_token_routes: [query]`],
  routes: [
    '{ id: header, match: { path_prefix: /h }, upstream: app, auth: jwt }',
    '{ id: query, match: { path_prefix: /q }, upstream: app, auth: jwt }',
  ],
});
const { up, port } = edge;
const mine = await ts.issueJwt({ scope: 'read' });
const other = await ts.issueJwt({ scope: 'admin' });
const spellings = ['access%5Ftoken', 'access%5ftoken', '%61ccess_token', '%61%63%63%65%73%73%5F%74%6F%6B%65%6E', 'ACCESS_TOKEN', 'Access_Token'];

t.test('a route without query tokens refuses every spelling, and forwards no token', async (t) => {
  await edge.refuses(t, 400, 'GW_ERR_TOKEN_MALFORMED', spellings.map((name) => [`${name} beside the header`, rawGet(`/h/a?x=1&${name}=${other}`, [`Authorization: Bearer ${mine}`])]));
  // an ordinary query still passes (the check is on the decoded name only)
  up.reset();
  const ok = await sendOne(port, rawGet('/h/a?q=access_token%20docs&x_access_token=1&p=%41', [`Authorization: Bearer ${mine}`]));
  t.equal(statusOf(ok), 200);
  t.equal(up.requests()[0]?.url, '/h/a?q=access_token%20docs&x_access_token=1&p=%41');
});

t.test('a route with query tokens reads every spelling as the token and removes it', async (t) => {
  for (const name of spellings) {
    up.reset();
    const r = await sendOne(port, rawGet(`/q/a?x=1&${name}=${mine}&y=%20`));
    t.equal(statusOf(r), 200, `${name}: accepted as the token`);
    const url = up.requests()[0]?.url ?? '';
    t.equal(url, '/q/a?x=1&y=%20', `${name}: the upstream gets the query without it`);
  }
  up.reset();
  const two = await sendOne(port, rawGet(`/q/a?access_token=${mine}&access%5Ftoken=${other}`));
  t.equal(statusOf(two), 400, 'two spellings are two tokens: 400');
  t.equal(codeOf(two), 'GW_ERR_TOKEN_MALFORMED');
  t.equal(up.requests().length, 0);
});
