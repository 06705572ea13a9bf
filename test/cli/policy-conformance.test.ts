import t from 'tap';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { regate } from './run-regate.js';

const CASES = `cases:
  - note: mini/passes
    query: data.mini.p = x
    modules:
      - |
        package mini
        p := count(input.xs)
    input: {xs: [1, 2, 3]}
    want_result:
      - x: 3
  - note: mini/wrong expectation
    query: data.mini.p = x
    modules:
      - |
        package mini
        p := 1
    want_result:
      - x: 2
  - note: mini/conflict
    query: data.mini.p = x
    modules:
      - |
        package mini
        p := 1 if true
        p := 2 if true
    want_error_code: eval_conflict_error
`;

t.test('regate conformance (front end mode) reports failures, a topic table and the summary last', async (t) => {
  const dir = t.testdir();
  mkdirSync(join(dir, 'mini'));
  writeFileSync(join(dir, 'mini', 'test-mini.yaml'), CASES);
  const json = join(dir, 'out.json');
  const r = regate(['conformance', dir, '--engine', 'js', '--json', json]);
  t.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  t.equal(lines[lines.length - 1], '2 passed, 1 failed');
  t.match(r.stdout, /^FAIL mini\/test-mini\.yaml: mini\/wrong expectation: result mismatch/m);
  t.match(r.stdout, /^mini\s+2\s+1$/m);
  const out = JSON.parse(readFileSync(json, 'utf8')) as { file: string; note: string; pass: boolean; reason: string }[];
  t.same(out.map((o) => [o.note, o.pass]), [['mini/passes', true], ['mini/wrong expectation', false], ['mini/conflict', true]]);
});

t.test('regate conformance --plans runs OPA plans; --filter narrows', async (t) => {
  const r = regate(['conformance', '../shared/conformance/cases/v1', '--plans', '../shared/conformance/plans/v1', '--filter', 'aggregates/']);
  t.equal(r.code, 0, r.stderr);
  const last = r.stdout.trimEnd().split('\n').pop() ?? '';
  const m = /^(\d+) passed, (\d+) failed$/.exec(last);
  t.ok(m, last);
  t.ok(Number(m?.[1]) > 20, 'the aggregates topic runs');
});

t.test('regate conformance: bad usage exits 2; wasm reports when it is not built', async (t) => {
  t.equal(regate(['conformance']).code, 2);
  t.equal(regate(['conformance', 'x', '--engine', 'go']).code, 2);
  const dir = t.testdir();
  mkdirSync(join(dir, 'mini'));
  writeFileSync(join(dir, 'mini', 'test-mini.yaml'), CASES);
  const r = regate(['conformance', dir, '--engine', 'wasm']);
  if (r.code === 2) t.match(r.stderr, /wasm back end not available/);
  else {
    t.equal(r.code, 0, r.stderr);
    t.match(r.stdout, /\d+ passed, \d+ failed\n$/);
  }
});
