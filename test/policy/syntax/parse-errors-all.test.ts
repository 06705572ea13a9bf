/**
 * A module that parses but whose statements make no valid rule reports every such statement, as
 * OPA's parseModule does (it checks each rule and collects the errors); a real parse error stops
 * the parser, so it comes alone.
 */
import t from 'tap';
import { ParseErrors, parseModule } from '../../../src/policy/syntax/index.js';
import { RegoError } from '../../../src/policy/errors.js';
import { compileModules } from '../../../src/policy/compiler/index.js';
import { CompileErrors } from '../../../src/policy/compiler/compile-error.js';

function errorsOf(text: string, regoVersion: 'v0' | 'v1' = 'v1'): string[] {
  try {
    parseModule(text, 'm.rego', { regoVersion });
  } catch (e) {
    if (e instanceof ParseErrors) return e.errors.map((x) => `${x.code}@${x.location?.line}:${x.location?.col}`);
    if (e instanceof RegoError) return [`${e.code}@${e.location?.line}:${e.location?.col}`];
    throw e;
  }
  return [];
}

t.test('every rule without `if` (and a v0 partial set without `contains`) is its own error, in source order', async (t) => {
  const text = 'package p\na { true }\nf(x) { x }\nc[x] { x := 1 }\nd := 1\n';
  t.same(errorsOf(text), ['REGO_ERR_PARSE_RULE@2:1', 'REGO_ERR_PARSE_RULE@3:1', 'REGO_ERR_PARSE_RULE@4:1', 'REGO_ERR_PARSE_RULE@4:1']);
  // the same text is v0 and parses
  t.same(errorsOf(text, 'v0'), []);
  // import rego.v1 in a v0 module brings the same checks
  t.same(errorsOf('package p\nimport rego.v1\nc[x] { x := 1 }\n', 'v0'), ['REGO_ERR_PARSE_RULE@3:1', 'REGO_ERR_PARSE_RULE@3:1']);
});

t.test('a parse error stops the parser: it is reported alone, before the deferred checks', async (t) => {
  const errs = errorsOf('package p\na { true }\nb := "x\n');
  t.equal(errs.length, 1);
  t.ok(errs[0]!.endsWith('@3:6'), errs[0]!);
});

t.test('compileModules reports them all, the first one first', async (t) => {
  try {
    compileModules([{ file: 'm.rego', text: 'package p\na { true }\nb { true }\n' }], {});
    t.fail('compiled');
  } catch (e) {
    t.ok(e instanceof CompileErrors);
    const errs = (e as CompileErrors).errors;
    t.same(errs.map((x) => x.location?.line), [2, 3]);
    t.same(errs.map((x) => x.opaCode), ['rego_parse_error', 'rego_parse_error']);
  }
});
