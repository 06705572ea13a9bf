/**
 * Hot reload under load: 20 client loops keep calling the gateway while the policy file is
 * rewritten A → B → A → (broken) → B → A. Each revision names itself in three places that come
 * from one decision — the rewritten upstream path, a header the upstream sees, and a response
 * header — so a request that saw a mix of two revisions would show it. Then SIGHUP reload in a
 * child `regate start`, where the file watcher cannot see the change (a swapped symlink).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { cliReady, startUpstream } from '../helpers.js';
import { call, makePolicyDir, startGw, until } from './fixtures.js';
import { regateCliArgs } from '../../helpers/regate-cli.js';

const policyFor = (rev: string) => `package rev

import rego.v1

rev := "${rev}"

decision := {
	"allow": true,
	"upstream": {"path": sprintf("/rev/%s%s", [rev, input.request.path]), "headers": {"x-rev": rev}},
	"response_headers": {"x-policy-rev": rev},
}
`;
const BROKEN = 'package rev\n\nimport rego.v1\n\ndecision := {"allow": true\n';

// The upstream answers with what it received: the path and the header the policy set.
const up = await startUpstream((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ url: req.url, rev: req.headers['x-rev'] ?? null }));
});
t.teardown(() => up.close());

const gwYaml = (dir: string, logLevel = 'silent') => `
listen: { host: 127.0.0.1, port: 0 }
admin: { host: 127.0.0.1, port: 0 }
log: { level: ${logLevel}, access: false }
upstreams:
  up: { url: "${up.url}", timeout_ms: 5000 }
policies: { dir: "${dir}", engine: js }
routes:
  - { id: rev, match: { path_prefix: /r }, upstream: up, policy: rev/decision }
`;

interface Seen {
  status: number;
  path: string | null;
  header: string | null;
  response: string | null;
  /** the revision the test had confirmed live when the request was sent (null: a swap was pending) */
  expected: string | null;
}

