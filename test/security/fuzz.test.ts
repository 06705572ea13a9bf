/**
 * Differential fuzzing of the trust boundary (issue #14): random byte-level mutations of valid
 * requests — in method, target, header names and values, framing, chunk sizes and bodies — go
 * through the real gateway to an upstream that records the exact bytes it receives. The bytes the
 * client sent and the bytes the upstream received are both read with llhttp (Node's parser, no
 * lenient flags; test/helpers/llhttp.ts) and must agree:
 * - every byte stream the upstream receives parses as valid HTTP/1.1;
 * - every request it receives is one the client sent, as llhttp reads the client's bytes: same
 *   method, target and body, and the same header fields modulo the documented changes (README
 *   "Security model": hop-by-hop and framing fields, Host and the forwarding fields the gateway
 *   sets itself, identity headers it removes, x-request-id; names lower-case);
 * - nothing the client's bytes do not contain as a complete request ever reaches the upstream.
 * The gateway may refuse more than llhttp does (it is stricter), never forward more.
 *
 * Runs ~15 s (both upstream clients at once) by default; REGATE_FUZZ_SECONDS=600 runs longer,
 * REGATE_FUZZ_SEED=n replays a run. The summary line (tried, forwarded, refused, divergences)
 * is printed as a test comment.
 */
import { writeFileSync } from 'node:fs';
import t from 'tap';
import { startGateway } from '../gateway/helpers.js';
import { parseMessages, type ParsedMessage } from '../helpers/llhttp.js';
import { sendOne, startRecordingUpstream } from './wire.js';

const SECONDS = Number(process.env['REGATE_FUZZ_SECONDS'] ?? 15);
const SEED = Number(process.env['REGATE_FUZZ_SEED'] ?? Date.now() % 1_000_000);
const BATCH = 24;

/** mulberry32: a small seeded PRNG, so a failing run can be replayed with its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** Bytes that break parsers, as latin1 chars (one per byte); multi-byte entries are UTF-8 sequences. */
const INTERESTING = [
  '\r', '\n', '\r\n', '\0', '\t', ' ', ':', ';', ',', '"', '\\', '/', '#', '?', '%', '%0d%0a', '%2e', '..', '\x7f', '\x01', '\x0b', '\x0c',
  '\x80', '\xff', '\xc3\xa9', '\xc4\x8d\xc4\x8a', '\xe2\x80\xa8', '\xef\xbf\xbd', '\xed\xa0\x80', '\xf0\x9f\x98\x80', '\xc0\xae',
  '0', '-1', '+', 'chunked', 'identity', 'a', 'A', '=', '@', '[', ']', '{', '|', '`', '~',
];

interface Parts {
  method: string;
  target: string;
  headers: [string, string][];
  framing: 'none' | 'length' | 'chunked';
  body: string;
}

function seedRequest(r: () => number, id: number): Parts {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const method = pick(['GET', 'GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']);
  // the target begins with `/f/<id>`, a part no mutation touches: it names the client request
  // even where the fields that would (X-Fuzz, the answer's x-request-id) were lost
  const target = `/f/${id}` + pick(['/a', '/a/b.json', '/x?q=1&r=two', '/caf%C3%A9', '/', '/v1.2/items?filter[a]=b|c']);
  // X-Fuzz right after Host: a mutated line further down cannot hide it (see uwsReading)
  const headers: [string, string][] = [['Host', pick(['gw.test', 'gw.test:8080', 'api.example.com'])], ['X-Fuzz', String(id)]];
  const pool: [string, string][] = [
    ['Accept', '*/*'], ['User-Agent', 'fuzz/1.0'], ['X-Device', 'ios'], ['X-Name', 'Zo\xc3\xab \xe6\x97\xa5\xe6\x9c\xac'],
    ['Cookie', 'a=1'], ['Cookie', 'b=2'], ['Accept-Language', 'de-CH, en;q=0.5'], ['X-Empty', ''], ['Authorization', 'Basic dXNlcjpwYXNz'],
  ];
  for (const h of pool) if (r() < 0.4) headers.push(h);
  const hasBody = method === 'POST' || method === 'PUT' || method === 'PATCH';
  const framing = hasBody ? (r() < 0.5 ? 'length' : 'chunked') : 'none';
  const body = hasBody ? pick(['hello', '{"a":1}', 'x'.repeat(300), 'a=1&b=2']) : '';
  return { method, target, headers, framing, body };
}

