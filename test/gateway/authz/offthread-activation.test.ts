/**
 * Issue #19: a reload compiles in the compile thread (authz/compile-thread.ts) and the serving
 * loop only instantiates and swaps. Shown by order, not by time: while a large policy compiles,
 * requests sent after the compile started are answered — by the old revision — before the new
 * revision goes live. (Compiled on the serving loop, as before, they waited for the swap and
 * were answered by the new revision: checked by forcing the in-place compile.) Then what happens when the thread fails: a crash
 * or a time-out rejects with REGO_ERR_COMPILE_ABORTED, the holder keeps its revision, and the
 * next compile starts a fresh thread.
 */
import { Writable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import t from 'tap';
import { loadConfigText } from '../../../src/gateway/config/load.js';
import { startRegate } from '../../../src/gateway/server/run.js';
import { createCompileThread, createPolicyHolder, instantiatePolicySet, policyBuiltins } from '../../../src/gateway/authz/index.js';
import { startUpstream } from '../helpers.js';
import { call, makePolicyDir, until } from './fixtures.js';

/** A policy of `rules` allow rules (one path each, as a generated route table) and the paths in `extra`. */
function policy(rules: number, extra: string[]): string {
  const lines = ['package gen', 'import rego.v1', 'default allow := false', 'decision := {"allow": allow}'];
  for (const p of extra) lines.push(`allow if input.request.path == ${JSON.stringify(p)}`);
  for (let i = 0; i < rules; i++) lines.push(`allow if { input.request.path == "/r/p${i}"; input.request.method == "GET" }`);
  return lines.join('\n') + '\n';
}
// large enough that its compile takes well over a second on this machine (bench/compile-scaling.ts)
const LARGE = 6000;
// requests sent one after the other during the compile
const CHAIN = 10;

const up = await startUpstream((_req, res) => res.writeHead(200).end('ok'));
t.teardown(() => up.close());

t.test('requests are served by the old revision while the new one compiles', async (t) => {
  const pd = makePolicyDir({ 'gen/gen.rego': policy(0, ['/r/ok']) });
  t.teardown(() => pd.remove());
  // what happened, in order: log lines of the gateway and the test's own responses
  const events: string[] = [];
  const logs = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        const o = JSON.parse(line) as { msg?: string; offThread?: boolean };
        if (o.msg === 'compiling the policy set') events.push(o.offThread ? 'compile started (thread)' : 'compile started (here)');
        if (o.msg === 'policy set loaded') events.push('loaded');
      }
      cb();
    },
  });
  const config = loadConfigText(
    `
listen: { host: 127.0.0.1, port: 0 }
admin: { host: 127.0.0.1, port: 0 }
log: { level: silent, access: false }
upstreams: { up: { url: "${up.url}" } }
policies: { dir: "${pd.dir}", engine: js }
routes:
  - { id: r, match: { path_prefix: /r }, upstream: up, auth: none, policy: gen/decision }
`,
    { file: join(tmpdir(), 'offthread.yaml'), env: {} },
  );
  const gw = await startRegate(config, pino({ level: 'debug' }, logs));
  t.teardown(() => gw.close());
  const url = `http://127.0.0.1:${gw.port}`;
  t.same(events, ['compile started (here)', 'loaded'], 'the first load compiles on this thread: nothing is served yet');
  // a deny without a token is a 401 (GW_ERR_POLICY_DENIED_UNAUTHENTICATED)
  t.equal((await call(`${url}/r/new`)).status, 401, 'the old revision denies /r/new');

  pd.write('gen/gen.rego', policy(LARGE, ['/r/ok', '/r/new']));
  t.ok(await until(() => events.includes('compile started (thread)'), 400, 5), 'the watcher started a reload in the compile thread');
  // Sent after the compile started, one after the other: all answered while it runs, by the old
  // revision. (A chain, not one request: the first steps of a compile — reading the files —
  // yield to the loop even on the serving thread; the compile itself did not.)
  for (let i = 0; i < CHAIN; i++) events.push(`response ${(await call(`${url}/r/new`)).status}`);
  t.ok(await until(() => events.filter((e) => e === 'loaded').length === 2, 2400, 25), 'the new revision went live');
  t.same(events.slice(2), ['compile started (thread)', ...Array<string>(CHAIN).fill('response 401'), 'loaded'], 'the requests finished before the swap, served by the old revision');
  t.equal((await call(`${url}/r/new`)).status, 200, 'after the swap the new revision allows /r/new');
  t.equal((await call(`${url}/r/p${LARGE - 1}`)).status, 200, 'and its generated rules');
});

