import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createJsEvaluator } from '../../../src/policy/backend/js/index.js';
import type { Policy } from '../../../src/policy/ir/types.js';
import { regate, root } from '../run-regate.js';
import { AUTHZ, policyDir } from './files.js';


t.test('policy eval prints opa eval -f json style results', async (t) => {
  const dir = policyDir(t, { 'authz/authz.rego': AUTHZ, 'authz/data.json': JSON.stringify({ admins: ['alice'] }) });
  const input = join(dir, 'input.json');
  writeFileSync(input, JSON.stringify({ user: 'alice' }));

  const single = regate(['policy', 'eval', '-d', dir, '-i', input, 'data.authz.greeting']);
  t.equal(single.code, 0, single.stderr);
  t.same(JSON.parse(single.stdout), { result: [{ expressions: [{ value: 'hello alice', text: 'data.authz.greeting', location: { row: 1, col: 1 } }] }] });

  const vars = regate(['policy', 'eval', '-d', dir, '-i', input, 'x := data.authz.admins[i]']);
  t.equal(vars.code, 0, vars.stderr);
  t.same(JSON.parse(vars.stdout).result.map((r: { bindings: unknown }) => r.bindings), [{ x: 'alice', i: 0 }]);

  const undef = regate(['policy', 'eval', '-d', dir, 'data.authz.nothing_here']);
  t.equal(undef.code, 0, undef.stderr);
  t.same(JSON.parse(undef.stdout), {});
});

t.test('policy eval prints numbers as opa eval does: the text of literals and input, big integers in full', async (t) => {
  // sum: `+` past the small ints runs in OPA's 64-bit big.Float (its v1.14 line): the 74-bit
  // literal reads as its 64-bit value, + 1 rounds back to it, written with the shortest digits
  // naming it (12345678901234567890000), every digit printed.
  const dir = policyDir(t, { 'n/n.rego': 'package n\n\nlit := [1.0, 1e3, 12345678901234567890123, 2e308]\n\nsum := 12345678901234567890123 + 1\n' });
  const input = join(dir, 'input.json');
  writeFileSync(input, '{"x": 1.50}');
  const raw = regate(['policy', 'eval', '-d', dir, '-i', input, '--format', 'raw', '[data.n.lit, input.x, data.n.sum]']);
  t.equal(raw.code, 0, raw.stderr);
  t.equal(raw.stdout, '[[1.0,1e3,12345678901234567890123,2e308],1.50,12345678901234567890000]\n');
  const json = regate(['policy', 'eval', '-d', dir, '-i', input, 'input.x']);
  t.equal(json.code, 0, json.stderr);
  t.match(json.stdout, /"value": 1\.50,/);
});

t.test('policy build -t plan writes an ir.Policy the JS back end runs', async (t) => {
  const dir = policyDir(t, { 'authz/authz.rego': AUTHZ, 'authz/data.json': JSON.stringify({ admins: ['alice'] }) });
  const out = join(dir, 'plan.json');
  const r = regate(['policy', 'build', dir, '-e', 'authz/allow', '-t', 'plan', '-o', out]);
  t.equal(r.code, 0, r.stderr);
  const plan = JSON.parse(readFileSync(out, 'utf8')) as Policy;
  const ev = createJsEvaluator(plan, { data: { authz: { admins: ['alice'] } } });
  t.same(ev.plans, ['authz/allow']);
  t.same(ev.evaluate('authz/allow', { user: 'alice' }), [{ result: true }]);
  t.same(ev.evaluate('authz/allow', { user: 'bob' }), [{ result: false }]);

  const js = join(dir, 'policy.mjs');
  t.equal(regate(['policy', 'build', dir, '-e', 'data.authz.allow', '-t', 'js', '-o', js]).code, 0);
  const mod = (await import(js)) as { plan: Policy; entrypoints: string[] };
  t.same(mod.entrypoints, ['authz/allow']);
  t.same(createJsEvaluator(mod.plan, { data: { authz: { admins: ['x'] } } }).evaluate('authz/allow', { user: 'x' }), [{ result: true }]);
});

