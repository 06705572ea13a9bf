/**
 * The HTTPS listener (listen.tls) with real certificates made for the run (test/helpers/tls-certs.ts):
 * Node's https client and curl over TLS 1.2 and 1.3, SNI picking the certificate, client
 * certificates verified when presented (client_auth: optional; the mTLS listener has its own
 * test, mtls-listener.test.ts), HSTS, and the located config errors.
 */
import t from 'tap';
import https from 'node:https';
import tls from 'node:tls';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfigText, InvalidConfigError } from '../../../src/gateway/config/load.js';
import { startGateway, startUpstream } from '../helpers.js';
import { createTestPki } from '../../helpers/tls-certs.js';
import { peerCn as peerCnOf } from '../../helpers/peer-cn.js';

const pki = createTestPki();
t.teardown(() => pki.remove());
const server = pki.issue('server', { cn: 'localhost', san: ['DNS:localhost', 'IP:127.0.0.1'] });
const api = pki.issue('api', { cn: 'api.example', san: ['DNS:api.example'] });
const client = pki.issue('client', { cn: 'client-1', san: ['URI:spiffe://test/client-1'], client: true });
const stranger = pki.issue('stranger', { cn: 'client-2', client: true, ca: 'other' });
const expiredClient = pki.issue('expired-client', { cn: 'client-3', client: true, expired: true });
const ca = readFileSync(pki.ca);

function tlsConfig(upstreamUrl: string, tlsBlock: string): string {
  return `
listen:
  host: 127.0.0.1
  port: 0
  tls:
${tlsBlock}
admin: { enabled: false }
upstreams:
  echo: { url: ${upstreamUrl}, timeout_ms: 2000 }
routes:
  - { id: echo, match: { path_prefix: /echo }, upstream: echo }
`;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  protocol: string | null;
  peerCn: string | undefined;
}

function get(port: number, path: string, opts: https.RequestOptions = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path, ca, servername: 'localhost', agent: false, ...opts }, (res) => {
      const sock = res.socket as tls.TLSSocket;
      const protocol = sock.getProtocol();
      const peerCn = peerCnOf(sock);
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, protocol, peerCn }));
    });
    req.on('error', reject);
    req.end();
  });
}

function curl(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('curl', ['-s', '-S', '--max-time', '5', ...args], (err, stdout) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout }));
  });
}

