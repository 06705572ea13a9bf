// Eval errors on the wasm back end carry the failing statement's `file:row` exactly as on the
// JS back end (issue #7): host builtins (including a native fast path falling back to the
// host), strict builtin errors, and both kinds of conflict.
import t from 'tap';
import { compileToPlan, RegoError, type Value } from '../../../../src/policy/index.js';
import { createJsEvaluator } from '../../../../src/policy/backend/js/index.js';
import { createWasmEvaluator, compileWasm } from '../../../../src/policy/backend/wasm/index.js';
import { LOCATIONS_SECTION, readCustomSection } from '../../../../src/policy/backend/wasm/compile.js';
import type { PlanEvaluator } from '../../../../src/policy/backend/evaluator.js';

const SOURCE = [
  'package p', // 1
  'import rego.v1', // 2
  'prefix := strings.any_prefix_match(input.s, "a")', // 3: host builtin
  'sum := input.n + 1', // 4: native plus, host fallback for a string
  'matches := regex.match(input.re, "x")', // 5: eval_builtin_error when strict
  'c = 1 if input.c', // 6
  'c = 2 if input.c', // 7: complete rule conflict
  'o[k] := v if {', // 8
  '  some [k, v] in input.pairs', // 9
  '}', // 10
  'late := x if {', // 11: a host call that succeeds, then a conflict elsewhere
  '  x := [strings.any_prefix_match("abc", "a"), c]', // 12
  '}', // 13
].join('\n');

const ENTRYPOINTS = ['p/prefix', 'p/sum', 'p/matches', 'p/c', 'p/o', 'p/late'];

function errorOf(ev: PlanEvaluator, plan: string, input: Value, strict: boolean): RegoError | string {
  try {
    return `rows ${JSON.stringify(ev.evaluate(plan, input, { strictBuiltinErrors: strict }))}`;
  } catch (e) {
    if (e instanceof RegoError) return e;
    throw e;
  }
}

const where = (e: RegoError | string): string => (typeof e === 'string' ? e : `${e.location ? `${e.location.file}:${e.location.line}:${e.location.col}` : 'nowhere'} ${e.opaCode} ${e.message}`);

t.test('wasm errors carry the same location as the JS back end', async (t) => {
  const plan = compileToPlan([{ file: 'errs.rego', text: SOURCE }], { entrypoints: ENTRYPOINTS });
  const js = createJsEvaluator(plan);
  const wasm = await createWasmEvaluator(plan);
  const cases: [string, Value, boolean, string][] = [
    ['p/prefix', { s: 1 }, true, 'errs.rego:3 eval_type_error'],
    ['p/sum', { n: 'x' }, true, 'errs.rego:4 eval_type_error'],
    ['p/matches', { re: '[' }, true, 'errs.rego:5 eval_builtin_error'],
    ['p/c', { c: true }, false, 'errs.rego:7 eval_conflict_error'],
    // OPA's planner puts the ObjectInsertOnceStmt at the rule head.
    ['p/o', { pairs: [['a', 1], ['a', 2]] }, false, 'errs.rego:8 eval_conflict_error'],
    ['p/late', { c: true }, false, 'errs.rego:7 eval_conflict_error'],
  ];
  for (const [ep, input, strict, want] of cases) {
    const a = errorOf(js, ep, input, strict);
    const b = errorOf(wasm, ep, input, strict);
    t.ok(b instanceof RegoError, `${ep}: wasm raises`);
    if (!(b instanceof RegoError)) continue;
    t.equal(`${b.location?.file}:${b.location?.line} ${b.opaCode}`, want, `${ep}: location and kind`);
    t.equal(where(b), where(a), `${ep}: same as the JS back end`);
  }
  // Not strict: builtin errors make the call undefined, no error, on both back ends.
  t.same(wasm.evaluate('p/prefix', { s: 1 }), [], 'non-strict type error is undefined');
  t.same(wasm.evaluate('p/matches', { re: '[' }), [], 'non-strict builtin error is undefined');
  t.same(wasm.evaluate('p/sum', { n: 1 }), [{ result: 2 }], 'native path still answers');
});

t.test('the location table names the policy files and rows', async (t) => {
  const plan = compileToPlan([{ file: 'h.rego', text: 'package p\nimport rego.v1\n\nr := strings.any_prefix_match(input.a, "x")' }], { entrypoints: ['p/r'] });
  const table = readCustomSection(await compileWasm(plan), LOCATIONS_SECTION);
  t.ok(table, 'table present');
  const parsed = JSON.parse(new TextDecoder().decode(table)) as { files: string[]; locs: number[] };
  t.ok(parsed.files.includes('h.rego'), 'policy file listed');
  t.equal(parsed.locs.length % 3, 0, 'file, row, col triples');
  t.ok(parsed.locs.some((n, i) => i % 3 === 1 && n === 4), 'the call on row 4 is listed');
});
