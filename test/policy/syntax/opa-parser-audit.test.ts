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
