/**
 * Behaviours from OPA's parser tests (v1/ast/parser_test.go, parser_ext_test.go) that regate
 * diverged on (issue #16): the message and the place of the first error.
 */
import t from 'tap';
import { ParseErrors, parseModule, parseQuery } from '../../../src/policy/syntax/index.js';
import { RegoError } from '../../../src/policy/errors.js';
import { compileToPlan } from '../../../src/policy/compiler/index.js';
import { formatModule } from '../../../src/policy/format/format-module.js';

function firstError(parse: () => unknown): [string, string, number | undefined, number | undefined] | undefined {
  try {
    parse();
  } catch (e) {
    const x = e instanceof ParseErrors ? e.errors[0]! : (e as RegoError);
    return [x.code, x.message, x.location?.line, x.location?.col];
  }
  return undefined;
}

t.test('a parse error before a token that does not lex is the one reported (OPA scans a token when it reaches it)', async (t) => {
  for (const [op, name] of [['+', 'plus'], ['-', 'minus'], ['*', 'mul'], ['/', 'div'], ['%', 'rem'], ['==', 'equal'], ['!=', 'neq'], ['<', 'lt'], ['<=', 'lte'], ['>', 'gt'], ['>=', 'gte'], ['&&', 'and'], ['||', 'or']] as const) {
    const err = firstError(() => parseModule(`package p\nfo3${op}4ar := 1\n`, 'p.rego'));
    t.same(err?.slice(1), [`unexpected ${name} token`, 2, 4], op);
  }
  // the bad token itself still fails, where the parser reaches it
  t.same(firstError(() => parseModule('package p\nx := 4ar\n', 'p.rego'))?.slice(1), ['illegal number format', 2, 6]);
  t.same(firstError(() => parseQuery('6abc'))?.[1], 'illegal number format');
});

t.test('an open raw string is a "non-terminated string", as an open quoted one', async (t) => {
  t.same(firstError(() => parseQuery('`foo'))?.slice(0, 2), ['REGO_ERR_PARSE_STRING', 'non-terminated string']);
  t.same(firstError(() => parseQuery('"foo'))?.slice(0, 2), ['REGO_ERR_PARSE_STRING', 'non-terminated string']);
});

t.test("a head value that does not parse is two errors, the term's and the head's (OPA parseHead)", async (t) => {
  const errorsOf = (text: string) => {
    try {
      parseModule(text, 'p.rego', { regoVersion: 'v0' });
    } catch (e) {
      return (e instanceof ParseErrors ? e.errors : [e as RegoError]).map((x) => [x.message, x.location?.line, x.location?.col]);
    }
    return [];
  };
  const set = (col: number) => ['unexpected eq token: non-terminated set', 2, col];
  t.same(errorsOf('package p\nf(_) := { "foo" = "bar" }\n'), [set(17), ['unexpected eq token: expected function value term (e.g., f(...) := <VALUE> { ... })', 2, 17]]);
  t.same(errorsOf('package p\nf := { "foo" = "bar" }\n'), [set(14), ['unexpected eq token: expected rule value term (e.g., f := <VALUE> { ... })', 2, 14]]);
  t.same(errorsOf('package p\nf[_] := { "foo" = "bar" }\n'), [set(17), ['unexpected eq token: expected rule value term (e.g., f[_] := <VALUE> { ... })', 2, 17]]);
  t.match(errorsOf('package p\nf(_) = { "foo" = "bar" }\n')[1], ['unexpected eq token: expected rule value term', 2, 16]);
  t.same(errorsOf('package p\ndefault f :='), [['unexpected eof token', 2, 12], ['unexpected eof token: expected default rule value term (e.g., default f := <VALUE>)', 2, 12]]);
});

/** Every error of a module, as `line:col message`. */
function allErrors(text: string, regoVersion: 'v0' | 'v1' = 'v1'): string[] {
  try {
    parseModule(text, 'p.rego', { regoVersion });
  } catch (e) {
    return (e instanceof ParseErrors ? e.errors : [e as RegoError]).map((x) => `${x.location?.line}:${x.location?.col} ${x.message}`);
  }
  return [];
}

function compileError(text: string): [string, string, number | undefined, number | undefined] | undefined {
  try {
    compileToPlan([{ file: 'p.rego', text }], { query: 'x = data.p' });
  } catch (e) {
    const all = (e as { errors?: RegoError[] }).errors;
    const x = all?.[0] ?? (e as RegoError);
    return [x.code, x.message, x.location?.line, x.location?.col];
  }
  return undefined;
}

t.test('a call on a ref that starts with no name parses (OPA parseRef) and names no function', async (t) => {
  const call = parseQuery('x := f(1).g(2)')[0]!.expr;
  t.equal(call.kind === 'assign' && call.rhs.kind === 'call' ? call.rhs.fn.join('.') : '', 'f(1).g');
  t.same(compileError('package p\nf(a) := [a]\nq if { x := f(1).g(2); x }\n'), ['REGO_ERR_UNDEFINED_FUNCTION', 'undefined function f(1).g', 3, 13]);
  t.same(compileError('package p\nq if { [1](0) }\n'), ['REGO_ERR_UNDEFINED_FUNCTION', 'undefined function [1]', 2, 8]);
  // the result of a call is still a ref head in a body
  t.equal(compileError('package p\nf(a) := [a]\nq if { f(1)[0] == 1 }\n'), undefined);
  // formatted as written, and a fixed point
  const src = 'package p\n\nf(a) := [a]\n\nq if {\n\tx := f(1).g(2)\n\tx\n}\n';
  t.equal(formatModule(src, 'p.rego'), src);
});

