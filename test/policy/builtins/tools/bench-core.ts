/**
 * Micro-benchmark of hot core builtins (calls per second through `impl`, as the JS back end
 * calls them). Not a test: run it by hand on a quiet machine.
 *
 *   npx tsx test/policy/builtins/tools/bench-core.ts [iterations=200000]
 */
import { performance } from 'node:perf_hooks';
import { RSet, fromJs, type Value } from '../../../../src/policy/value/index.js';
import { coreRegistry, ctx } from '../helpers.js';

const N = Math.max(1000, Math.min(10_000_000, Number(process.argv[2] ?? 200_000)));
const c = ctx(false);

const cases: [string, Value[]][] = [
  ['equal', [fromJs({ a: [1, 2, 3] }), fromJs({ a: [1, 2, 3] })]],
  ['plus', [41, 1]],
  ['plus', [0.1, 0.2]],
  ['count', ['héllo wörld']],
  ['startswith', ['/api/v1/users/42', '/api/']],
  ['internal.member_2', ['admin', RSet.of(['user', 'admin', 'ops'])]],
  ['object.get', [fromJs({ a: { b: { c: 1 } } }), ['a', 'b', 'c'], 0]],
  ['concat', ['/', ['api', 'v1', 'users']]],
  ['split', ['a.b.c.d', '.']],
  ['sprintf', ['user %s has %d roles (%.1f%%)', ['alice', 3, 42.5]]],
  ['regex.match', ['^/api/v[0-9]+/users/[0-9]+$', '/api/v1/users/42']],
  ['glob.match', ['*.example.com', ['.'], 'api.example.com']],
  ['json.marshal', [fromJs({ sub: 'alice', roles: ['a', 'b'], n: 1 })]],
  ['json.unmarshal', ['{"sub":"alice","roles":["a","b"],"n":1}']],
  ['base64url.decode', ['eyJzdWIiOiJhbGljZSJ9']],
  ['units.parse_bytes', ['1.5GiB']],
  ['semver.compare', ['1.2.3-rc.1', '1.2.3']],
  ['strings.render_template', ['hello {{.name}}', fromJs({ name: 'bob' })]],
];

for (const [name, args] of cases) {
  const def = coreRegistry.get(name);
  if (!def) throw new Error(`no builtin ${name}`);
  for (let i = 0; i < Math.min(N, 10_000); i++) def.impl(args, c); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < N; i++) def.impl(args, c);
  const ms = performance.now() - t0;
  const perSec = (N / ms) * 1000;
  console.log(`${name.padEnd(26)} ${(ms * 1e6 / N).toFixed(0).padStart(7)} ns/call  ${(perSec / 1e6).toFixed(2)} M calls/s`);
}