t.test('Node https and curl over TLS 1.2 and 1.3; HSTS; x-forwarded-proto https upstream', async (t) => {
  const up = await startUpstream();
  const gw = await startGateway(tlsConfig(up.url, `    cert_file: ${server.cert}\n    key_file: ${server.key}\n    hsts: { max_age_s: 600, include_subdomains: true }`));
  t.teardown(async () => {
    await gw.close();
    await up.close();
  });
  for (const v of ['TLSv1.2', 'TLSv1.3'] as const) {
    const a = await get(gw.port, '/echo/a', { minVersion: v, maxVersion: v });
    t.equal(a.status, 200, `${v}: status`);
    t.equal(a.protocol, v, `${v}: negotiated`);
    t.equal(a.peerCn, 'localhost');
    t.equal(a.headers['strict-transport-security'], 'max-age=600; includeSubDomains');
  }
  t.equal(up.seen.at(-1)?.headers['x-forwarded-proto'], 'https');
  // errors carry HSTS too (the header is the listener's, not the upstream's)
  const nf = await get(gw.port, '/nope');
  t.equal(nf.status, 404);
  t.equal(nf.headers['strict-transport-security'], 'max-age=600; includeSubDomains');

  const c12 = await curl(['--cacert', pki.ca, '--tlsv1.2', '--tls-max', '1.2', '-w', '%{http_code}', '-o', '/dev/null', `https://localhost:${gw.port}/echo/c`]);
  t.same(c12, { code: 0, out: '200' }, 'curl TLS 1.2');
  const c13 = await curl(['--cacert', pki.ca, '--tlsv1.3', '-w', '%{http_code}', '-o', '/dev/null', `https://localhost:${gw.port}/echo/c`]);
  t.same(c13, { code: 0, out: '200' }, 'curl TLS 1.3');
  // a client that does not trust the CA refuses the gateway (curl exit 60: peer certificate cannot be authenticated)
  const untrusted = await curl(['--cacert', pki.otherCa, '-o', '/dev/null', `https://localhost:${gw.port}/echo/c`]);
  t.equal(untrusted.code, 60);
  // cleartext HTTP on the TLS port gets no HTTP answer
  const plain = await curl(['-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${gw.port}/echo/c`]);
  t.not(plain.out, '200');
});

t.test('SNI picks the certificate, and routes answer on every name', async (t) => {
  const up = await startUpstream();
  const gw = await startGateway(tlsConfig(up.url, `    cert_file: ${server.cert}\n    key_file: ${server.key}\n    sni:\n      api.example: { cert_file: ${api.cert}, key_file: ${api.key} }`));
  t.teardown(async () => {
    await gw.close();
    await up.close();
  });
  const byName = await get(gw.port, '/echo/sni', { servername: 'api.example', headers: { host: 'api.example' } });
  t.equal(byName.status, 200);
  t.equal(byName.peerCn, 'api.example');
  const def = await get(gw.port, '/echo/sni');
  t.equal(def.status, 200);
  t.equal(def.peerCn, 'localhost');
  // an unknown name gets the default certificate, which then fails the client's name check
  await t.rejects(get(gw.port, '/echo/sni', { servername: 'other.example' }), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  const viaCurl = await curl(['--cacert', pki.ca, '--resolve', `api.example:${gw.port}:127.0.0.1`, '-w', '%{http_code}', '-o', '/dev/null', `https://api.example:${gw.port}/echo/x`]);
  t.same(viaCurl, { code: 0, out: '200' });
});

t.test('client_auth: optional: a trusted client certificate or none gets in, a stranger is refused', async (t) => {
  const up = await startUpstream();
  const gw = await startGateway(tlsConfig(up.url, `    cert_file: ${server.cert}\n    key_file: ${server.key}\n    ca_file: ${pki.ca}\n    client_auth: optional`));
  t.teardown(async () => {
    await gw.close();
    await up.close();
  });
  const withCert = await get(gw.port, '/echo/m', { cert: readFileSync(client.cert), key: readFileSync(client.key) });
  t.equal(withCert.status, 200);
  const without = await get(gw.port, '/echo/m');
  t.equal(without.status, 200, 'a connection without a certificate gets in');
  for (const v of ['TLSv1.2', 'TLSv1.3'] as const) {
    // the terminator closes a connection whose presented certificate does not verify (mtls-terminator.ts)
    await t.rejects(get(gw.port, '/echo/m', { cert: readFileSync(stranger.cert), key: readFileSync(stranger.key), minVersion: v, maxVersion: v }), `${v}: stranger refused`);
  }
  await t.rejects(get(gw.port, '/echo/m', { cert: readFileSync(expiredClient.cert), key: readFileSync(expiredClient.key), minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' }), 'an expired client certificate is refused');
  const curlStranger = await curl(['--cacert', pki.ca, '--cert', stranger.cert, '--key', stranger.key, '-o', '/dev/null', `https://localhost:${gw.port}/echo/m`]);
  t.not(curlStranger.code, 0);
  const upstreamSaw = up.seen.filter((s) => s.url === '/echo/m').length;
  t.equal(upstreamSaw, 2, 'only the admitted requests reached the upstream');
});

t.test('listen.tls.plain: a cleartext listener beside TLS that redirects (308) or serves', async (t) => {
  const up = await startUpstream();
  const base = `    cert_file: ${server.cert}\n    key_file: ${server.key}\n    hsts: { max_age_s: 600 }\n`;
  const redirect = await startGateway(tlsConfig(up.url, `${base}    plain: { port: 0, redirect_port: 8443 }`));
  const serve = await startGateway(tlsConfig(up.url, `${base}    plain: { port: 0, mode: serve }`));
  t.teardown(async () => {
    await redirect.close();
    await serve.close();
    await up.close();
  });
  const plainGet = (port: number, target: string, host: string) =>
    new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
      // raw head: the Host is the client's, as a browser typing http://… would send it
      import('node:net').then(({ default: net }) => {
        const sock = net.connect(port, '127.0.0.1', () => sock.write(`GET ${target} HTTP/1.1\r\nhost: ${host}\r\nconnection: close\r\n\r\n`));
        let raw = '';
        sock.on('data', (d: Buffer) => (raw += d.toString('latin1')));
        sock.on('error', reject);
        sock.on('close', () => {
          const [head = '', body = ''] = raw.split('\r\n\r\n');
          const [statusLine = '', ...lines] = head.split('\r\n');
          const headers: Record<string, string> = {};
          for (const l of lines) headers[l.slice(0, l.indexOf(':')).toLowerCase()] = l.slice(l.indexOf(':') + 1).trim();
          resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
        });
      }, reject);
    });
  const rPort = redirect.gw.plainPort() as number;
  t.ok(rPort > 0);
  const r = await plainGet(rPort, '/echo/x?a=1&b=%20', 'api.example:8080');
  t.equal(r.status, 308);
  t.equal(r.headers['location'], 'https://api.example:8443/echo/x?a=1&b=%20');
  const v6 = await plainGet(rPort, '/p', '[::1]:8080');
  t.equal(v6.headers['location'], 'https://[::1]:8443/p');
  const bad = await plainGet(rPort, '/p', 'evil.example/x?');
  t.equal(bad.status, 400);
  t.equal((JSON.parse(bad.body) as { error: string }).error, 'GW_ERR_BAD_HOST');
  t.equal(bad.headers['location'], undefined, 'never echoed into a Location');
  t.equal(up.seen.length, 0, 'redirects never reach the upstream');

  const sPort = serve.gw.plainPort() as number;
  const served = await plainGet(sPort, '/echo/plain', 'localhost');
  t.equal(served.status, 200);
  t.equal(up.seen.at(-1)?.headers['x-forwarded-proto'], 'http', 'the plain listener speaks for http');
  t.equal(served.headers['strict-transport-security'], undefined, 'no HSTS over cleartext (RFC 6797 §7.2)');
  const tlsSide = await get(serve.port, '/echo/tls');
  t.equal(tlsSide.headers['strict-transport-security'], 'max-age=600');
  t.equal(up.seen.at(-1)?.headers['x-forwarded-proto'], 'https');
});

t.test('config: what uWS cannot enforce, unreadable or mismatched files and bad upstream urls are located errors', async (t) => {
  const problemsOf = (yaml: string) => {
    try {
      loadConfigText(yaml, { file: 'tls.yaml', env: {} });
    } catch (err) {
      if (err instanceof InvalidConfigError) return err.problems.map((p) => ({ key: p.key, line: p.line, message: p.message }));
      throw err;
    }
    return [];
  };
  const base = `    cert_file: ${server.cert}\n    key_file: ${server.key}\n`;
  // client_auth: required (and a TLS 1.3 floor) load: such a listener terminates TLS in Node (mtls-listener.test.ts)
  t.same(problemsOf(tlsConfig('http://127.0.0.1:1', `${base}    ca_file: ${pki.ca}\n    client_auth: required\n    min_version: TLSv1.3`)), []);
  const requiredNoCa = problemsOf(tlsConfig('http://127.0.0.1:1', `${base}    client_auth: required`));
  t.match(requiredNoCa, [{ key: 'listen.tls.client_auth', line: 8, message: /^tls\.yaml:8: listen\.tls\.client_auth: client_auth: required needs ca_file/ }]);
  // uWS's SSLApp (client_auth: none) has no protocol floor option
  const v13 = problemsOf(tlsConfig('http://127.0.0.1:1', `${base}    min_version: TLSv1.3`));
  t.match(v13, [{ key: 'listen.tls.min_version', line: 8 }]);
  const samePort = problemsOf(tlsConfig('http://127.0.0.1:1', `${base}    plain: { port: 8443 }`).replace('port: 0', 'port: 8443'));
  t.match(samePort, [{ key: 'listen.tls.plain.port', message: /must differ from listen\.port/ }]);
  const noCa = problemsOf(tlsConfig('http://127.0.0.1:1', `${base}    client_auth: optional`));
  t.match(noCa, [{ key: 'listen.tls.client_auth', message: /needs ca_file/ }]);
  const missing = problemsOf(tlsConfig('http://127.0.0.1:1', `    cert_file: ${join(pki.dir, 'nope.pem')}\n    key_file: ${server.key}`));
  t.match(missing, [{ key: 'listen.tls.cert_file', line: 6, message: /cannot read .*nope\.pem \(ENOENT\)/ }]);
  const mismatched = problemsOf(tlsConfig('http://127.0.0.1:1', `    cert_file: ${server.cert}\n    key_file: ${api.key}`));
  t.match(mismatched, [{ key: 'listen.tls.key_file', line: 7, message: /do not make a certificate and its key/ }]);
  // relative paths resolve from the config file's directory
  writeFileSync(join(pki.dir, 'rel.yaml'), tlsConfig('http://127.0.0.1:1', '    cert_file: ./server.pem\n    key_file: ./server.key'));
  const { loadConfigFile } = await import('../../../src/gateway/config/load.js');
  t.equal(loadConfigFile(join(pki.dir, 'rel.yaml')).listen.tls?.cert_file, join(pki.dir, 'server.pem'));

  const upstreamYaml = (url: string, extra = '') => `
admin: { enabled: false }
upstreams:
  car: { url: "${url}"${extra} }
routes:
  - { id: r, match: { path_prefix: / }, upstream: car }
`;
  t.same(problemsOf(upstreamYaml('https://car.internal:8443')), [], 'https upstream urls are accepted');
  const ftp = problemsOf(upstreamYaml('ftp://car.internal'));
  t.match(ftp, [{ key: 'upstreams.car.url', line: 4, message: /must be http:\/\/host\[:port\] or https:\/\/host\[:port\]/ }]);
  t.notMatch(ftp[0]?.message ?? '', /pattern/);
  const withPath = problemsOf(upstreamYaml('http://car.internal/base'));
  t.match(withPath, [{ key: 'upstreams.car.url' }]);
  const tlsOnHttp = problemsOf(upstreamYaml('http://car.internal', `, tls: { ca_file: ${pki.ca} }`));
  t.match(tlsOnHttp, [{ key: 'upstreams.car.tls', message: /need an https:\/\/ url/ }]);
  const credTls = problemsOf(upstreamYaml('http://car.internal').replace('routes:', `credentials:\n  cc: { type: oauth2_client_credentials, token_endpoint: "https://idp/token", client_id: gw, tls: { cert_file: ${client.cert}, key_file: ${join(pki.dir, 'missing.key')} } }\nroutes:`));
  t.match(credTls, [{ key: 'credentials.cc.tls.key_file', message: /cannot read .*missing\.key \(ENOENT\)/ }]);
  const certNoKey = problemsOf(upstreamYaml('https://car.internal', `, tls: { cert_file: ${client.cert} }`));
  t.match(certNoKey, [{ key: 'upstreams.car.tls', message: /must have property key_file/ }]);
});
