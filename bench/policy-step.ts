/**
 * The policy step's own functions per request, without HTTP: the bench policy (bench/peers/policy)
 * on a context shaped like the parts bench's (a cached JWT, wrk's headers), through the authorize
 * and map stages, or one piece of them (`--what`: input, eval, parse, authorize, ctx; default all);
 * `--what audit` adds what follows for the audit stream: the event's encoding and its append to a
 * batch buffer (sealed and recycled every 200 events, as the parts bench's `slow` settings do).
 * It runs the compiled build (dist/; `npm run build` first), or another checkout's (`--root DIR`).
 *
 * `--time`: user CPU ns per iteration (noisy on a shared machine). `--callgrind`: instructions per
 * iteration on the main thread, counted by callgrind after the warm-up (counters zeroed with
 * callgrind_control, dumped after the n iterations: start-up, the policy load and the JIT's first
 * compiles are not in it); `--functions N` adds the N functions that ran most (JIT code named from
 * V8's perf map, as bench/instructions.ts does).
 *
 * `--callers N`: the context cycles through N users' tokens (default 1, the parts bench's one caller).
 *
 * Run:  node --import tsx bench/policy-step.ts --callgrind [--what parse|audit] [--callers 64] [--warmup 30000] [--n 20000] [--functions 30] [--root DIR]
 *       node --import tsx bench/policy-step.ts --time [--what all] [--warmup 50000] [--n 1000000]
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { argValue } from './lib/args.js';
import { breakdownDump, parsePerfMap } from './lib/callgrind-breakdown.js';
import type { RequestContext } from '../src/gateway/pipeline/context.js';

// The compiled build (npm run build), as the gateway runs it: tsx's transform adds helpers
// (`__name` wrappers of nested functions) that the tsc output does not have.
// `--root DIR`: another checkout's build (a before/after comparison from one script)
const dist = resolve(argValue('--root', process.argv.slice(2)) ?? resolve(import.meta.dirname, '..'), 'dist/gateway');
const { createAuthorizeStage, createPolicyLoader } = (await import(`${dist}/authz/index.js`)) as typeof import('../src/gateway/authz/index.js');
const { parseDecision } = (await import(`${dist}/authz/decision.js`)) as typeof import('../src/gateway/authz/decision.js');
const { createMapStage } = (await import(`${dist}/mapping/index.js`)) as typeof import('../src/gateway/mapping/index.js');
const { buildPolicyInput } = (await import(`${dist}/shared/policy-input.js`)) as typeof import('../src/gateway/shared/policy-input.js');
const { createRequestContext } = (await import(`${dist}/pipeline/context.js`)) as typeof import('../src/gateway/pipeline/context.js');
const { createAuditEncoder } = (await import(`${dist}/events/audit-encoder.js`)) as typeof import('../src/gateway/events/audit-encoder.js');
const { BatchBuffer } = (await import(`${dist}/events/batch-buffer.js`)) as typeof import('../src/gateway/events/batch-buffer.js');

const argv = process.argv.slice(2);
const what = argValue('--what', argv) ?? 'all';
const warmup = Number(argValue('--warmup', argv) ?? '20000');
const n = Number(argValue('--n', argv) ?? '10000');

if (argv.includes('--callgrind')) {
  // One process under callgrind: it warms up, its counters are zeroed (callgrind_control), it runs
  // n iterations, the counters are dumped. Handshake through files, the child spinning on them
  // (a few existsSync calls land in the count: nothing next to n iterations).
  const rest = argv.filter((a) => a !== '--callgrind');
  const dir = mkdtempSync(join(tmpdir(), 'policy-step-'));
  const flag = join(dir, 'flag');
  const top = Number(argValue('--functions', argv) ?? '0');
  const child = spawn('valgrind', ['--tool=callgrind', '--separate-threads=yes', ...(top > 0 ? ['--dump-instr=yes'] : []), `--callgrind-out-file=${dir}/cg.%p`, process.execPath, ...(top > 0 ? ['--perf-basic-prof'] : []), '--import', 'tsx', resolve(import.meta.dirname, 'policy-step.ts'), ...rest, '--pause-file', flag], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise<number | null>((res) => child.on('exit', res));
  const until = async (f: string) => {
    for (let i = 0; i < 36000 && !existsSync(f); i++) await new Promise((r) => setTimeout(r, 100));
    if (!existsSync(f)) throw new Error(`no ${f}`);
  };
  try {
    await until(`${flag}.ready`);
    execFileSync('callgrind_control', ['--zero', String(child.pid)], { stdio: 'ignore' });
    writeFileSync(`${flag}.go`, '');
    await until(`${flag}.done`);
    execFileSync('callgrind_control', ['--dump', String(child.pid)], { stdio: 'ignore' });
    writeFileSync(`${flag}.end`, '');
    await exited;
    let main = 0;
    for (const f of readdirSync(dir)) {
      // the --dump's file of the main thread: cg.<pid>.1-01
      if (!/\.1-01$/.test(f)) continue;
      const text = readFileSync(join(dir, f), 'utf8');
      const m = /^(?:summary|totals):\s+(\d+)/m.exec(text);
      if (m) main = Number(m[1]);
      if (top > 0) {
        // JIT code named from the map V8 wrote (--perf-basic-prof), as bench/instructions.ts does
        const mapFile = `/tmp/perf-${child.pid}.map`;
        const b = breakdownDump(text, existsSync(mapFile) ? parsePerfMap(readFileSync(mapFile, 'utf8')) : []);
        rmSync(mapFile, { force: true });
        const fns = [...b.functions].sort((x, y) => y[1].ir - x[1].ir).slice(0, top);
        for (const [name, { ir }] of fns) process.stdout.write(`${(ir / n / 1000).toFixed(3).padStart(8)}  ${name}\n`);
      }
    }
    if (main === 0) throw new Error(`no main-thread dump in ${dir}`);
    process.stdout.write(`${what}: ${(main / n / 1000).toFixed(3)} k instructions per iteration (main thread; n=${n}, warm-up ${warmup})\n`);
  } finally {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
  process.exit(0);
}
const pauseFile = argValue('--pause-file', argv);
/** Under --callgrind: say where we are, then wait (spinning: valgrind serves callgrind_control while code runs). */
function handshake(say: string, wait: string): void {
  if (pauseFile === undefined) return;
  writeFileSync(`${pauseFile}.${say}`, '');
  for (let i = 0; i < 1e9 && !existsSync(`${pauseFile}.${wait}`); i++);
}

