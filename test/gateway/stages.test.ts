/**
 * buildStages wires the stage modules the config asks for: here a route with a Rego policy
 * (authorize + map stages over the real policy toolchain), and refusal of what cannot run.
 */
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { Agent, request } from 'undici';
import { loadConfigText } from '../../src/gateway/config/load.js';
import { buildStages } from '../../src/gateway/pipeline/stages.js';
import { createGateway } from '../../src/gateway/server/gateway.js';
import { startUpstream } from './helpers.js';

t.test('a policy route runs authorize and map: allow maps headers, deny never reaches the upstream', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'regate-pol-'));
  writeFileSync(
    join(dir, 'gw.rego'),
    `package gateway

default decision := {"allow": false, "reason": "only GET"}

decision := {"allow": true, "upstream": {"headers": {"x-user-id": "anon"}}} if {
	input.request.method == "GET"
}
`,
  );
  const up = await startUpstream();
  const config = loadConfigText(
    `listen: { host: 127.0.0.1, port: 0 }
upstreams: { echo: { url: "${up.url}" } }
policies: { dir: ${dir}, engine: js }
routes:
  - id: echo
    match: { path_prefix: /echo }
    upstream: echo
    policy: gateway/decision
`,
    { file: join(dir, 'regate.yaml'), env: {} },
  );
  const logger = pino({ level: 'silent' });
  const registry = new Registry();
  const built = await buildStages(config, { logger, registry });
  t.same(built.stages.map((s) => s.name).sort(), ['authorize', 'map']);
  const gw = createGateway({ config, logger, registry, stages: built.stages });
  const port = await gw.listen(0);
  const agent = new Agent();
  t.teardown(async () => {
    await agent.close();
    await gw.close(1000);
    await built.close();
    await up.close();
  });
  const ok = await request(`http://127.0.0.1:${port}/echo/x`, { dispatcher: agent });
  t.equal(ok.statusCode, 200);
  await ok.body.dump();
  t.equal(up.seen.at(-1)?.headers['x-user-id'], 'anon');
  const no = await request(`http://127.0.0.1:${port}/echo/x`, { method: 'POST', body: 'x', dispatcher: agent });
  // a deny on a route without a token is the authorize stage's 401 (authentication required)
  t.ok([401, 403].includes(no.statusCode), `denied with ${no.statusCode}`);
  t.match(((await no.body.json()) as { error: string }).error, /^GW_ERR_(POLICY_DENIED_UNAUTHENTICATED|FORBIDDEN)$/);
  t.equal(up.seen.length, 1);
  t.equal(built.checks.get('policy')?.().ok, true);
});

t.test('a policy that does not compile is a ConfigError on policies.dir', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'regate-pol-'));
  writeFileSync(join(dir, 'gw.rego'), 'package gateway\n\ndecision := {\n');
  const config = loadConfigText(
    `upstreams: { echo: { url: "http://127.0.0.1:9" } }\npolicies: { dir: ${dir}, engine: js }\nroutes:\n  - id: echo\n    match: { path_prefix: /echo }\n    upstream: echo\n    policy: gateway/decision\n`,
    { file: join(dir, 'regate.yaml'), env: {} },
  );
  await t.rejects(buildStages(config, { logger: pino({ level: 'silent' }), registry: new Registry() }), { code: 'GW_ERR_CONFIG', key: 'policies.dir', line: 2 });
});

t.test("a route whose policy entrypoint no rule defines is a ConfigError on that route's policy key", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'regate-pol-'));
  writeFileSync(join(dir, 'gw.rego'), 'package demo\n\nallow := true\n');
  const config = loadConfigText(
    `upstreams: { echo: { url: "http://127.0.0.1:9" } }\npolicies: { dir: ${dir}, engine: js }\nroutes:\n  - id: ok\n    match: { path_prefix: /ok }\n    upstream: echo\n    policy: demo/allow\n  - id: typo\n    match: { path_prefix: /echo }\n    upstream: echo\n    policy: demo/alow\n`,
    { file: join(dir, 'regate.yaml'), env: {} },
  );
  await t.rejects(buildStages(config, { logger: pino({ level: 'silent' }), registry: new Registry() }), { code: 'GW_ERR_CONFIG', key: 'routes[1].policy', line: 11 });
});
