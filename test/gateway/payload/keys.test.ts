/**
 * payload_encryption keys: every accepted type loads and is published (public part only, use
 * enc); a key regate cannot use is a ConfigError naming `payload_encryption.keys[i].<field>` and
 * its line; the policy input and the audit event show an encrypted request's key id.
 */
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import pino from 'pino';
import { Registry } from 'prom-client';
import { loadPayloadKeys, PayloadKeyError } from '../../../src/gateway/payload/keys.js';
import { loadConfigText } from '../../../src/gateway/config/load.js';
import { buildStages } from '../../../src/gateway/pipeline/stages.js';
import { ConfigError } from '../../../src/gateway/errors.js';
import { createRequestContext } from '../../../src/gateway/pipeline/context.js';
import { buildPolicyInput } from '../../../src/gateway/shared/policy-input.js';
import { createAuditEventBuilder } from '../../../src/gateway/events/audit-event.js';
import { createAuditEncoder } from '../../../src/gateway/events/audit-encoder.js';
import { dir, writeKey } from './harness.js';

t.test('EC P-256/P-384, X25519 and RSA keys load; the JWKS has public parts with use enc', async (t) => {
  const files = { a: writeKey('k-a', 'ec256'), b: writeKey('k-b', 'ec384'), c: writeKey('k-c', 'x25519'), d: writeKey('k-d', 'rsa') };
  const rsaJwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  writeFileSync(join(dir, 'k-e.jwk'), JSON.stringify(rsaJwk));
  const pem = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'sec1', format: 'pem' }) as string;
  const set = await loadPayloadKeys(
    [
      { kid: 'a', private_key_file: files.a },
      { kid: 'b', private_key_file: files.b },
      { kid: 'c', private_key_file: files.c },
      { kid: 'd', private_key_file: files.d },
      { kid: 'e', private_key_file: 'k-e.jwk' },
      { kid: 'f', private_key_env: 'ENC_F' },
    ],
    dir,
    { ENC_F: pem },
  );
  const jwks = JSON.parse(set.jwksJson) as { keys: Record<string, unknown>[] };
  t.same(
    jwks.keys.map((k) => [k.kid, k.kty, k.crv ?? null, k.alg, k.use]),
    [
      ['a', 'EC', 'P-256', 'ECDH-ES+A256KW', 'enc'],
      ['b', 'EC', 'P-384', 'ECDH-ES+A256KW', 'enc'],
      ['c', 'OKP', 'X25519', 'ECDH-ES+A256KW', 'enc'],
      ['d', 'RSA', null, 'RSA-OAEP-256', 'enc'],
      ['e', 'RSA', null, 'RSA-OAEP-256', 'enc'],
      ['f', 'EC', 'P-256', 'ECDH-ES+A256KW', 'enc'],
    ],
  );
  for (const k of jwks.keys) for (const priv of ['d', 'p', 'q', 'dp', 'dq', 'qi']) t.notOk(priv in k, `${String(k.kid)} has no ${priv}`);
  t.equal(set.byKid('d')?.kind, 'rsa');
});

