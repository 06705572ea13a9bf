import t from 'tap';
import { judgeCase } from '../../../src/policy/conformance/judge.js';
import { termToValue } from '../../../src/policy/conformance/term-value.js';
import type { ConformanceCase } from '../../../src/policy/conformance/cases.js';
import { BuiltinError, ConflictError } from '../../../src/policy/errors.js';
import { RObject, RSet } from '../../../src/policy/value/index.js';
import { parseTerm } from '../../../src/policy/syntax/index.js';

const base: ConformanceCase = { note: 't/x', query: 'x = 1' };

t.test('result sets compare order-insensitively in their JSON form', async (t) => {
  const c = { ...base, want_result: [{ x: 1 }, { x: [1, 2] }] };
  t.ok(judgeCase(c, { rows: [{ x: RSet.of([2, 1]) }, { x: 1 }] }).pass, 'sets render as sorted arrays');
  t.notOk(judgeCase(c, { rows: [{ x: 1 }] }).pass);
  t.notOk(judgeCase(c, { rows: [{ x: 1 }, { x: [2, 1] }] }).pass, 'arrays keep their order');
  t.ok(judgeCase({ ...base, want_result: [{ x: { '1': 'a' } }] }, { rows: [{ x: new RObject().set(1, 'a') }] }).pass, 'non-string keys as strings');
  t.ok(judgeCase({ ...base, want_result: [{ x: 12345678901234567000 }] }, { rows: [{ x: 12345678901234567890n }] }).pass, 'numbers as float64');
  t.ok(judgeCase({ ...base, want_result: [{ x: 1 }] }, { rows: [{ x: 1.0 }] }).pass);
});

t.test('sort_bindings, ignore_generated_vars, want_defined, empty want_result', async (t) => {
  t.ok(judgeCase({ ...base, sort_bindings: true, want_result: [{ x: [3, 1, 2] }] }, { rows: [{ x: [1, 2, 3] }] }).pass);
  t.notOk(judgeCase({ ...base, want_result: [{ x: [3, 1, 2] }] }, { rows: [{ x: [1, 2, 3] }] }).pass);
  t.ok(judgeCase({ ...base, ignore_generated_vars: true, want_result: [{ x: 1 }] }, { rows: [{ x: 1, $term1: 2, __localq0__: 3 }] }).pass);
  t.ok(judgeCase({ ...base, want_defined: true }, { rows: [{}] }).pass);
  t.notOk(judgeCase({ ...base, want_defined: true }, { rows: [] }).pass);
  t.ok(judgeCase({ ...base, want_defined: false }, { rows: [] }).pass);
  t.ok(judgeCase(base, { rows: [] }).pass, 'absent want_result: undefined');
  t.notOk(judgeCase(base, { rows: [{ x: 1 }] }).pass);
});

t.test('errors must match the expected code and text', async (t) => {
  const conflict = new ConflictError('complete rules must not produce multiple outputs', { file: 'test-0.rego', line: 4, col: 1 });
  t.ok(judgeCase({ ...base, want_error_code: 'eval_conflict_error' }, { error: conflict }).pass);
  t.ok(judgeCase({ ...base, want_error: 'test-0.rego:4: eval_conflict_error: complete rules' }, { error: conflict }).pass);
  t.notOk(judgeCase({ ...base, want_error_code: 'eval_type_error' }, { error: conflict }).pass);
  t.notOk(judgeCase({ ...base, want_error_code: 'eval_conflict_error', want_error: 'functions must' }, { error: conflict }).pass);
  t.notOk(judgeCase({ ...base, want_error_code: 'eval_builtin_error' }, { rows: [] }).pass, 'an expected error that did not happen');
  const v = judgeCase({ ...base, want_result: [] }, { error: new BuiltinError('x', 'boom') });
  t.notOk(v.pass);
  t.match(v.reason, /unexpected error REGO_ERR_BUILTIN/);
});

t.test('input_term terms become values', async (t) => {
  const v = termToValue(parseTerm('{"a": {1, "x"}, 2: [null, true, 1.5, 12345678901234567890]}'));
  t.ok(v instanceof RObject);
  const o = v as RObject;
  t.same((o.get('a') as RSet).values(), [1, 'x']);
  t.same(o.get(2), [null, true, 1.5, 12345678901234567890n]);
  t.throws(() => termToValue(parseTerm('input.x')), { code: 'REGO_ERR_NOT_GROUND' });
});
