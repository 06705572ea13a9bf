/**
 * Cost of the revocation check the authenticate stage runs on every request (cache hits too):
 * `RevocationList.check` for a token that is not listed, with an empty list and with 10,000
 * entries. A micro-measurement of one function (no server, no load), printed in ns per check.
 *
 * @example node --import tsx bench/revocation-check.ts
 */
import { createRevocationList } from '../src/gateway/authn/revocation-list.js';
import { hashToken } from '../src/gateway/authn/token-cache.js';
import type { TokenInfo } from '../src/gateway/pipeline/context.js';

const until = Date.now() + 3_600_000;
const full = createRevocationList(100_000);
for (let i = 0; i < 10_000; i++) full.add({ kind: i % 3 === 0 ? 'sub' : i % 3 === 1 ? 'jti' : 'sha256', value: i % 3 === 2 ? Buffer.alloc(32, i % 256).toString('base64url') : `v${i}`, at: Date.now(), until });
const key = hashToken('x'.repeat(700));
// claims as JSON.parse makes them (strings not interned), like a verified token's
const info = JSON.parse(JSON.stringify({ active: true, scope: [], sub: 'someone', claims: { jti: 'not-revoked-jti-0123456789', sub: 'someone', iat: 1 } })) as TokenInfo;
for (const [name, list] of [['empty list', createRevocationList(10)], ['10k entries, token not listed', full]] as const) {
  const n = 2_000_000;
  const now = Date.now();
  let listed = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) if (list.check(key, info, now) !== null) listed++;
  const ns = Number(process.hrtime.bigint() - t0) / n;
  console.log(`${name}: ${ns.toFixed(1)} ns per check${listed ? ` (${listed} listed?)` : ''}`);
}