t.test('keys regate cannot use are refused, naming the key', async (t) => {
  const p521 = generateKeyPairSync('ec', { namedCurve: 'secp521r1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const ed = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const cases: [string, Record<string, string>, RegExp][] = [
    ['P-521', { K: p521 }, /curve/],
    ['RSA 1024', { K: rsa1024 }, /2048/],
    ['Ed25519 (signing only)', { K: ed }, /cannot encrypt/],
    ['garbage', { K: 'hello' }, /not a private key/],
    ['unset env', {}, /not set/],
  ];
  for (const [what, env, msg] of cases) {
    const err = await loadPayloadKeys([{ kid: 'ok', private_key_env: 'K' }], dir, env).catch((e: unknown) => e);
    t.ok(err instanceof PayloadKeyError, what);
    t.match((err as Error).message, msg, what);
  }
  const dup = await loadPayloadKeys([{ kid: 'x', private_key_env: 'K' }, { kid: 'x', private_key_env: 'K' }], dir, { K: generateKeyPairSync('x25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string }).catch((e: unknown) => e);
  t.match(dup, { index: 1, field: 'kid' }, 'duplicate kid');
});

t.test('config: located errors', async (t) => {
  const base = (extra: string) => `
listen: { host: 127.0.0.1, port: 0 }
admin: { enabled: false }
upstreams: { u: { url: "http://127.0.0.1:9" } }
${extra}
routes:
  - { id: r, match: { path_prefix: / }, upstream: u, payload_encryption: required }
`;
  const deps = { logger: pino({ level: 'silent' }), registry: new Registry() };
  const noSection = await buildStages(loadConfigText(base(''), { file: join(dir, 'a.yaml'), env: {} }), deps).catch((e: unknown) => e);
  t.ok(noSection instanceof ConfigError);
  t.match((noSection as Error).message, /a\.yaml:7: routes\[0\]\.payload_encryption: .*payload_encryption section/);
  const missing = base(`payload_encryption:\n  keys:\n    - { kid: a, private_key_file: ./${writeKey('ok-1', 'ec256')} }\n    - { kid: b, private_key_file: ./nope.pem }`);
  const err = await buildStages(loadConfigText(missing, { file: join(dir, 'b.yaml'), env: {} }), deps).catch((e: unknown) => e);
  t.ok(err instanceof ConfigError);
  t.match((err as Error).message, /b\.yaml:8: payload_encryption\.keys\[1\]\.private_key_file: cannot read \.\/nope\.pem/);
  t.throws(() => loadConfigText(base('payload_encryption: { keys: [ { kid: a } ] }'), { file: 'c.yaml', env: {} }), 'a key without a source is a schema error');
  const workers = base(`payload_encryption: { keys: [ { kid: a, private_key_env: K } ] }`).replace('port: 0 }', 'port: 0, workers: 2 }');
  const wErr = await buildStages(loadConfigText(workers, { file: join(dir, 'w.yaml'), env: {} }), deps).catch((e: unknown) => e);
  t.ok(wErr instanceof ConfigError, 'several workers without Redis');
  t.match((wErr as Error).message, /w\.yaml:2: listen\.workers: .*redis/);
  t.throws(() => loadConfigText(base('').replace('required', 'sometimes'), { file: 'd.yaml', env: {} }), 'an unknown mode is a schema error');
});

t.test('policy input and audit event of an encrypted request', async (t) => {
  const ctx = createRequestContext({ id: 'r1', method: 'POST', path: '/pay', rawQuery: '', headers: { 'content-type': 'application/json' }, host: 'h', scheme: 'https', remoteAddr: '1.2.3.4', route: { id: 'pay', upstream: 'u', auth: 'none' } });
  t.notOk('encrypted' in buildPolicyInput(ctx).request, 'plaintext requests: no encrypted key');
  ctx.encryption = { kid: 'enc-1', alg: 'ECDH-ES+A256KW', session: false, response: true };
  t.match(buildPolicyInput(ctx).request, { encrypted: true, encryption: { kid: 'enc-1', alg: 'ECDH-ES+A256KW', session: false } });
  const ev = createAuditEventBuilder({ instanceId: 'i', now: () => 0, hrtime: () => ctx.startNs })(ctx, 'd1');
  t.same(ev.gateway.encryption, { kid: 'enc-1', alg: 'ECDH-ES+A256KW', session: false, response: true });
  t.match(ev.input, { request: { encrypted: true } });
  const encoded = JSON.parse(createAuditEncoder({ instanceId: 'i', now: () => 0, hrtime: () => ctx.startNs })(ctx, 'd1')) as typeof ev;
  t.same(encoded, ev, 'the fast encoder writes the same event');
});

t.test('a gateway given an encrypted route without the payload stage refuses to start', async (t) => {
  const { createGateway } = await import('../../../src/gateway/server/gateway.js');
  const config = loadConfigText(
    `
listen: { host: 127.0.0.1, port: 0 }
admin: { enabled: false }
upstreams: { u: { url: "http://127.0.0.1:9" } }
payload_encryption: { keys: [ { kid: a, private_key_env: K } ] }
routes: [ { id: r, match: { path_prefix: / }, upstream: u, payload_encryption: required } ]
`,
    { file: join(dir, 'e.yaml'), env: {} },
  );
  t.throws(() => createGateway({ config, logger: pino({ level: 'silent' }), registry: new Registry(), stages: [] }), /payload_encryption: required but no payload stage/);
});
