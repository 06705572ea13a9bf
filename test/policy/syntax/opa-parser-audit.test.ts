/**
 * Behaviours from OPA's parser tests (v1/ast/parser_test.go, parser_ext_test.go) that regate
 * diverged on (issue #16): the message and the place of the first error.
 */
import t from 'tap';
import { ParseErrors, parseModule, parseQuery } from '../../../src/policy/syntax/index.js';
import { RegoError } from '../../../src/policy/errors.js';

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