/** Serialises with regions marked, so a mutation can aim at one part of the message. */
function serialise(p: Parts): { text: string; regions: [number, number][] } {
  const regions: [number, number][] = [];
  let s = '';
  const mark = (piece: string, mutable: boolean) => {
    if (mutable && piece.length > 0) regions.push([s.length, s.length + piece.length]);
    s += piece;
  };
  mark(p.method, true);
  mark(' ', false);
  const fixed = /^\/f\/\d+/.exec(p.target)?.[0] ?? '';
  mark(fixed, false);
  mark(p.target.slice(fixed.length), true);
  mark(' HTTP/1.1\r\n', true);
  for (const [n, v] of p.headers) {
    const fuzzId = n === 'X-Fuzz';
    mark(n, !fuzzId);
    mark(': ', !fuzzId);
    mark(v, !fuzzId);
    mark('\r\n', !fuzzId);
  }
  if (p.framing === 'length') mark(`Content-Length: ${p.body.length}\r\n`, true);
  if (p.framing === 'chunked') mark('Transfer-Encoding: chunked\r\n', true);
  mark('\r\n', true);
  if (p.framing === 'chunked') {
    const half = Math.floor(p.body.length / 2);
    for (const part of [p.body.slice(0, half), p.body.slice(half)]) {
      if (part.length === 0) continue;
      mark(part.length.toString(16), true);
      mark('\r\n', true);
      mark(part, true);
      mark('\r\n', true);
    }
    mark('0\r\n\r\n', true);
  } else mark(p.body, true);
  return { text: s, regions };
}

function mutate(r: () => number, text: string, regions: [number, number][]): string {
  let s = text;
  const n = 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    const [a, b] = regions[Math.floor(r() * regions.length)] as [number, number];
    const at = a + Math.floor(r() * (b - a + 1));
    const bytes = INTERESTING[Math.floor(r() * INTERESTING.length)] as string;
    const op = r();
    if (op < 0.45) s = s.slice(0, at) + bytes + s.slice(at); // insert
    else if (op < 0.8) s = s.slice(0, at) + bytes + s.slice(at + 1); // replace one byte
    else if (op < 0.92) s = s.slice(0, at) + s.slice(at + 1); // delete one byte
    else s = s.slice(0, b) + s.slice(a, b) + s.slice(b); // duplicate the region
    // regions after the edit are approximate; that only changes which bytes a later mutation hits
  }
  return s;
}

/** Header fields the gateway sets, removes or re-frames (README "Security model"). */
const CHANGED = new Set([
  'host', 'connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-authorization',
  'proxy-authenticate', 'expect', 'content-length', 'forwarded', 'x-request-id', 'x-user-id', 'x-client-id', 'x-real-ip',
  'true-client-ip', 'x-client-ip', 'x-original-url', 'x-rewrite-url', 'x-original-uri', 'x-authenticated-user', 'x-remote-user', 'remote-user',
  'proxy', 'x-http-method-override', 'x-http-method', 'x-method-override',
]);
/** by the name, or the name a CGI backend reads it as (`x_user_id`: shared/header-alias.ts) */
const isChanged = (name: string) => {
  const alias = name.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  return CHANGED.has(name) || CHANGED.has(alias) || alias.startsWith('x-forwarded-');
};

/**
 * uWS (both builds) trims the bytes at either end of a header value that its signed-char
 * whitespace test takes for whitespace: SP, HTAB and every byte from 0x80 up. JS never sees them,
 * so the gateway cannot forward them (README "Security model" documents it): the value the
 * upstream gets is the client's with those edge bytes removed.
 */
const uwsTrim = (v: string) => v.replace(/^[\x00-\x20\x80-\xff]+|[\x00-\x20\x80-\xff]+$/g, '');

/**
 * The head as uWS reads it, which is all regate can see (README "Security model"):
 * - a value loses the bytes at either end that uWS's signed-char whitespace test takes for
 *   whitespace — SP, HTAB and every byte from 0x80 up (`Content-Length: \xe2\x80\xa87` is 7);
 * - a field line with an empty name (`: v`, `:name: v`) is accepted, and uWS's list of fields
 *   ends there: the fields after it (Content-Length too) are invisible.
 * Rewritten so, the client's bytes are read with llhttp again: a request regate forwards must be
 * exactly that reading. How often it differs from llhttp's reading of the raw bytes is counted.
 */
