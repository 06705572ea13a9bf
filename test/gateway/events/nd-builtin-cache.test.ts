/**
 * `decision_logs.nd_builtin_cache: true`: the decision-log event of a policy that calls
 * time.now_ns and rand.intn carries their results in OPA's shape (builtin name → operands as a
 * JSON array text → result), on both engines, with time.now_ns exact (an integer beyond 2^53).
 * Real gateway, real policy compiled from Rego, real OPA-protocol receiver.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { startUpstream } from '../helpers.js';
import { makePolicyDir, startGw, until } from '../authz/fixtures.js';
import { startReceiver } from './log-receiver.js';

const up = await startUpstream((_req, res) => res.end('ok'));
t.teardown(() => up.close());
const rcv = await startReceiver();
t.teardown(() => rcv.close());
const policies = makePolicyDir({
  'nd/nd.rego': `package nd

import rego.v1

decision := {"allow": true, "reason": sprintf("%d", [rand.intn("k", 1000)])} if time.now_ns() > 0

plain := true
`,
});
t.teardown(() => policies.remove());
// spools outside the policy directory: its watcher would take their writes for policy edits
const spools = mkdtempSync(join(tmpdir(), 'nd-spool-'));
t.teardown(() => rmSync(spools, { recursive: true, force: true }));

// The WASM engine records through the same host builtins (backend/wasm/host-bridge.ts); compiling
// Rego to WASM with binaryen takes minutes on a loaded CI machine, so it runs on request:
// ND_ENGINES=js,wasm npx tap test/gateway/events/nd-builtin-cache.test.ts
for (const engine of (process.env.ND_ENGINES ?? 'js').split(',') as ('js' | 'wasm')[]) {
  t.test(`${engine} engine`, async (t) => {
    const yaml = (nd: boolean, entry: string) => `
listen: { host: 127.0.0.1, port: 0 }
admin: { enabled: false }
upstreams:
  echo: { url: "${up.url}" }
policies: { dir: "${policies.dir}", engine: ${engine} }
routes:
  - { id: nd, match: { path_prefix: /nd }, upstream: echo, policy: ${entry} }
decision_logs:
  bullmq: false
  nd_builtin_cache: ${nd}
  service: { url: "${rcv.url}", spool_dir: "${spools}/${engine}-${nd}-${entry.replace('/', '-')}" }
  reporting: { min_delay_seconds: 0.05, max_delay_seconds: 0.1 }
`;
    const before = BigInt(Date.now()) * 1_000_000n;
    const gw = await startGw(yaml(true, 'nd/decision'));
    const id = `nd-${engine}`;
    t.equal((await fetch(`${gw.url}/nd/x`, { headers: { 'x-request-id': id } })).status, 200);
    t.ok(await until(() => rcv.events.some((e) => e.req_id === id), 400, 25), 'event delivered');
    await gw.close();
    const after = BigInt(Date.now()) * 1_000_000n;
    const ev = rcv.events.find((e) => e.req_id === id)!;
    const cache = ev.nd_builtin_cache as Record<string, Record<string, unknown>>;
    t.same(Object.keys(cache).sort(), ['rand.intn', 'time.now_ns'], 'one entry per builtin called');
    t.same(Object.keys(cache['time.now_ns']!), ['[]'], 'keyed by the JSON of the operands');
    t.same(Object.keys(cache['rand.intn']!), ['["k",1000]']);
    t.equal(String(cache['rand.intn']!['["k",1000]']), (ev.result as { reason: string }).reason, 'the value the decision used');
    // exact: read the integer from the body text, not through a JS number
    const raw = rcv.raw.find((b) => b.includes(`"req_id":"${id}"`))!;
    const m = /"time\.now_ns":\{"\[\]":(\d+)\}/.exec(raw);
    t.ok(m, 'time.now_ns is a JSON integer');
    const ns = BigInt(m![1]!);
    t.ok(ns >= before - 1_000_000_000n && ns <= after + 1_000_000_000n, 'time.now_ns is the evaluation time');

    // off (the default), or a policy that calls none of them: OPA's field is absent / empty
    const gw2 = await startGw(yaml(false, 'nd/decision'));
    await fetch(`${gw2.url}/nd/y`, { headers: { 'x-request-id': `${id}-off` } });
    t.ok(await until(() => rcv.events.some((e) => e.req_id === `${id}-off`), 400, 25));
    await gw2.close();
    t.notOk('nd_builtin_cache' in rcv.events.find((e) => e.req_id === `${id}-off`)!, 'absent when off');
    const gw3 = await startGw(yaml(true, 'nd/plain'));
    await fetch(`${gw3.url}/nd/z`, { headers: { 'x-request-id': `${id}-plain` } });
    t.ok(await until(() => rcv.events.some((e) => e.req_id === `${id}-plain`), 400, 25));
    await gw3.close();
    t.same(rcv.events.find((e) => e.req_id === `${id}-plain`)!.nd_builtin_cache, {}, 'empty when no such builtin ran');
  });
}
