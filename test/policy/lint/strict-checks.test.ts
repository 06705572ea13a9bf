/** `check --strict`'s checks on the AST, each located. */
import t from 'tap';
import { strictErrors } from '../../../src/policy/lint/strict-checks.js';
import { parseModule } from '../../../src/policy/syntax/index.js';

function check(text: string): [string, number, number][] {
  return strictErrors(parseModule(text, 's.rego'), text).map((e) => [e.code, e.location?.line ?? 0, e.location?.col ?? 0]);
}

t.test('unused and duplicate imports', (t) => {
  t.same(check('package s\n\nimport data.a.b\nimport data.a.b\nimport data.c as d\n\nr if d.x\n'), [
    ['REGO_ERR_STRICT', 4, 1],
    ['REGO_ERR_STRICT', 4, 8],
  ]);
  t.same(check('package s\n\nimport rego.v1\nimport data.a\n\nr if a.x\n'), [], 'rego.v1 and used imports pass');
  t.end();
});

t.test('unused local assignments; used ones pass', (t) => {
  t.same(check('package s\n\nr if {\n\tx := 1\n\ty := 2\n\ty > 1\n}\n'), [['REGO_ERR_STRICT', 4, 2]]);
  t.same(check('package s\n\nr := x if {\n\tx := 1\n}\n'), [], 'read by the head');
  t.end();
});

t.test('deprecated builtins', (t) => {
  t.same(check('package s\n\nr if any([true])\n\nq if re_match("a", "a")\n'), [
    ['REGO_ERR_STRICT', 3, 6],
    ['REGO_ERR_STRICT', 5, 6],
  ]);
  t.end();
});

t.test('declared vars and function arguments nothing reads', (t) => {
  t.same(check('package s\n\nr if {\n\tsome x\n\ttrue\n}\n'), [['REGO_ERR_STRICT', 4, 7]]);
  t.same(check('package s\n\nr if {\n\tsome x\n\tx := input[_]\n}\n').filter((e) => e[1] === 4), [], 'used');
  t.same(check('package s\n\nf(x, y) := y\n'), [['REGO_ERR_STRICT', 3, 1]]);
  t.same(check('package s\n\nf(x, _) := x\ng([a, b]) := a + b\n'), [], 'read, or a wildcard');
  t.end();
});
