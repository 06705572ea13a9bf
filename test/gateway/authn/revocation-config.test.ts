// `tokens.revocation` in regate.yaml: defaults, schema errors naming the key and the line, and
// the redis section it needs (a ConfigError at start-up, before anything listens).
import t from 'tap';
import pino from 'pino';
import { Registry } from 'prom-client';
import { loadConfigText } from '../../../src/gateway/config/load.js';
import { ConfigError } from '../../../src/gateway/errors.js';
import { buildStages } from '../../../src/gateway/pipeline/stages.js';

const yaml = (revocation: string, more = '') => `listen: { host: 127.0.0.1, port: 0 }
upstreams:
  u: { url: "http://127.0.0.1:9" }
tokens:
  revocation: ${revocation}
  jwt: { keys: [ { kty: EC, crv: P-256, x: "MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4", y: "4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM" } ], issuer: "https://idp", audience: api, algorithms: [ES256] }
${more}routes:
  - { id: r, match: { path_prefix: / }, upstream: u, auth: jwt }
`;

function configError(text: string): ConfigError {
  try {
    loadConfigText(text, { file: 'r.yaml', env: {} });
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

t.test('defaults: off, fail_open', async (t) => {
  const c = loadConfigText(yaml('{}'), { file: 'r.yaml', env: {} });
  t.same(c.tokens.revocation, { enabled: false, on_redis_unavailable: 'fail_open', max_entries: 100000, heartbeat_ms: 1000 });
});

t.test('schema errors name the key and the line', async (t) => {
  let e = configError(yaml('{ enabled: true, on_redis_unavailable: fail_sometimes }'));
  t.equal(e.key, 'tokens.revocation.on_redis_unavailable');
  t.equal(e.line, 5);
  e = configError(yaml('{ enabled: true, max_entries: 0 }'));
  t.equal(e.key, 'tokens.revocation.max_entries');
  e = configError(yaml('{ enabled: yes-please }'));
  t.equal(e.key, 'tokens.revocation.enabled');
});

t.test('enabled without a redis section is a ConfigError at tokens.revocation.enabled', async (t) => {
  const config = loadConfigText(yaml('\n    enabled: true'), { file: 'r.yaml', env: {} });
  const err = await buildStages(config, { logger: pino({ level: 'silent' }), registry: new Registry() }).catch((e: unknown) => e);
  t.ok(err instanceof ConfigError);
  t.match((err as Error).message, /r\.yaml:6: tokens\.revocation\.enabled: .*redis section/);
});