function uwsReading(client: Buffer): ParsedMessage | undefined {
  const text = client.toString('latin1');
  const headEnd = text.indexOf('\r\n\r\n');
  if (headEnd < 0) return undefined;
  const lines = text.slice(0, headEnd).split('\r\n');
  const out = [lines[0] ?? ''];
  let cut = false;
  for (const l of lines.slice(1)) {
    if (l.startsWith(':')) {
      cut = true;
      break;
    }
    const c = l.indexOf(':');
    out.push(c < 0 ? l : `${l.slice(0, c)}: ${l.slice(c + 1).replace(/^[\x00-\x20\x80-\xff]+|[\x00-\x20\x80-\xff]+$/g, '')}`);
  }
  const body = cut ? '' : text.slice(headEnd + 4);
  const m = parseMessages(Buffer.from(`${out.join('\r\n')}\r\n\r\n${body}`, 'latin1')).messages[0];
  return m;
}

/** The forwarded request `m` is `ref` (request line, fields modulo the documented changes, and the body when `withBody`). */
function same(ref: ParsedMessage, m: ParsedMessage, withBody: boolean): boolean {
  return ref.method === m.method && ref.url === m.url && comparable(ref).join('\n') === comparable(m).join('\n') && (!withBody || ref.body.equals(m.body));
}

function comparable(m: ParsedMessage): string[] {
  const out: string[] = [];
  const seen = m.headers.map(([n, v]) => [n.toLowerCase(), v] as const).filter(([n]) => !isChanged(n));
  for (const [n, v] of seen) out.push(`${n}: ${uwsTrim(v)}`);
  return out;
}

interface Tally {
  tried: number;
  forwarded: number;
  refused: number;
  /** forwarded chunked bodies that llhttp refuses and uWS's chunk decoder reads (see below) */
  chunkDecoder: number;
  /** forwarded heads llhttp refuses, as uWS reads them (value edges trimmed, fields cut at an empty name; see below) */
  uwsHead: number;
  divergences: string[];
}