t.test('file rewrites under load: no failure, never a mix, a broken edit keeps the previous revision', async (t) => {
  const policies = makePolicyDir({ 'rev/rev.rego': policyFor('A') });
  t.teardown(() => policies.remove());
  const gw = await startGw(gwYaml(policies.dir));
  t.teardown(() => gw.close());
  const policyStatus = async () => {
    const r = await call(`${gw.admin}/readyz`);
    const checks = r.json.checks as Record<string, { ok: boolean; detail: { revision: string; lastError: string | null; failedReloads: number } }>;
    return { http: r.status, ok: checks.policy!.ok, ...checks.policy!.detail };
  };

  // No `type: jwt` credential in this config: the admin JWKS is an empty key set, not an error.
  t.same((await call(`${gw.admin}/.well-known/jwks.json`)).json, { keys: [] });

  const seen: Seen[] = [];
  let expected: string | null = 'A';
  let done = false;
  const loop = async (id: number) => {
    // bounded: stops when the writer is done, or after 3000 requests per loop at most
    for (let i = 0; i < 3000 && !done; i++) {
      const exp = expected;
      try {
        const r = await call(`${gw.url}/r/${id}/${i}`);
        const body = r.json as { url?: string; rev?: string };
        const m = /^\/rev\/([AB])\/r\//.exec(body.url ?? '');
        seen.push({ status: r.status, path: m?.[1] ?? null, header: body.rev ?? null, response: r.headers.get('x-policy-rev'), expected: exp });
      } catch {
        seen.push({ status: 0, path: null, header: null, response: null, expected: exp });
      }
      // Pacing, not timing: the gateway, the upstream and these loops share one event loop on a
      // 2-core machine; unpaced, they would starve the reload (and the /readyz polls) for seconds.
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  /** waits until `n` more responses have arrived (load keeps flowing across each step) */
  const more = (n: number) => {
    const target = seen.length + n;
    return until(() => seen.length >= target, 3000, 10);
  };

  const loops = Array.from({ length: 20 }, (_, i) => loop(i));
  const revisions: Record<string, string> = { A: (await policyStatus()).revision };
  await more(100);
  for (const next of ['B', 'A', 'broken', 'B', 'A'] as const) {
    const before = await policyStatus();
    if (next === 'broken') {
      // A broken edit must never change what is served: the expectation stays on the old revision.
      policies.write('rev/rev.rego', BROKEN);
      t.ok(await until(async () => (await policyStatus()).failedReloads > before.failedReloads, 600, 50), 'the broken edit was compiled (and failed)');
      const st = await policyStatus();
      t.equal(st.revision, before.revision, 'the previous revision stays live');
      t.match(st.lastError ?? '', /rev\.rego:\d+:\d+/, '/readyz details name file:line:col');
      t.equal(st.ok, true, 'still ready: a policy is loaded');
      t.equal(st.http, 200);
    } else {
      expected = null; // during the swap either revision is fine — but only one per request
      policies.write('rev/rev.rego', policyFor(next));
      t.ok(await until(async () => (await policyStatus()).revision !== before.revision, 600, 50), `revision ${next} went live`);
      const st = await policyStatus();
      t.equal(st.lastError, null, 'a good reload clears the last error');
      if (revisions[next] !== undefined) t.equal(st.revision, revisions[next], 'the revision is the content hash: same text, same revision');
      revisions[next] = st.revision;
      expected = next;
    }
    await more(60);
  }
  done = true;
  await Promise.all(loops);

  t.ok(seen.length >= 400, `requests sent under load: ${seen.length}`);
  t.not(revisions.A, revisions.B);
  const failed = seen.filter((s) => s.status !== 200);
  t.same(failed.slice(0, 3), [], `no request failed (${failed.length} of ${seen.length})`);
  const mixed = seen.filter((s) => s.path === null || s.path !== s.header || s.path !== s.response);
  t.same(mixed.slice(0, 3), [], 'every response shows exactly one revision');
  const stale = seen.filter((s) => s.expected !== null && s.path !== s.expected);
  t.same(stale.slice(0, 3), [], 'after a swap is confirmed, every new request sees the new revision');
  t.ok(seen.some((s) => s.path === 'A') && seen.some((s) => s.path === 'B'), 'both revisions served');
});

// The real `regate` dispatcher in a child process (test/helpers/regate-cli.ts), as test/gateway/cli.test.ts runs it.

t.test('SIGHUP reloads a change the file watcher cannot see (regate start in a child)', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'regate-hup-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  for (const rev of ['A', 'B']) {
    mkdirSync(join(root, rev, 'rev'), { recursive: true });
    writeFileSync(join(root, rev, 'rev', 'rev.rego'), policyFor(rev));
  }
  // policies.dir is a symlink; swapping it (rename over it) changes nothing inside the watched
  // directory, so only SIGHUP can bring B in.
  const link = join(root, 'live');
  symlinkSync(join(root, 'A'), link);
  const cfg = join(root, 'regate.yaml');
  writeFileSync(cfg, gwYaml(link, 'info'));
  const child = spawn(process.execPath, [...regateCliArgs(), 'start', '--config', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  t.teardown(async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  });
  const { port } = await cliReady(child);
  const url = `http://127.0.0.1:${port}/r/hup`;
  const revOf = async () => (await call(url)).headers.get('x-policy-rev');
  t.equal(await revOf(), 'A');

  const tmpLink = join(root, 'live.next');
  symlinkSync(join(root, 'B'), tmpLink);
  renameSync(tmpLink, link);
  t.equal(await revOf(), 'A', 'the swapped symlink alone does not reload');
  child.kill('SIGHUP');
  t.ok(await until(async () => (await revOf()) === 'B'), 'after SIGHUP revision B is served');
  const r = await call(url);
  t.equal(r.status, 200);
  t.equal((r.json as { url: string }).url, '/rev/B/r/hup');
  t.equal((r.json as { rev: string }).rev, 'B');
  t.equal(child.exitCode, null, 'SIGHUP does not stop the gateway');
});
