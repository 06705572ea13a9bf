/**
 * io.jwt.* against OPA's conformance cases (single-call cases are run directly), plus
 * round-trips that the corpus cannot express (sign with a fresh key, then verify).
 */
import { createHmac, generateKeyPairSync } from 'node:crypto';
import t from 'tap';
import { call, makeCtx, runCallCases } from '../corpus-helpers.js';

const FNS: Record<string, number> = {
  'io.jwt.decode': 1,
  'io.jwt.decode_verify': 2,
  'io.jwt.encode_sign': 3,
  'io.jwt.encode_sign_raw': 3,
};
for (const a of ['rs256', 'rs384', 'rs512', 'ps256', 'ps384', 'ps512', 'es256', 'es384', 'es512', 'eddsa', 'hs256', 'hs384', 'hs512']) FNS[`io.jwt.verify_${a}`] = 2;

const topics = [
  'jwtbuiltins',
  'jwtdecodeverify',
  'jwtencodesign',
  'jwtencodesignheadererrors',
  'jwtencodesignpayloaderrors',
  'jwtencodesignraw',
  'jwtverifyeddsa',
  'jwtverifyhs256',
  'jwtverifyhs384',
  'jwtverifyhs512',
  'jwtverifyrsa',
];
const n = runCallCases(t, topics, FNS, { ctx: () => makeCtx({ strict: true, nowNs: BigInt(Date.UTC(2026, 0, 1)) * 1_000_000n }) });
t.test('most corpus cases are single-call cases', (t) => {
  t.ok(n >= 90, `recognised ${n}`);
  t.end();
});

t.test('sign then verify round-trips for every asymmetric family', (t) => {
  const pairs = {
    RS256: generateKeyPairSync('rsa', { modulusLength: 2048 }),
    PS384: generateKeyPairSync('rsa', { modulusLength: 2048 }),
    ES256: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
    ES512: generateKeyPairSync('ec', { namedCurve: 'P-521' }),
    EdDSA: generateKeyPairSync('ed25519'),
  };
  for (const [alg, kp] of Object.entries(pairs)) {
    const jwk = kp.privateKey.export({ format: 'jwk' });
    const token = call('io.jwt.encode_sign', [{ alg }, { iss: 'me', exp: 4102444800 }, jwk]) as string;
    const pem = kp.publicKey.export({ format: 'pem', type: 'spki' }) as string;
    t.equal(call(`io.jwt.verify_${alg.toLowerCase()}`, [token, pem]), true, `${alg} verifies`);
    const bad = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    t.equal(call(`io.jwt.verify_${alg.toLowerCase()}`, [bad, pem]), false, `${alg} tampered fails`);
    const r = call('io.jwt.decode_verify', [token, { cert: pem, iss: 'me', time: 1e18 }]) as unknown[];
    t.equal(r[0], true, `${alg} decode_verify`);
    const late = call('io.jwt.decode_verify', [token, { cert: pem, time: 4102444800e9 }]) as unknown[];
    t.equal(late[0], false, `${alg} expired`);
  }
  t.end();
});

t.test('decode_verify rejects bad constraints with builtin errors', (t) => {
  const tok = call('io.jwt.encode_sign', [{ alg: 'HS256' }, { a: 1 }, { kty: 'oct', k: 'c2VjcmV0' }]) as string;
  t.throws(() => call('io.jwt.decode_verify', [tok, { secret: 'secret', foo: 1 }]), { code: 'REGO_ERR_BUILTIN' });
  t.throws(() => call('io.jwt.decode_verify', [tok, {}]), { code: 'REGO_ERR_BUILTIN' });
  t.throws(() => call('io.jwt.decode_verify', [tok, 'x']), { code: 'REGO_ERR_BUILTIN_TYPE' });
  t.same(call('io.jwt.decode_verify', [tok, { secret: 'secret' }]), [true, { alg: 'HS256' }, { a: 1 }]);
  t.same(call('io.jwt.decode_verify', [tok, { secret: 'wrong' }]), [false, {}, {}]);
  t.end();
});

// OPA's extractJSONObject decodes a JWT header or payload with util.UnmarshalJSON, so a bad one
// fails with Go's decoder message after "invalid JSON: ".
t.test('io.jwt.decode: bad JSON in a header or payload is worded as Go', (t) => {
  const b64 = (s: string): string => Buffer.from(s).toString('base64url');
  t.throws(() => call('io.jwt.decode', [`${b64('{"alg":"HS256",}')}.${b64('{"a":1}')}.c2ln`]), {
    code: 'REGO_ERR_BUILTIN',
    message: /bad JWT header: invalid JSON: invalid character '}' looking for beginning of object key string/,
  });
  t.throws(() => call('io.jwt.decode', [`${b64('{"alg":"HS256"}')}.${b64('{"a":1')}.c2ln`]), {
    code: 'REGO_ERR_BUILTIN',
    message: /invalid JSON: unexpected EOF/,
  });
  t.end();
});

// OPA's tokenHeaderCrit walks `crit` with Iter and ignores the error a non-string returns: the
// walk stops there, so the names before it count and an unknown critical one after it does not.
t.test('decode_verify: crit stops at its first non-string', (t) => {
  const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const signed = (h: unknown) => {
    const input = `${b64(h)}.${b64({ a: 1 })}`;
    const sig = createHmac('sha256', 'k').update(input).digest('base64url');
    return `${input}.${sig}`;
  };
  t.same(call('io.jwt.decode_verify', [signed({ alg: 'HS256', crit: ['x', 1, 'y'], y: 1 }), { secret: 'k' }]), [true, { alg: 'HS256', crit: ['x', 1, 'y'], y: 1 }, { a: 1 }]);
  t.same(call('io.jwt.decode_verify', [signed({ alg: 'HS256', crit: ['x', 1, 'y'], x: 1 }), { secret: 'k' }]), [false, {}, {}]);
  t.throws(() => call('io.jwt.decode_verify', [signed({ alg: 'HS256', crit: [1, 'x'] }), { secret: 'k' }]), { code: 'REGO_ERR_BUILTIN', message: /crit: must be a nonempty list/ });
  t.end();
});

// A JWK that is not JSON: jwx's jwk.Parse runs encoding/json.Unmarshal on it, so the text ends in
// Go's SyntaxError (or "unexpected end of JSON input"), not in Node's JSON.parse wording.
t.test('a JWK that is not JSON fails with encoding/json texts', (t) => {
  t.throws(() => call('io.jwt.verify_rs256', ['a.b.c', 'notakey']), {
    code: 'REGO_ERR_BUILTIN',
    message: /failed to parse a JWK key \(set\): failed to unmarshal JWK set: invalid character 'o' in literal null \(expecting 'u'\)$/,
  });
  t.throws(() => call('io.jwt.verify_es256', ['a.b.c', '{"kty": ']), { code: 'REGO_ERR_BUILTIN', message: /failed to unmarshal JWK set: unexpected end of JSON input$/ });
  t.throws(() => call('io.jwt.encode_sign_raw', ['{"alg":"HS256"}', '{}', 'x']), {
    code: 'REGO_ERR_BUILTIN',
    message: /: failed to unmarshal JWK set: invalid character 'x' looking for beginning of value$/,
  });
  t.end();
});