async function fuzz(client: 'regate' | 'undici', seconds: number, seed: number): Promise<Tally> {
  const up = await startRecordingUpstream();
  const gw = await startGateway(`
listen: { host: 127.0.0.1, port: 0 }
admin: { enabled: false }
upstreams:
  app: { url: "${up.url}", client: ${client}, timeout_ms: 2000, breaker: { enabled: false } }
routes:
  - { id: f, match: { path_prefix: /f }, upstream: app }
`);
  const r = rng(seed);
  const sent = new Map<number, Buffer>();
  const byRequestId = new Map<string, number>();
  const tally: Tally = { tried: 0, forwarded: 0, refused: 0, chunkDecoder: 0, uwsHead: 0, divergences: [] };
  const deadline = Date.now() + seconds * 1000;
  let id = 0;
  try {
    for (let batch = 0; Date.now() < deadline && batch < 100_000; batch++) {
      const jobs: Promise<unknown>[] = [];
      for (let i = 0; i < BATCH; i++) {
        const n = ++id;
        const { text, regions } = serialise(seedRequest(r, n));
        const bytes = Buffer.from(r() < 0.1 ? text : mutate(r, text, regions), 'latin1');
        sent.set(n, bytes);
        // the gateway answers every request it forwards with the x-request-id it sent upstream:
        // that, not a header the mutations may have broken, ties an upstream request to its client
        jobs.push(
          sendOne(gw.port, bytes, 400).then((reply) => {
            const rid = reply.responses[0]?.headers.find(([k]) => k.toLowerCase() === 'x-request-id')?.[1];
            if (rid !== undefined) byRequestId.set(rid, n);
          }),
        );
      }
      await Promise.all(jobs);
      tally.tried += BATCH;
    }
    await new Promise((res) => setTimeout(res, 200)); // the last forwarded requests land
    for (const e of up.errors()) tally.divergences.push(`the upstream received bytes llhttp refuses: ${e}`);
    const forwardedIds = new Set<number>();
    for (const m of up.requests()) {
      // tie it to its client: by the x-request-id of the answer the client got or, when uWS closed
      // that connection before answering (a second, pipelined request in the bytes), by X-Fuzz
      const rid = m.headers.find(([k]) => k.toLowerCase() === 'x-request-id')?.[1];
      const fid = m.headers.find(([k]) => k.toLowerCase() === 'x-fuzz')?.[1];
      const pid = /^\/f\/(\d+)/.exec(m.url)?.[1];
      const n = (rid === undefined ? undefined : byRequestId.get(rid)) ?? (fid !== undefined && /^\d+$/.test(fid) ? Number(fid) : undefined) ?? (pid === undefined ? undefined : Number(pid));
      const client = n === undefined ? undefined : sent.get(n);
      if (n === undefined || client === undefined) {
        tally.divergences.push(`a request the client never sent reached the upstream: ${m.method} ${m.url} ${JSON.stringify(m.headers)}`);
        continue;
      }
      forwardedIds.add(n);
      const parsed = parseMessages(client);
      const ref = parsed.messages[0];
      const show = JSON.stringify(client.toString('latin1'));
      if (ref === undefined) {
        const uws = uwsReading(client);
        if (uws !== undefined && same(uws, m, uws.complete)) tally.uwsHead++;
        else tally.divergences.push(`forwarded a request whose head llhttp refuses (${parsed.error}): ${show}`);
        continue;
      }
      // uWS decodes chunked bodies itself and, on every build, checks neither the CRLF after a
      // chunk's data nor what follows the size digits (README "Security model"): where llhttp
      // refuses such a body, uWS reads it otherwise, and regate only ever sees uWS's reading.
      // The head must still match; the difference is counted, and shown, apart.
      const chunkDecoder = !ref.complete && /^transfer-encoding$/i.test(ref.headers.find(([k]) => /^transfer-encoding$/i.test(k))?.[0] ?? '');
      if (!ref.complete && !chunkDecoder) {
        tally.divergences.push(`forwarded a request llhttp does not read as complete (${parsed.error}): ${show}`);
        continue;
      }
      if (ref.method !== m.method || ref.url !== m.url) tally.divergences.push(`request line changed: ${ref.method} ${ref.url} → ${m.method} ${m.url}: ${show}`);
      if (chunkDecoder) tally.chunkDecoder++;
      else if (!ref.body.equals(m.body)) tally.divergences.push(`body changed: ${show}`);
      const a = comparable(ref).join('\n');
      const b = comparable(m).join('\n');
      if (a !== b) tally.divergences.push(`header fields changed:\n  client:   ${JSON.stringify(a)}\n  upstream: ${JSON.stringify(b)}\n  bytes: ${show}`);
    }
    tally.forwarded = forwardedIds.size;
    tally.refused = tally.tried - tally.forwarded;
  } finally {
    await gw.close();
    await up.close();
  }
  return tally;
}

// Both upstream clients are fuzzed at the same time, each with its own gateway and upstream: a
// run spends most of its time waiting on requests the gateway holds open (400 ms each), not on
// the CPU, so two at once take the wall time of one with as many requests each.
const CLIENTS = ['regate', 'undici'] as const;
const seedOf = (client: (typeof CLIENTS)[number]) => SEED + (client === 'undici' ? 1 : 0);
const runs = new Map(CLIENTS.map((client) => [client, fuzz(client, SECONDS, seedOf(client))] as const));
// a run that fails before its test awaits it is reported by that test, not as an unhandled rejection
for (const run of runs.values()) run.catch(() => {});

for (const client of CLIENTS) {
  t.test(`${client}: what reaches the upstream is exactly what the client sent, or nothing`, async (t) => {
    const seed = seedOf(client);
    const tally = await runs.get(client)!;
    const report = process.env['REGATE_FUZZ_REPORT'];
    if (report) writeFileSync(`${report}.${client}.txt`, tally.divergences.join('\n\n'));
    t.comment(`fuzz ${client} seed=${seed}: ${tally.tried} requests tried, ${tally.forwarded} forwarded, ${tally.refused} refused or unanswered, ${tally.divergences.length} divergences; ${tally.chunkDecoder} chunked bodies read by uWS's lenient chunk decoder, ${tally.uwsHead} heads llhttp refuses forwarded as uWS reads them`);
    t.ok(tally.tried > 0 && tally.forwarded > 0, 'both outcomes occur (the fuzzer reaches the upstream at all)');
    t.same(tally.divergences.slice(0, 10), [], `no divergence (seed ${seed}; first ten shown)`);
  });
}
