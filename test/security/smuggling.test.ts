/**
 * Request smuggling through character transcoding (issue #14, item 1).
 *
 * uWS hands header values, the target and Host to JS as UTF-8-decoded strings. A client that
 * sends the UTF-8 bytes of U+010D U+010A inside a header value gets a string whose code units
 * end in 0x0D 0x0A; writing that string upstream as latin1 (one byte per code unit, the low byte)
 * turns them into CR LF — a new header line, or a whole second request on a pooled connection
 * whose answer is then served to the next user. The upstream here records the exact bytes it
 * receives and reads them with llhttp; the gateway must either forward the client's own bytes
 * (valid UTF-8 round-trips exactly) or refuse the request with a 400 and forward nothing.
 */
import t from 'tap';
import { startGateway } from '../gateway/helpers.js';
import { headerOf, headersOf } from '../helpers/llhttp.js';
import { rawGet, sendOne, startRecordingUpstream, statusOf, utf8Bytes } from './wire.js';

const CR = '\u010d'; // UTF-8 C4 8D: its UTF-16 code unit's low byte is 0x0D
const LF = '\u010a'; // UTF-8 C4 8A: low byte 0x0A

// The upstream's answer names the request it answers, so a desynchronised pool shows.
const up = await startRecordingUpstream({
  answer: (m) => {
    const body = `${m.method} ${m.url}`;
    return `HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: ${body.length}\r\n\r\n${body}`;
  },
});
t.teardown(() => up.close());

for (const client of ['regate', 'undici'] as const) {
  const gw = await startGateway(`
listen: { host: 127.0.0.1, port: 0 }
admin: { enabled: false }
upstreams:
  app: { url: "${up.url}", client: ${client}, timeout_ms: 2000, pool: { connections: 1 } }
routes:
  - { id: open, match: { path_prefix: /open }, upstream: app }
`);
  t.teardown(() => gw.close());

  t.test(`${client}: a CR/LF hidden in a UTF-8 header value never becomes a header line`, async (t) => {
    up.reset();
    const value = `a${CR}${LF}X-Injected: yes`;
    const r = await sendOne(gw.port, rawGet('/open/x', [`X-A: ${utf8Bytes(value)}`]));
    t.same(up.errors(), [], 'the upstream reads valid HTTP/1.1');
    const reqs = up.requests();
    if (statusOf(r) === 400) {
      t.equal(reqs.length, 0, 'refused: nothing forwarded');
      return;
    }
    t.equal(statusOf(r), 200);
    t.equal(reqs.length, 1, 'exactly one request upstream');
    const m = reqs[0];
    if (!m) return;
    t.equal(headerOf(m, 'x-injected'), undefined, 'no injected header line');
    t.equal(headerOf(m, 'x-a'), utf8Bytes(value), 'the value arrives as the bytes the client sent');
  });

  t.test(`${client}: a whole second request hidden in a header value is not smuggled onto the pool`, async (t) => {
    up.reset();
    const smuggled = `a${CR}${LF}${CR}${LF}GET /open/victim-secret HTTP/1.1${CR}${LF}Host: x${CR}${LF}${CR}${LF}`;
    const attacker = await sendOne(gw.port, rawGet('/open/attacker', [`X-A: ${utf8Bytes(smuggled)}`]));
    // the pool has one connection: the victim's request goes on the same one
    const victim = await sendOne(gw.port, rawGet('/open/victim'));
    t.same(up.errors(), [], 'the upstream reads valid HTTP/1.1');
    t.notOk(up.requests().some((m) => m.url === '/open/victim-secret'), 'no smuggled request reached the upstream');
    t.equal(statusOf(victim), 200);
    t.equal(victim.responses[0]?.body.toString(), 'GET /open/victim', "the victim gets its own answer, not the smuggled request's");
    t.ok([200, 400].includes(statusOf(attacker)));
  });

  t.test(`${client}: Host cannot carry CR/LF into x-forwarded-host or forwarded`, async (t) => {
    up.reset();
    const r = await sendOne(gw.port, `GET /open/h HTTP/1.1\r\nHost: ${utf8Bytes(`a${CR}${LF}X-Injected: 1`)}\r\n\r\n`);
    t.equal(statusOf(r), 400, 'a Host outside RFC 3986 host[:port] is a 400');
    t.equal(up.requests().length, 0);
  });

  t.test(`${client}: the request target cannot carry CR/LF`, async (t) => {
    up.reset();
    // no spaces: uWS itself refuses a request line with more than two
    const path = utf8Bytes(`/open/${CR}${LF}X-Injected:1${CR}${LF}x`);
    const r = await sendOne(gw.port, `GET ${path} HTTP/1.1\r\nHost: gw.test\r\n\r\n`);
    t.equal(statusOf(r), 400, 'non-ASCII in the request target is refused (RFC 9112 §3.2: a URI is ASCII)');
    const q = await sendOne(gw.port, `GET /open/q?a=${utf8Bytes(`${CR}${LF}X-Injected:1`)} HTTP/1.1\r\nHost: gw.test\r\n\r\n`);
    t.equal(statusOf(q), 400, 'in the query too');
    t.equal(up.requests().length, 0, 'nothing forwarded');
    t.same(up.errors(), []);
  });

  t.test(`${client}: valid UTF-8 in a header value round-trips exactly`, async (t) => {
    up.reset();
    const value = 'Zoë 日本 😀 end';
    const r = await sendOne(gw.port, rawGet('/open/u', [`X-Name: ${utf8Bytes(value)}`]));
    t.equal(statusOf(r), 200);
    const m = up.requests()[0];
    t.equal(m && headerOf(m, 'x-name'), utf8Bytes(value), 'the upstream gets the UTF-8 bytes, not their low bytes');
  });

  t.test(`${client}: bytes that are not valid UTF-8 cannot be forwarded as sent, so they are refused`, async (t) => {
    up.reset();
    // uWS turns an invalid sequence into U+FFFD: the original bytes are lost, so the request is refused
    const r = await sendOne(gw.port, rawGet('/open/i', ['X-A: a\xffb']));
    t.equal(statusOf(r), 400);
    t.equal(up.requests().length, 0);
  });

  t.test(`${client}: two Host fields are refused, never joined`, async (t) => {
    up.reset();
    const r = await sendOne(gw.port, 'GET /open/hh HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\n\r\n');
    // uWS 20.56 answers this itself with a 400; 20.30 hands it to regate
    t.equal(statusOf(r), 400);
    t.equal(up.requests().length, 0);
    for (const m of up.requests()) t.ok(headersOf(m, 'x-forwarded-host').every((v) => !v.includes(',')));
  });
}
