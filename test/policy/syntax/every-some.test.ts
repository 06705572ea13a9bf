/** `every` and `some … in` as OPA's parser reads them (ast/parser.go parseEvery, parseLiteral). */
import t from 'tap';
import { RegoError } from '../../../src/policy/errors.js';
import { parseModule } from '../../../src/policy/syntax/index.js';

function code(text: string): string | undefined {
  try {
    parseModule(text, 'm.rego');
  } catch (e) {
    if (e instanceof RegoError) return e.code;
    throw e;
  }
  return undefined;
}

t.test('every binds variables; some and every cannot be negated', async (t) => {
  t.equal(code('package p\nq if { every 1, x in [1] { x } }'), 'REGO_ERR_PARSE_UNEXPECTED');
  t.equal(code('package p\nq if { every [a, b] in [[1, 2]] { a < b } }'), 'REGO_ERR_PARSE_UNEXPECTED');
  t.equal(code('package p\nq if { not every x in [1] { x } }'), 'REGO_ERR_PARSE_UNEXPECTED');
  t.equal(code('package p\nq if { not some x in [1] }'), 'REGO_ERR_PARSE_UNEXPECTED');
  t.equal(code('package p\nq if { every k, v in {"a": 1} { k == "a"; v == 1 } }'), undefined);
  // `some` takes patterns, and a ref named `every`/`some` is still a ref
  t.equal(code('package p\nq if { some [a, b] in [[1, 2]]; a < b }'), undefined);
  t.equal(code('package p\nq if { not every.x }\nevery.x := false'), undefined);
});

t.test('OPA\'s messages for malformed some, every and with', async (t) => {
  const message = (text: string): string | undefined => {
    try {
      parseModule(text, 'm.rego');
    } catch (e) {
      if (e instanceof RegoError) return e.message;
      throw e;
    }
    return undefined;
  };
  t.equal(message('package p\nq if { every x in [1] }'), 'unexpected } token: missing body');
  t.equal(message('package p\nq if { some x, 1 }'), 'unexpected number token: expected var');
  t.equal(message('package p\nq if { some if }'), 'unexpected if keyword: expected var');
  t.equal(message('package p\nq if { some f(x) }'), 'unexpected } token: expected `x in xs` or `x, y in xs` expression');
  t.equal(message('package p\nq if { some x, y,\n  z; x = 1; y = 2; z = 3 }'), undefined, 'declared names may span lines');
  // parseWith: a target is a name or a ref, then `as`
  t.equal(message('package p\nq if { 1 with 2 as 3 }'), 'unexpected number token: expected ident');
  t.equal(message('package p\nq if { 1 with input }'), 'unexpected } token: expected as keyword');
  t.equal(message('package p\nq if { 1 with input.x as 1 with data.y as 2 }'), undefined);
});

t.test('v0 without the future keyword: OPA\'s hints on `some x in xs` and `every`', async (t) => {
  const v0 = (text: string): string | undefined => {
    try {
      parseModule(text, 'm.rego', { regoVersion: 'v0' });
    } catch (e) {
      if (e instanceof RegoError) return e.message;
      throw e;
    }
    return undefined;
  };
  t.equal(v0('package p\nq { some x in [1] }'), 'unexpected identifier token: expected \\n or ; or } (hint: `import future.keywords.in` for `some x in xs` expressions)');
  t.equal(v0('package p\nq { every x in [1] { x } }'), 'unexpected identifier token: expected \\n or ; or } (hint: `import future.keywords.every` for `every x in xs { ... }` expressions)');
  t.equal(v0('package p\nimport future.keywords.in\nq { some x in [1] }'), undefined);
  t.equal(v0('package p\nimport future.keywords.every\nq { every x in [1] { x } }'), undefined);
});
