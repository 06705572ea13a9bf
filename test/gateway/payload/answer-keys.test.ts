/**
 * The clients' answer-key cache (answer-keys.ts): the same public JWK is imported once and the
 * imported key encrypts to the holder of the private key; the cache keeps at most its bound; a
 * JWK that is not a usable public key is refused every time (never cached).
 */
import t from 'tap';
import { compactDecrypt, CompactEncrypt, exportJWK, generateKeyPair, type JWK } from 'jose';
import { createAnswerKeyCache } from '../../../src/gateway/payload/answer-keys.js';

const publicJwk = async (crv: 'P-256' | 'X25519') => {
  const kp = await generateKeyPair('ECDH-ES+A256KW', { crv, extractable: true });
  return { jwk: (await exportJWK(kp.publicKey)) as JWK, privateKey: kp.privateKey };
};

t.test('one import per public key; the cached key seals to its holder', async (t) => {
  const cache = createAnswerKeyCache(8);
  const a = await publicJwk('P-256');
  const k1 = await cache.import(a.jwk);
  const k2 = await cache.import({ ...a.jwk, kid: 'other members do not make another key' });
  t.equal(k1, k2, 'the second import of the same public fields is the cached key');
  const jwe = await new CompactEncrypt(new TextEncoder().encode('hi')).setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM' }).encrypt(k1);
  t.equal(new TextDecoder().decode((await compactDecrypt(jwe, a.privateKey)).plaintext), 'hi');
  const b = await publicJwk('X25519');
  t.not(await cache.import(b.jwk), k1, 'another key is another entry');
});

t.test('bounded: the least recently used key goes first', async (t) => {
  const cache = createAnswerKeyCache(2);
  const [a, b, c] = [await publicJwk('P-256'), await publicJwk('P-256'), await publicJwk('P-256')];
  const ka = await cache.import(a.jwk);
  const kb0 = await cache.import(b.jwk);
  t.equal(await cache.import(a.jwk), ka, 'a is used again: b is now the oldest');
  await cache.import(c.jwk); // evicts b
  t.equal(await cache.import(a.jwk), ka, 'a stayed');
  t.not(await cache.import(b.jwk), kb0, 'b was evicted: imported anew');
  t.throws(() => createAnswerKeyCache(0), TypeError);
});

t.test('a point off the curve is refused each time', async (t) => {
  const cache = createAnswerKeyCache(8);
  const a = await publicJwk('P-256');
  const bad = { ...a.jwk, y: a.jwk.x } as JWK; // (x, x) is not on P-256
  await t.rejects(cache.import(bad));
  await t.rejects(cache.import(bad), 'refused again, not served from the cache');
});
