import t from 'tap';
import { assertB64Token, extractBearerToken as extractOnly, stripQueryToken, type BearerOptions } from '../../../src/gateway/authn/bearer.js';
import { GatewayError } from '../../../src/gateway/errors.js';

// The stage runs the syntax scan on a cache miss; a first sight is always a miss.
function extractBearerToken(c: Parameters<typeof extractOnly>[0], o: BearerOptions): string {
  const token = extractOnly(c, o);
  assertB64Token(token, o.realm);
  return token;
}

const opts: BearerOptions = { realm: 'regate', maxTokenBytes: 8192, allowQuery: false };
const ctx = (authorization?: string, rawQuery = '') => ({ headers: (authorization === undefined ? {} : { authorization }) as Record<string, string>, rawQuery });

function codeOf(fn: () => unknown): { code: string; status: number; headers: Record<string, string> } | 'ok' {
  try {
    fn();
    return 'ok';
  } catch (err) {
    if (err instanceof GatewayError) return { code: err.code, status: err.status, headers: err.headers };
    throw err;
  }
}

t.test('RFC 6750 §2.1 header extraction', async (t) => {
  t.equal(extractBearerToken(ctx('Bearer abc.def-_~+/=='), opts), 'abc.def-_~+/==');
  t.equal(extractBearerToken(ctx('bearer abc'), opts), 'abc', 'scheme is case-insensitive');
  t.equal(extractBearerToken(ctx('BEARER   abc'), opts), 'abc', '1*SP');
});

t.test('missing credentials → 401 challenge without an error code', async (t) => {
  for (const h of [undefined, '', 'Basic dXNlcjpwYXNz', 'DPoP abc']) {
    const r = codeOf(() => extractBearerToken(ctx(h), opts));
    t.not(r, 'ok');
    if (r === 'ok') continue;
    t.equal(r.code, 'GW_ERR_TOKEN_MISSING', String(h));
    t.equal(r.status, 401);
    t.equal(r.headers['www-authenticate'], 'Bearer realm="regate"');
  }
});

t.test('malformed bearer credentials → 400 invalid_request', async (t) => {
  for (const h of ['Bearer', 'Bearer ', 'Bearer a b', 'Bearer a, Bearer b', 'Bearer ab"c', 'Bearer a=b', 'Bearer\tabc', 'Bearer é']) {
    const r = codeOf(() => extractBearerToken(ctx(h), opts));
    t.not(r, 'ok', h);
    if (r === 'ok') continue;
    t.equal(r.code, 'GW_ERR_TOKEN_MALFORMED', JSON.stringify(h));
    t.equal(r.status, 400);
    t.match(r.headers['www-authenticate'], /error="invalid_request"/);
  }
});

t.test('oversized tokens → 431 before parsing', async (t) => {
  const big = 'a'.repeat(64 * 1024);
  const r = codeOf(() => extractBearerToken(ctx(`Bearer ${big}`), opts));
  t.not(r, 'ok');
  if (r !== 'ok') {
    t.equal(r.code, 'GW_ERR_TOKEN_TOO_LARGE');
    t.equal(r.status, 431);
  }
  t.equal(extractBearerToken(ctx(`Bearer ${'a'.repeat(8192)}`), opts).length, 8192, 'exactly the limit passes');
});

t.test('query tokens (RFC 6750 §2.3) only where the route opts in', async (t) => {
  const r = codeOf(() => extractBearerToken(ctx(undefined, 'a=1&access_token=abc'), opts));
  t.not(r, 'ok');
  if (r !== 'ok') t.equal(r.code, 'GW_ERR_TOKEN_MALFORMED', 'refused by default');
  const allow = { ...opts, allowQuery: true };
  t.equal(extractBearerToken(ctx(undefined, 'a=1&access_token=abc'), allow), 'abc');
  const both = codeOf(() => extractBearerToken(ctx('Bearer abc', 'access_token=abc'), allow));
  if (both !== 'ok') t.equal(both.code, 'GW_ERR_TOKEN_MALFORMED', 'two methods at once (§2)');
  else t.fail('two methods accepted');
  const twice = codeOf(() => extractBearerToken(ctx(undefined, 'access_token=a&access_token=b'), allow));
  if (twice !== 'ok') t.equal(twice.code, 'GW_ERR_TOKEN_MALFORMED');
  else t.fail('two query tokens accepted');
  t.equal(extractBearerToken(ctx('Bearer abc', 'x_access_tokens=1'), opts), 'abc', 'a lookalike parameter is not a token');
});

t.test('stripQueryToken removes every access_token, keeps the rest as sent', async (t) => {
  t.equal(stripQueryToken('a=1&access_token=xyz&b=%20x'), 'a=1&b=%20x');
  t.equal(stripQueryToken('access_token=1&access%5Ftoken=2'), '');
  t.equal(stripQueryToken('x_access_token=1'), 'x_access_token=1');
  t.equal(stripQueryToken('a=1&%61ccess_token=2&Access_Token=3&b'), 'a=1&b', 'by the decoded name, in any case');
  t.equal(stripQueryToken('a=%E0%A4%A&b'), 'a=%E0%A4%A&b');
  t.equal(stripQueryToken(''), '');
});
