/**
 * Micro-benchmark of the part-B builtins a gateway policy is likely to call per request.
 * Not a test (no .test.ts suffix): run it by hand, ideally on an idle machine:
 *
 *   node --import tsx test/policy/builtins/tools/bench-ext.ts [iterations]
 *
 * Prints ns/op and ops/s per builtin. Each loop is bounded by `iterations`.
 */
import { generateKeyPairSync } from 'node:crypto';
import { call, makeCtx } from '../corpus-helpers.js';
import type { Value } from '../../../../src/policy/value/index.js';

const N = Number(process.argv[2] ?? 2000);
const ctx = makeCtx({ strict: false, nowNs: 1_700_000_000_000_000_000n });

const kp = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = kp.privateKey.export({ format: 'jwk' });
const pem = kp.publicKey.export({ format: 'pem', type: 'spki' }) as string;
const rsToken = call('io.jwt.encode_sign', [{ alg: 'RS256', typ: 'JWT' }, { iss: 'idp', aud: 'api', exp: 4102444800, sub: 'u1' }, jwk]) as string;
const hsToken = call('io.jwt.encode_sign', [{ alg: 'HS256' }, { sub: 'u1' }, { kty: 'oct', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQ' }]) as string;
const schema = 'type Query { user(id: ID!): User } type User { id: ID! name: String friends: [User] }';
const query = 'query Q($id: ID!) { user(id: $id) { id name friends { name } } }';

const cases: [string, unknown[]][] = [
  ['io.jwt.decode_verify', [rsToken, { cert: pem, iss: 'idp', aud: 'api' }]],
  ['io.jwt.verify_rs256', [rsToken, pem]],
  ['io.jwt.verify_hs256', [hsToken, 'secret-secret-secret']],
  ['io.jwt.decode', [rsToken]],
  ['time.parse_rfc3339_ns', ['2024-05-01T12:34:56.789Z']],
  ['time.format', [[1_700_000_000_000_000_000n, 'Europe/Paris', 'RFC1123Z']]],
  ['net.cidr_contains', ['10.0.0.0/8', '10.20.30.40']],
  ['graphql.parse_query', [query]],
  ['graphql.is_valid', [query, schema]],
  ['providers.aws.sign_req', [{ method: 'get', url: 'https://s3.amazonaws.com/b/k', headers: {} }, { aws_access_key: 'AK', aws_secret_access_key: 'SK', aws_service: 's3', aws_region: 'us-east-1' }, 1_700_000_000_000_000_000n]],
];

for (const [name, args] of cases) {
  // Warm-up, then a timed run.
  for (let i = 0; i < Math.min(200, N); i++) call(name, args, ctx);
  const t0 = process.hrtime.bigint();
  let last: Value | undefined;
  for (let i = 0; i < N; i++) last = call(name, args, ctx);
  const ns = Number(process.hrtime.bigint() - t0) / N;
  if (last === undefined) throw new Error(`${name} returned undefined`);
  process.stdout.write(`${name.padEnd(26)} ${ns.toFixed(0).padStart(9)} ns/op ${Math.round(1e9 / ns).toString().padStart(9)} ops/s\n`);
}