t.test('usage errors exit 2, compile errors 1', async (t) => {
  t.equal(regate(['policy']).code, 2);
  t.equal(regate(['policy', 'frobnicate']).code, 2);
  t.equal(regate(['policy', 'build', join(root, 'policies')]).code, 2, 'build needs -e');
  const dir = policyDir(t, { 'bad.rego': 'package bad\n\nallow if {' });
  const r = regate(['policy', 'eval', '-f', 'pretty', '-d', dir, 'data.bad.allow']);
  t.equal(r.code, 1);
  t.match(r.stderr, /bad\.rego:\d+:\d+/, 'the error names file:line:col');
});

t.test('eval: --format raw and pretty, -I reads the input from stdin, --fail and --fail-defined', async (t) => {
  const dir = policyDir(t, { 'authz/authz.rego': AUTHZ, 'authz/data.json': JSON.stringify({ admins: ['alice'] }) });
  const raw = regate(['policy', 'eval', '-I', '-d', dir, '--format', 'raw', 'data.authz.greeting'], root, '{"user": "alice"}');
  t.equal(raw.code, 0, raw.stderr);
  t.equal(raw.stdout, 'hello alice\n', 'raw prints a string without quotes');
  const pretty = regate(['policy', 'eval', '-d', dir, '-f', 'pretty', 'data.authz.admins']);
  t.equal(pretty.stdout, '[\n  "alice"\n]\n');
  t.equal(regate(['policy', 'eval', '-d', dir, '-f', 'pretty', 'data.authz.nothing']).stdout, 'undefined\n');
  t.equal(regate(['policy', 'eval', '-d', dir, '--fail', 'data.authz.nothing']).code, 1, '--fail: undefined exits 1');
  t.equal(regate(['policy', 'eval', '-d', dir, '--fail', 'data.authz.admins']).code, 0);
  t.equal(regate(['policy', 'eval', '-d', dir, '--fail-defined', 'data.authz.admins']).code, 1, '--fail-defined: defined exits 1');
  t.equal(regate(['policy', 'eval', '-d', dir, '--fail-defined', 'data.authz.nothing']).code, 0);
});

t.test('eval: -d takes data files as well as directories; -b a bundle directory or archive', async (t) => {
  const dir = policyDir(t, { 'p.rego': 'package p\n\nr := data.limits.max + 1\n', 'extra.yaml': 'limits:\n  max: 41\n', 'bundle/q/q.rego': 'package q\n\ns := data.q.v\n', 'bundle/q/data.json': '{"v": "from the bundle"}' });
  const r = regate(['policy', 'eval', '-d', join(dir, 'p.rego'), '-d', join(dir, 'extra.yaml'), '-f', 'raw', 'data.p.r']);
  t.equal(r.stdout, '42\n', r.stderr);
  const b = regate(['policy', 'eval', '-b', join(dir, 'bundle'), '-f', 'raw', 'data.q.s']);
  t.equal(b.stdout, 'from the bundle\n', b.stderr);
  const built = join(dir, 'b.tar.gz');
  t.equal(regate(['policy', 'build', join(dir, 'bundle'), '-e', 'q/s', '--revision', 'rev-7', '-o', built]).code, 0);
  const fromTar = regate(['policy', 'eval', '-b', built, '-f', 'raw', 'data.q.s']);
  t.equal(fromTar.code, 0, fromTar.stderr);
});

t.test('build: an entrypoint no rule defines is an error; --revision goes into the bundle manifest', async (t) => {
  const dir = policyDir(t, { 'authz/authz.rego': AUTHZ });
  const bad = regate(['policy', 'build', dir, '-e', 'authz/alow']);
  t.equal(bad.code, 1);
  // as `opa build` (cmd/build.go: fmt.Println("error:", err)): the error goes to stdout after `error: `
  t.match(bad.stdout, /^error: 1 error occurred: .*REGO_ERR_UNKNOWN_ENTRYPOINT/);
  t.equal(bad.stderr, '');
  const out = join(dir, 'b.tar.gz');
  const ok = regate(['policy', 'build', dir, '-e', 'authz/allow', '--revision', 'rev-42', '-o', out]);
  t.equal(ok.code, 0, ok.stderr);
  const { readOpaBundle } = await import('../../../src/policy/index.js');
  const b = await readOpaBundle(readFileSync(out));
  t.same(b.manifest.raw, { revision: 'rev-42', roots: [''] });
  t.ok(b.plan, 'the bundle holds the plan');
});