t.test('a function head whose ref starts with a call is refused at the token after it (OPA parseHead)', async (t) => {
  t.same(allErrors('package p\nq(0).r(0) { true }\n'), ['2:11 unexpected { token: rule head ref q(0).r invalid']);
  t.same(allErrors('package p\nq(0).r(0) if { true }\n'), ['2:11 unexpected if keyword: rule head ref q(0).r invalid']);
  t.same(allErrors('package p\nq(0).r(0) := 1\n'), ['2:11 unexpected assign token: rule head ref q(0).r invalid']);
  t.same(allErrors('package p\nq(0).r(0) { true }\n', 'v0'), ['2:11 unexpected { token: rule head ref q(0).r invalid']);
  // with more ref after it, the head makes no rule at all
  t.same(allErrors('package p\nq(0).r(0).s := 1\n'), ['2:1 rule head must be a name, reference or function']);
});

t.test('no rule of a head with variables in its ref, or of a multi-value rule, takes else (partial object rules too)', async (t) => {
  t.same(allErrors('package p\np[x] = 1 if { x := 1 } else = 2\n'), ['2:24 else keyword cannot be used on rules with variables in head']);
  t.same(allErrors('package p\na.b[x].c := 1 if { x := 1 } else := 2\n'), ['2:29 else keyword cannot be used on rules with variables in head']);
  t.same(allErrors('package p\na.b contains 1 if false\nelse := 2\n'), ['3:1 else keyword cannot be used on multi-value rules']);
  // a ground ref head takes it
  t.same(allErrors('package p\na.b["c"] := 1 if false\nelse := 2\n'), []);
});

t.test('a module without a package: every statement error is collected, the first statement makes nothing (OPA parseModule)', async (t) => {
  t.same(allErrors('\tx = 1\n\tpackage a\n\t1 = 2\n\t1 != 2\n\tx = y; x = 1\n', 'v0'), [
    '1:2 package expected',
    '2:2 unexpected package',
    '3:2 number cannot be used for rule name',
    '4:2 rule name conflicts with built-in function',
    '5:2 multiple expressions cannot be used for rule head',
  ]);
  // the first statement's own error is not one of them
  t.same(allErrors('p\nq := 1\n'), ['1:1 package expected']);
  // a syntax error still stops the parse alone
  t.same(allErrors('x := [1 2]\n'), ['1:9 unexpected number token: expected "," or "]"', '1:9 unexpected number token: expected rule value term (e.g., x := <VALUE> { ... })']);
});

t.test('a rule head followed by an operator is a query statement (OPA parseRules gives up there)', async (t) => {
  for (const stmt of ['pi > 3', 'p in q', 'p == 3', 'x.y != 3', 'f(x) == 3', 'input.x >= 1', '1 + 2', '"a" < 3']) {
    t.same(allErrors(`package p\n${stmt}\n`), ['2:1 rule name conflicts with built-in function'], stmt);
  }
  // glued to a name, the operator is still the head's error
  t.same(allErrors('package p\nfoo+bar := 1\n'), ['2:4 unexpected plus token']);
});

t.test('METADATA blocks that go-yaml refuses, worded and placed as OPA reports them', async (t) => {
  const block = (lines: string[]) => `package p\n\n# METADATA\n${lines.map((l) => `# ${l}\n`).join('')}q := 1\n`;
  t.same(allErrors(block(['title: a\vb'])), ["3:1 yaml: control characters are not allowed"]);
  t.same(allErrors(block(['title: x', 'scope: rule', 'oops'])), ["6:1 yaml: line 3: could not find expected ':'"]);
  t.same(allErrors(block(['title: a\u3000b', 'scope: rule'])), []);
  t.match(allErrors(block(['title:\u3000x', 'scope: rule', 'description: y']))[0], /^6:1 yaml: line 3: could not find expected ':'\n {2}Hint: on line 4, symbol\(s\) \['\\u3000'\]/);
  // go-yaml names the line of the mapping the item above opened, counted from 0
  t.same(allErrors(block(['schemas:', '- input: schema.a', '  - data.x: schema.b'])), ['4:1 yaml: line 1: did not find expected key']);
  t.same(allErrors(block(['description: `x` y'])), ['4:1 yaml: line 1: found character that cannot start any token']);
  t.same(allErrors(block(['related_resources:', '- "https://h:port"'])), ['3:1 invalid related-resource definition https://h:port: parse "https://h:port": invalid port ":port" after host']);
  t.same(allErrors(block(['related_resources:', '- ref: "a\\tb"'])), ['3:1 invalid related-resource definition {"ref":"a\\tb"}: parse "a\\tb": net/url: invalid control character in URL']);
  t.same(allErrors(block(['related_resources:', '- "https://[::1]:8080/x"', '- https://h:8080'])), []);
});

t.test('template strings: an open one is "non-terminated string", an empty expression is invalid', async (t) => {
  t.same(firstError(() => parseQuery('x := $"{x}`'))?.slice(1), ['non-terminated string', 1, 6]);
  t.same(firstError(() => parseQuery('x := $`{x}"'))?.slice(1), ['non-terminated string', 1, 6]);
  t.same(firstError(() => parseQuery('x := $"a{}"'))?.slice(1), ['invalid template-string expression', 1, 10]);
});
