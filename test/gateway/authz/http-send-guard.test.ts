/**
 * A policy that calls http.send blocks the gateway worker while it waits, so the gateway loads
 * it only when `policies.http_send` names the hosts it may reach (authz/load.ts).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import t from 'tap';
import { createPolicyLoader } from '../../../src/gateway/authz/load.js';
import { loadConfigText } from '../../../src/gateway/config/load.js';
import { ConfigError } from '../../../src/gateway/errors.js';

function policyDir(url: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'regate-http-send-'));
  writeFileSync(
    join(dir, 'call.rego'),
    `package call\n\ndecision := {"allow": true, "status": r.status_code, "error": object.get(r, ["error", "code"], "")} if {\n  r := http.send({"method": "GET", "url": "${url}", "raise_error": false, "timeout": "2s"})\n}\n`,
  );
  return dir;
}

/** A port nothing listens on: connecting is refused at once. */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

t.test('without policies.http_send the policy does not load, and the error says why', async (t) => {
  const dir = policyDir(`http://127.0.0.1:${await closedPort()}/`);
  const load = createPolicyLoader({ dir, engine: 'js', entrypoints: ['call/decision'] });
  await t.rejects(load(), { code: 'REGO_ERR_BUILTIN_DISABLED' });
});

t.test('with allow_hosts the call runs; a host outside the list is refused', async (t) => {
  const port = await closedPort();
  const allowed = await createPolicyLoader({ dir: policyDir(`http://127.0.0.1:${port}/`), engine: 'js', entrypoints: ['call/decision'], httpSend: { allow_hosts: ['127.0.0.1'], max_timeout_ms: 1000 } })();
  const d = allowed.evaluate('call/decision', {}) as { allow: boolean; status: number; error: string };
  t.equal(d.allow, true);
  t.equal(d.status, 0, 'the refused connection is a response with status_code 0 (raise_error: false)');
  t.equal(d.error, 'eval_http_send_network_error');

  const other = await createPolicyLoader({ dir: policyDir(`http://localhost:${port}/`), engine: 'js', entrypoints: ['call/decision'], httpSend: { allow_hosts: ['127.0.0.1'], max_timeout_ms: 1000 } })();
  const o = other.evaluate('call/decision', {}) as { status: number; error: string } | undefined;
  t.same(o, { allow: true, status: 0, error: 'eval_http_send_internal_error' }, 'a host outside allow_hosts is refused before dialling (OPA: unallowed host)');
});

t.test('policies.http_send is validated: allow_hosts is required', async (t) => {
  const text = `upstreams:\n  a: { url: "http://127.0.0.1:1" }\npolicies:\n  dir: ./p\n  http_send: { max_timeout_ms: 500 }\nroutes:\n  - id: r\n    match: { path: /x }\n    upstream: a\n`;
  try {
    loadConfigText(text, { file: 'bad.yaml', env: {} });
    t.fail('expected a ConfigError');
  } catch (err) {
    t.ok(err instanceof ConfigError);
    t.match((err as Error).message, /bad\.yaml:5: policies\.http_send/);
  }
  const ok = loadConfigText(text.replace('{ max_timeout_ms: 500 }', '{ allow_hosts: [authz.internal] }'), { env: {} });
  t.same(ok.policies?.http_send, { allow_hosts: ['authz.internal'], max_timeout_ms: 1000 });
});