t.test('build: a policy that does not parse is `error: 1 error occurred during loading: …` on stdout, as opa build', async (t) => {
  const broken = policyDir(t, { 'bad.rego': 'package bad\n\nallow if {' });
  const parse = regate(['policy', 'build', broken, '-e', 'bad/allow']);
  t.equal(parse.code, 1);
  t.match(parse.stdout, /^error: 1 error occurred during loading: .*bad\.rego:3:\d+: rego_parse_error: /);
  t.equal(parse.stderr, '');
  t.equal(regate(['policy', 'build', broken]).stdout, '', 'a usage error (no -e) stays on stderr, exit 2');
});

t.test('build -O: levels accepted (output as level 0, no partial evaluation); above 0 needs an entrypoint, as opa', async (t) => {
  const dir = policyDir(t, { 'authz/authz.rego': AUTHZ });
  const plain = join(dir, 'plain.json');
  const opt = join(dir, 'opt.json');
  t.equal(regate(['policy', 'build', dir, '-e', 'authz/allow', '-o', plain]).code, 0);
  const o2 = regate(['policy', 'build', dir, '-e', 'authz/allow', '-O', '2', '-o', opt]);
  t.equal(o2.code, 0, o2.stderr);
  t.equal(readFileSync(opt, 'utf8'), readFileSync(plain, 'utf8'), 'the same plan');
  const noEntry = regate(['policy', 'build', '-t', 'rego', '--optimize=1', dir, '-o', join(dir, 'b.tar.gz')]);
  t.equal(noEntry.code, 2);
  t.match(noEntry.stderr, /bundle optimizations require at least one entrypoint/);
  t.equal(regate(['policy', 'build', dir, '-e', 'authz/allow', '-O', 'fast']).code, 2, 'not a level');
});

t.test('eval -b of the plan bundle build writes by default evaluates a query naming one of its entrypoints (a CI build-then-eval step)', async (t) => {
  const dir = policyDir(t, { 'authz/authz.rego': AUTHZ, 'authz/data.json': JSON.stringify({ admins: ['alice'] }) });
  const out = join(dir, 'bundle.tar.gz');
  t.equal(regate(['policy', 'build', dir, '-e', 'authz/greeting', '-e', 'authz/allow', '-o', out]).code, 0);
  const input = join(dir, 'input.json');
  writeFileSync(input, JSON.stringify({ user: 'alice' }));
  const rego = join(dir, 'rego.tar.gz');
  t.equal(regate(['policy', 'build', '-t', 'rego', dir, '-e', 'authz/greeting', '-o', rego]).code, 0);
  for (const q of ['data.authz.greeting', 'data.authz.allow']) {
    const viaPlan = regate(['policy', 'eval', '-b', out, '-i', input, q]);
    t.equal(viaPlan.code, 0, viaPlan.stderr);
    const viaSources = regate(['policy', 'eval', '-b', rego, '-i', input, q]);
    t.same(JSON.parse(viaPlan.stdout), JSON.parse(viaSources.stdout), `${q}: as from the Rego bundle`);
  }
  const denied = regate(['policy', 'eval', '-b', out, 'data.authz.allow', '--format', 'raw']);
  t.equal(denied.stdout.trim(), 'false', 'the default, without input');
  // not an entrypoint: compiled as usual, over the bundle's data and no sources
  const admins = regate(['policy', 'eval', '-b', out, 'data.authz.admins', '--format', 'raw']);
  t.equal(admins.stdout.trim(), '["alice"]', 'its data is there');
  t.equal(regate(['policy', 'eval', '-b', out, '-i', input, '--fail', 'data.authz.greeting == "hello alice"']).code, 1, 'no rules but the plan\'s');
});
