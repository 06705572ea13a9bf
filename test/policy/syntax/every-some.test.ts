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

t.test('every and some … in are read as one membership term and taken apart (parseEvery, parseSome)', async (t) => {
  const at = (text: string, regoVersion: 'v0' | 'v1' = 'v1'): string | undefined => {
    try {
      parseModule(text, 'm.rego', { regoVersion });
    } catch (e) {
      if (e instanceof RegoError) return `${e.location?.line}:${e.location?.col} ${e.message}`;
      throw e;
    }
    return undefined;
  };
  // the errors name the token after the term, where OPA's parser stands when it looks at it
  t.equal(at('package p\nq if { every 10 }'), '2:17 unexpected } token: expected `x[, y] in xs { ... }` expression');
  t.equal(at('package p\nq if { every f(10) }'), '2:20 unexpected } token: expected `x[, y] in xs { ... }` expression');
  t.equal(at('package p\nq if { every x, y }'), '2:15 unexpected , token: expected `x[, y] in xs { ... }` expression');
  t.equal(at('package p\nq if { every 10 in xs { true } }'), '2:23 unexpected { token: expected value to be a variable');
  t.equal(at('package p\nq if { every 10, x in xs { true } }'), '2:26 unexpected { token: expected key to be a variable');
  t.equal(at('package p\nq if { every x in xs { + } }'), '2:24 unexpected plus token');
  t.equal(at('package p\nq if { not every x in xs { true } }'), "2:12 unexpected every keyword: illegal negation of 'every'");
  // the membership builtins called by name: the same declarations, if they have their arity
  t.equal(at('package p\nq if { every internal.member_2() { true } }'), '2:34 unexpected { token: illegal domain');
  t.equal(at('package p\nq if { some internal.member_3(1) }'), '2:34 unexpected } token: illegal domain');
  t.equal(at('package p\nq if { some internal.member_2(x, [1]); x == 1 }'), undefined);
  t.equal(at('package p\nq if { every internal.member_3(k, v, [1]) { k == 0; v == 1 } }'), undefined);
  // the end of input is where its last character is (OPA's scanner stops counting there)
  t.equal(at('package p\nq if every x in xs'), '2:18 unexpected eof token: missing body');
  t.equal(at('package p\nq if every x in xs\n'), '3:0 unexpected eof token: missing body');
  // with modifies the whole declaration
  t.equal(at('package p\nq if { some x, y in input with input as [] }\nr if { every x in input { x } with input as [] }'), undefined);
  // v0: the every hint only where the literal would be an `every` with the keyword
  t.equal(at('package p\nq {\n\tevery x\n}', 'v0'), '3:8 unexpected identifier token: expected \\n or ; or }');
  t.equal(at('package p\nq {\n\tevery x, y in {"foo": "bar"} { is_string(x) }\n}', 'v0'), '3:8 unexpected identifier token: expected \\n or ; or } (hint: `import future.keywords.every` for `every x in xs { ... }` expressions)');
});
