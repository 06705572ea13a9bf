/**
 * What issue #18's key caching saves, in isolation: jose's `dir` A256GCM encrypt and decrypt of
 * a 1 KB body with the session key as raw bytes (jose imports it into WebCrypto on every call:
 * what the gateway and the SDK did before) against a CryptoKey imported once (what they do now);
 * and the client's `rsp` answer key imported per request against the cached import
 * (payload/answer-keys.ts). CPU time of this process (all threads: WebCrypto runs jobs on
 * libuv's pool) per operation, interleaved rounds, medians.
 *
 * Run:  node --import tsx bench/payload-keys.ts [--rounds 5] [--ops 2000]
 */
import { randomBytes } from 'node:crypto';
import { CompactEncrypt, compactDecrypt, exportJWK, generateKeyPair, importJWK } from 'jose';
import { createAnswerKeyCache } from '../src/gateway/payload/answer-keys.js';
import { argValue } from './lib/args.js';

const rounds = Number(argValue('--rounds') ?? '5');
const ops = Number(argValue('--ops') ?? '2000');
const raw = new Uint8Array(randomBytes(32));
const imported = await crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']);
const body = new Uint8Array(1024).fill(0x61);
const header = { alg: 'dir', enc: 'A256GCM', kid: 's.bench' };
const jwe = await new CompactEncrypt(body).setProtectedHeader(header).encrypt(raw);
const rsp = await exportJWK((await generateKeyPair('ECDH-ES+A256KW', { crv: 'P-256', extractable: true })).publicKey);
const cache = createAnswerKeyCache(16);

const cases: [string, () => Promise<unknown>][] = [
  ['dir encrypt, raw key (before)', () => new CompactEncrypt(body).setProtectedHeader(header).encrypt(raw)],
  ['dir encrypt, CryptoKey (after)', () => new CompactEncrypt(body).setProtectedHeader(header).encrypt(imported)],
  ['dir decrypt, raw key (before)', () => compactDecrypt(jwe, raw)],
  ['dir decrypt, CryptoKey (after)', () => compactDecrypt(jwe, imported)],
  ['rsp importJWK per request (before)', () => importJWK(rsp, 'ECDH-ES+A256KW')],
  ['rsp from the cache (after)', () => cache.import(rsp)],
];
const results = new Map<string, number[]>(cases.map(([n]) => [n, []]));
for (const [, f] of cases) for (let i = 0; i < 200; i++) await f(); // warm-up
for (let r = 0; r < rounds; r++) {
  for (const [name, f] of cases) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < ops; i++) await f();
    const c = process.cpuUsage(c0);
    results.get(name)!.push((c.user + c.system) / ops);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
console.log(`payload key caching: ${rounds} rounds × ${ops} ops, CPU µs per operation (median, min–max)`);
for (const [name, xs] of results) console.log(`${name.padEnd(38)} ${median(xs).toFixed(1).padStart(7)}   ${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)}`);
