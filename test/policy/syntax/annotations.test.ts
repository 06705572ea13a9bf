/**
 * METADATA blocks are checked as OPA's parser checks them: YAML, a known scope, and a scope the
 * statement below can take (package/subpackages before `package`, rule/document before a rule).
 */
import t from 'tap';
import { RegoError } from '../../../src/policy/errors.js';
import { parseModule } from '../../../src/policy/syntax/index.js';

function code(text: string): string | undefined {
  try {
    parseModule(text, 'm.rego');
  } catch (e) {
    if (e instanceof RegoError) return `${e.code}@${e.location?.line}`;
    throw e;
  }
  return undefined;
}

t.test('malformed or misplaced METADATA is a located parse error', async (t) => {
  t.equal(code('package p\n# METADATA\n# title: [unclosed\nq := 1'), 'REGO_ERR_PARSE_ANNOTATION@2');
  t.equal(code('package p\n# METADATA\n# scope: nonsense\nq := 1'), 'REGO_ERR_PARSE_ANNOTATION@2');
  t.equal(code('# METADATA\n# scope: rule\npackage p\nq := 1'), 'REGO_ERR_PARSE_ANNOTATION@1');
  t.equal(code('package p\n\n# METADATA\n# scope: subpackages\nq := 1'), 'REGO_ERR_PARSE_ANNOTATION@3');
});

t.test('well-formed METADATA parses, each scope in its place', async (t) => {
  t.equal(code('# METADATA\n# scope: subpackages\n# title: all\npackage p\n\n# METADATA\n# scope: document\n# title: d\nq := 1\n\n# METADATA\n# custom: {a: 1}\nr := 2'), undefined);
  const m = parseModule('# METADATA\n# title: pkg\npackage p\n# METADATA\n# title: r\nr := 1', 'm.rego');
  t.same([m.annotations.length, m.rules[0]!.annotations.length], [1, 1]);
});