t.test('a compile thread that crashes or runs out of time: the previous revision stays', async (t) => {
  const pd = makePolicyDir({ 'gen/gen.rego': policy(20, ['/r/ok']) });
  t.teardown(() => pd.remove());
  const spec = { dir: pd.dir, engine: 'js' as const, entrypoints: ['gen/decision'] };
  const builtins = policyBuiltins(undefined);

  // a heap too small for the toolchain: V8 ends the thread (ERR_WORKER_OUT_OF_MEMORY). Not
  // smaller than 8 MB: below ~4 MB Node 24 cannot even deserialize the isolate's snapshot, and
  // that is a fatal error of the whole process, not the thread's
  const starved = createCompileThread(spec, { resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 1 } });
  t.teardown(() => starved.close());
  let n = 0;
  const holder = createPolicyHolder({
    load: async () => (n++ === 0 ? { revision: 'old', evaluate: () => ({ allow: true }) } : instantiatePolicySet(await starved.compile(), builtins)),
  });
  t.equal(await holder.reload(), true);
  t.equal(await holder.reload(), false, 'the reload fails');
  t.equal(holder.status().revision, 'old', 'the previous revision stays');
  t.equal(holder.current()?.revision, 'old');
  t.match(holder.status().lastError, /^REGO_ERR_COMPILE_ABORTED: /, '/readyz says why, with the code');

  // a time limit the compile cannot meet: the thread is terminated, the compile rejected
  const slow = createCompileThread(spec, { timeoutMs: 50 });
  t.teardown(() => slow.close());
  await t.rejects(slow.compile(), { code: 'REGO_ERR_COMPILE_ABORTED' });

  const good = createCompileThread(spec);
  t.teardown(() => good.close());
  const loaded = await instantiatePolicySet(await good.compile(), builtins);
  t.same(loaded.evaluate('gen/decision', { request: { path: '/r/p19', method: 'GET' } }), { allow: true }, 'a thread with room compiles the same spec');
  t.same(loaded.evaluate('gen/decision', { request: { path: '/r/nope', method: 'GET' } }), { allow: false });
  await good.close();
  await t.rejects(good.compile(), { code: 'REGO_ERR_COMPILE_ABORTED' }, 'a closed thread compiles nothing');
});

t.test('compile errors come back from the thread with file:line:col, and the entrypoint error as itself', async (t) => {
  const pd = makePolicyDir({ 'gen/gen.rego': 'package gen\nimport rego.v1\n\ndecision := {"allow": x}\n' });
  t.teardown(() => pd.remove());
  const thread = createCompileThread({ dir: pd.dir, engine: 'js', entrypoints: ['gen/decisoin'] });
  t.teardown(() => thread.close());
  const err = (await thread.compile().catch((e: unknown) => e)) as Error & { code?: string; render(): string };
  t.equal(err.code, 'REGO_ERR_UNSAFE_VAR');
  t.match(err.render(), /gen\.rego:4:\d+: REGO_ERR_UNSAFE_VAR/, 'rendered as in the compiling thread: file:line:col');
  // the same thread, the module fixed: now the entrypoint (a typo) is what fails
  pd.write('gen/gen.rego', 'package gen\nimport rego.v1\n\ndecision := {"allow": true}\n');
  const e2 = (await thread.compile().catch((e: unknown) => e)) as { name?: string; entrypoint?: string };
  t.equal(e2.name, 'UnknownEntrypointError');
  t.equal(e2.entrypoint, 'gen/decisoin');
});
