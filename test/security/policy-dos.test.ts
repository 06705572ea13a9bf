/**
 * Denial of service through the policy, from the attacker's side, through the real gateway
 * (issue 14, item 8): a route whose policy matches a request field with a regex that a
 * backtracking engine takes exponential time on, and a route whose policy loops over a
 * collection as large as the request says. Either used to hold the worker — and every other
 * request on it — for as long as the attacker liked.
 *
 * Assertions are on behaviour only (status, code, what the upstream saw, the metric, the audit
 * event), never on time. Before the fix each attack request runs for hours (`^(a+)+$` on 40 a's
 * and a '!': 2^40 backtracking paths; a 9-million-pair set built in one evaluation), far past
 * tap's timeout, and the innocent request sent next to it never gets an answer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import t from 'tap';
import { createAuditConsumer, type AuditEvent } from '../../src/consumer/index.js';
import { call, makePolicyDir, startGw } from '../gateway/authz/fixtures.js';
import { startUpstream } from '../gateway/helpers.js';
import { uniquePrefix, waitFor } from '../gateway/events/fixtures.js';

const REDIS = 'redis://127.0.0.1:6379';

const policies = makePolicyDir({
  'dos/dos.rego': `package dos

import rego.v1

default decision := {"allow": false, "status": 403}

# The classic ReDoS pattern over a query parameter and over a header.
decision := {"allow": true} if {
  input.request.path == "/api/redos"
  regex.match("^(a+)+$", input.request.query.s[0])
}

decision := {"allow": true} if {
  input.request.path == "/api/redos-header"
  regex.match("^([a-z]+)*$", input.request.headers["x-name"])
}

# As many iterations as the caller asks for: n × n pairs, then a pass over them.
decision := {"allow": true, "labels": {"pairs": format_int(count(odd), 10)}} if {
  input.request.path == "/api/loop"
  odd := [p | some i in numbers.range(1, to_number(input.request.query.n[0])); some j in numbers.range(1, to_number(input.request.query.n[0])); p := [i, j]; i % 2 == 1]
}

decision := {"allow": true} if input.request.path == "/api/hello"
`,
});
t.teardown(() => policies.remove());

const up = await startUpstream();
t.teardown(() => up.close());

const as = (n: number) => 'a'.repeat(n);

// The gateway hands the budget to whichever engine runs the policy (authz/index.ts); the WASM
// engine's own enforcement is tested in test/policy/backend/eval-budget.test.ts. A WASM gateway
// takes over a minute to start on a loaded CI machine, so it runs here only on request.
const engines = process.env['REGATE_TEST_WASM_GATEWAY'] === '1' ? (['js', 'wasm'] as const) : (['js'] as const);

for (const engine of engines) {
  t.test(`${engine} engine`, async (t) => {
    const prefix = uniquePrefix(`dos-${engine}`);
    const spool = mkdtempSync(join(tmpdir(), 'regate-spool-'));
    // policies.eval_budget_ms is left at its default.
    const gw = await startGw(`
listen: { host: 127.0.0.1, port: 0 }
admin: { host: 127.0.0.1, port: 0 }
log: { level: silent, access: false }
upstreams:
  up: { url: "${up.url}", timeout_ms: 3000 }
policies: { dir: "${policies.dir}", engine: ${engine} }
redis: { url: "${REDIS}", prefix: ${prefix} }
events: { spool_dir: "${spool}", flush_ms: 5 }
routes:
  - { id: api, match: { path_prefix: /api }, upstream: up, policy: dos/decision }
`);
    const audit = new Map<string, AuditEvent>();
    const consumer = createAuditConsumer({ redis: REDIS, prefix, handler: (e) => void audit.set(e.decision_id, e) });
    t.teardown(async () => {
      await gw.close();
      await consumer.close();
      const r = new Redis(REDIS);
      const keys = [...(await r.keys(`${prefix}:*`)), ...(await r.keys(`{${prefix}}:*`))];
      if (keys.length) await r.del(...keys);
      r.disconnect();
      rmSync(spool, { recursive: true, force: true });
    });

    t.test('a ReDoS pattern over a query parameter is answered, and so is the request next to it', async (t) => {
      const before = up.seen.length;
      const [attack, bystander] = await Promise.all([call(`${gw.url}/api/redos?s=${as(40)}!`), call(`${gw.url}/api/hello`)]);
      t.equal(attack.status, 403);
      t.equal(attack.json.error, 'GW_ERR_FORBIDDEN', 'no match: the policy denies, as OPA would');
      t.equal(bystander.status, 200);
      t.equal(up.seen.length, before + 1, 'only the bystander reached the upstream');
      t.equal((await call(`${gw.url}/api/redos?s=${as(40)}`)).status, 200, 'a matching value still passes');
    });

    t.test('a ReDoS pattern over a header is answered', async (t) => {
      const attack = await call(`${gw.url}/api/redos-header`, { headers: { 'x-name': `${as(40)}1` } });
      t.equal(attack.status, 403);
      t.equal(attack.json.error, 'GW_ERR_FORBIDDEN');
      t.equal((await call(`${gw.url}/api/redos-header`, { headers: { 'x-name': 'alice' } })).status, 200);
    });

    t.test('a loop the caller makes huge stops at the budget and fails closed', async (t) => {
      const before = up.seen.length;
      const [attack, bystander] = await Promise.all([call(`${gw.url}/api/loop?n=3000`), call(`${gw.url}/api/hello`)]);
      t.equal(attack.status, 403);
      t.equal(attack.json.error, 'GW_ERR_POLICY_BUDGET');
      t.notMatch(attack.text, /REGO_ERR|eval_cancel/, 'no internals in the body');
      t.equal(bystander.status, 200);
      t.equal(up.seen.length, before + 1, 'only the bystander reached the upstream');
      const small = await call(`${gw.url}/api/loop?n=10`);
      t.equal(small.status, 200, 'the same policy within budget still allows');

      const metrics = await (await fetch(`${gw.admin}/metrics`)).text();
      t.match(metrics, /regate_policy_errors_total\{route="api",code="GW_ERR_POLICY_BUDGET"\} 1\b/);

      t.ok(await waitFor(() => [...audit.values()].some((e) => e.gateway.error === 'GW_ERR_POLICY_BUDGET'), 20_000), 'the audit event records the code');
      const event = [...audit.values()].find((e) => e.gateway.error === 'GW_ERR_POLICY_BUDGET');
      t.equal(event?.gateway.status, 403);
      t.equal(event?.gateway.route, 'api');
    });
  });
}
