/**
 * The Authorization value's field-value check (RFC 9110 §5.5: no C0 controls but HTAB, no DEL,
 * no U+FFFD standing for bytes that were not UTF-8). The edge defers it (server/client-head.ts):
 * on a route that authenticates, the authenticate stage accepts only `Bearer` + a b64token and
 * checks the value whenever it refuses; on any other route the gateway checks it after routing.
 * Whichever check runs, a bad value gets the edge's answer (400 GW_ERR_BAD_HEADER) and never
 * reaches the upstream — on a cache miss, next to a cached token, and whatever the scheme.
 */
import t from 'tap';
import { Registry } from 'prom-client';
import pino from 'pino';
import { loadConfigText } from '../../src/gateway/config/load.js';
import { buildStages } from '../../src/gateway/pipeline/stages.js';
import { createGateway } from '../../src/gateway/server/gateway.js';
import { startTokenServer } from '../helpers/oidc-provider.js';
import { clientYaml } from '../gateway/helpers.js';
import { codeOf, rawGet, sendOne, startRecordingUpstream, statusOf, utf8Bytes } from './wire.js';
import { loadUws } from '../../src/gateway/server/uws-loader.js';

const ts = await startTokenServer();
t.teardown(() => ts.stop());
const up = await startRecordingUpstream();
t.teardown(() => up.close());
const config = loadConfigText(
  `
listen: { host: 127.0.0.1, port: 0 }
admin: { enabled: false }
upstreams:
  app: { url: "${up.url}"${clientYaml} }
tokens:
  jwt: { jwks_uri: "${ts.jwksUri}", issuer: "${ts.issuer}", audience: "${ts.audience}", algorithms: [RS256, ES256] }
routes:
  - { id: jwt, match: { path_prefix: /jwt }, upstream: app, auth: jwt }
  - { id: open, match: { path_prefix: /open }, upstream: app }
`,
  { file: 'authorization-value.yaml', env: {} },
);
const logger = pino({ level: 'silent' });
const registry = new Registry();
const built = await buildStages(config, { logger, registry });
t.teardown(() => built.close());
const gw = createGateway({ config, logger, registry, stages: built.stages });
const port = await gw.listen(0);
t.teardown(() => gw.close(1000));
const { build } = loadUws();

const token = await ts.issueJwt({ scope: 'read' });
const get = (path: string, authorization: string) => sendOne(port, rawGet(path, [`Authorization: ${authorization}`]));

t.test('a valid token is accepted on a miss and on a hit, and not forwarded', async (t) => {
  up.reset();
  for (const round of ['miss', 'hit']) {
    const r = await get('/jwt/a', `Bearer ${token}`);
    t.equal(statusOf(r), 200, round);
  }
  t.equal(up.requests().length, 2);
  t.notOk(up.requests().some((m) => m.headers.some(([n]) => n.toLowerCase() === 'authorization')), 'the bearer token stays at the gateway');
});

// Bytes no field value may hold, in every place an Authorization value can carry them. `\xff` is
// not UTF-8: uWS hands it over as U+FFFD. (Inside the value: uWS trims bytes from 0x80 up at its
// end as it trims whitespace, so there they never reach regate.)
const bad: [string, string][] = [
  ['DEL in a bearer token (never seen)', `Bearer ${token.slice(0, 40)}\x7f${token.slice(40)}`],
  ['DEL after a cached token', `Bearer ${token}\x7f`],
  ['a control character after a cached token', `Bearer ${token}\x01`],
  ['DEL inside a cached token', `Bearer ${token.slice(0, 10)}\x7f${token.slice(10)}`],
  ['DEL in another scheme', 'Basic dXNlcjpwYXNz\x7f'],
  ['a byte that is not UTF-8', `Bearer ${token.slice(0, 20)}\xff${token.slice(20)}`],
  ['U+FFFD sent as UTF-8', utf8Bytes(`Bearer ${token.slice(0, 20)}\ufffd${token.slice(20)}`)],
];

for (const path of ['/jwt/a', '/open/a']) {
  for (const [name, value] of bad) {
    t.test(`${path}: ${name} → 400 GW_ERR_BAD_HEADER`, async (t) => {
      up.reset();
      const r = await get(path, value);
      const s = statusOf(r);
      // uWS refuses some control characters itself (it closes the connection; 20.56 answers 400
      // with no JSON body): regate answers what uWS hands over
      if (s !== 0 && !(build.version >= '20.56' && s === 400 && codeOf(r) === undefined)) {
        t.equal(s, 400, 'status');
        t.equal(codeOf(r), 'GW_ERR_BAD_HEADER', 'code');
      }
      t.equal(up.requests().length, 0, 'nothing reaches the upstream');
      t.comment(`answered by ${s === 0 ? 'uWS (closed)' : 'regate'}`);
    });
  }
}

t.test('an open route forwards a valid Authorization value as sent', async (t) => {
  up.reset();
  const r = await get('/open/a', 'Basic dXNlcjpwYXNz');
  t.equal(statusOf(r), 200);
  const fwd = up.requests()[0]?.headers.find(([n]) => n.toLowerCase() === 'authorization');
  t.equal(fwd?.[1], 'Basic dXNlcjpwYXNz');
});