const policy = await createPolicyLoader({ dir: resolve(import.meta.dirname, 'peers/policy'), engine: 'js', entrypoints: ['bench/decision'] })();
const catalog = { upstreams: new Set(['up']), credentials: new Set(['up-basic']) };
const authorize = createAuthorizeStage({ policies: { current: () => policy }, catalog, evalBudgetMs: 100 });
const map = createMapStage({ authorities: new Map([['up', '127.0.0.1:8081']]), credentials: new Map([['up-basic', { staticHeaders: { authorization: 'Basic Z2F0ZXdheTpiZW5jaC1zZWNyZXQ=' } } as never]]) });
// frozen as the gateway's are (server/gateway.ts, authn/token-info.ts): the audit encoder caches by them
const route = Object.freeze({ id: 'api', upstream: 'up', auth: 'jwt' as const, policy: 'bench/decision', stripLength: 0 });
const callers = Number(argValue('--callers', process.argv.slice(2)) ?? '1');
const tokenOf = (sub: string) => deepFreeze({
  active: true, sub, client_id: 'bench-client', scope: ['read', 'write'], exp: 4102444800, iss: 'http://127.0.0.1:9000',
  claims: { iss: 'http://127.0.0.1:9000', sub, aud: 'bench-api', exp: 4102444800, iat: 1767222000, scope: 'read write', client_id: 'bench-client', jti: '7d1f0e4c-2b8a-4d4e-9c1f-2a6b8e3f5d10' },
});
// `--callers N`: N tokens of N users taken in turn (the bench's one caller makes every answer alike)
const outcomes = Array.from({ length: callers }, (_, i) => Object.freeze({ token: tokenOf(i === 0 ? 'user-42' : `user-${1000 + i}`), degraded: false, cache: 'hit' as const }));
function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}
const encodeAudit = createAuditEncoder({ instanceId: 'bench' });
const batch = new BatchBuffer();

function ctx(i: number): RequestContext {
  const c = createRequestContext({
    id: `0a1b2c3d-4e5f-4a6b-8c7d-${String(100000000000 + i)}`,
    method: 'GET',
    path: '/api/orders',
    rawQuery: '',
    headers: { host: '127.0.0.1:8080', authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1MTIzIn0.c2VjcmV0LXNpZ25hdHVyZQ' },
    host: '127.0.0.1:8080',
    scheme: 'http',
    remoteAddr: '127.0.0.1',
    route,
  });
  c.auth = outcomes[i % callers]!;
  return c;
}

const c0 = ctx(0);
const input0 = buildPolicyInput(c0);
const raw0 = policy.evaluate('bench/decision', input0);
const meta = { revision: policy.revision, evalNs: 1000 };
let sink = 0;
function once(i: number): void {
  switch (what) {
    case 'authorize': {
      const c = ctx(i);
      authorize.run(c);
      sink += c.decision!.allow ? 1 : 0;
      return;
    }
    case 'input':
      sink += buildPolicyInput(c0).request.path.length;
      return;
    case 'eval':
      sink += policy.evaluate('bench/decision', input0) === undefined ? 0 : 1;
      return;
    case 'parse':
      sink += parseDecision(raw0, catalog, meta).allow ? 1 : 0;
      return;
    case 'audit': {
      const c = ctx(i);
      authorize.run(c);
      map.run(c);
      c.status = 200;
      batch.append(encodeAudit(c, c.id));
      if (batch.count >= 200) batch.recycle(batch.seal());
      sink += c.mapping!.path.length;
      return;
    }
    case 'ctx':
      sink += ctx(i).id.length;
      return;
    default: {
      const c = ctx(i);
      authorize.run(c);
      map.run(c);
      sink += c.mapping!.path.length;
    }
  }
}
for (let i = 0; i < warmup; i++) once(i);
handshake('ready', 'go');
const t0 = process.cpuUsage();
for (let i = 0; i < n; i++) once(i);
handshake('done', 'end');
if (argv.includes('--time')) process.stdout.write(`${what}: ${((process.cpuUsage(t0).user * 1000) / n).toFixed(0)} ns of user CPU per iteration (n=${n})\n`);
if (sink < 0) console.log(sink);
