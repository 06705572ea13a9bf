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
  // an error on a YAML line is placed on that line's comment (metadataParser)
  t.equal(code('package p\n# METADATA\n# title: [unclosed\nq := 1'), 'REGO_ERR_PARSE_ANNOTATION@3');
  t.equal(code('package p\n# METADATA\n# scope: rule\n# schemas:\n#   - data.x= schema\nq := 1'), 'REGO_ERR_PARSE_ANNOTATION@5');
  t.equal(code('package p\n# METADATA\n# scope: rule\n# title: t\n# METADATA\nq := 1'), 'REGO_ERR_PARSE_ANNOTATION@5');
  t.equal(code('package p\n# METADATA\n# scope: nonsense\nq := 1'), 'REGO_ERR_PARSE_ANNOTATION@2');
  t.equal(code('# METADATA\n# scope: rule\npackage p\nq := 1'), 'REGO_ERR_PARSE_ANNOTATION@1');
  t.equal(code('package p\n\n# METADATA\n# scope: subpackages\nq := 1'), 'REGO_ERR_PARSE_ANNOTATION@3');
});

t.test('well-formed METADATA parses, each scope in its place', async (t) => {
  t.equal(code('# METADATA\n# scope: subpackages\n# title: all\npackage p\n\n# METADATA\n# scope: document\n# title: d\nq := 1\n\n# METADATA\n# custom: {a: 1}\nr := 2'), undefined);
  const m = parseModule('# METADATA\n# title: pkg\npackage p\n# METADATA\n# title: r\nr := 1', 'm.rego');
  t.same([m.annotations.length, m.rules[0]!.annotations.length], [1, 1]);
});

function message(text: string): string | undefined {
  try {
    parseModule(text, 'm.rego');
  } catch (e) {
    if (e instanceof RegoError) return e.message;
    throw e;
  }
  return undefined;
}

t.test('METADATA blocks as OPA delimits and decodes them (ast/parser.go metadataParser)', async (t) => {
  t.equal(message('package p\n# METADATA\nq := 1'), 'expected METADATA block, found whitespace');
  // a block goes on while the next comment line starts in column 1
  const m = parseModule('package p\n# METADATA\n# title: t\n  # description: not part of it\nq := 1', 'm.rego');
  t.equal(m.rules[0]!.annotations[0]!.yaml, 'title: t');
  // any comment starting with METADATA opens a block
  t.equal(parseModule('package p\n# METADATA (q)\n# title: t\nq := 1', 'm.rego').rules[0]!.annotations.length, 1);
  // fields decode into OPA's rawAnnotation types
  t.equal(message('package p\n# METADATA\n# scope: rule\n# title: [1, 2]\nq := 1'), 'yaml: unmarshal errors:\n  line 2: cannot unmarshal !!seq into string');
  t.equal(message('package p\n# METADATA\n# entrypoint: yes\nq := 1'), 'yaml: unmarshal errors:\n  line 1: cannot unmarshal !!str `yes` into bool');
  t.equal(message('package p\n# METADATA\n# authors: 5\nq := 1'), 'yaml: unmarshal errors:\n  line 1: cannot unmarshal !!int `5` into []interface {}');
  t.equal(message('package p\n# METADATA\n# title:x\nq := 1'), 'yaml: unmarshal errors:\n  line 1: cannot unmarshal !!str `title:x` into ast.rawAnnotation\n  Hint: on line 3, symbol(s) [\'x\'] immediately following a key/value separator \':\' is not a legal yaml space character');
  t.equal(message('package p\n# METADATA\n# related_resources: [""]\nq := 1'), 'invalid related-resource definition : ref URL may not be empty string');
  t.equal(message('package p\n# METADATA\n# authors: [{url: x}]\nq := 1'), `invalid author definition {"url":"x"}: 'name' and/or 'email' values required in object`);
  t.equal(message('package p\n# METADATA\n# schemas:\n#   - foo: schema.x\nq := 1'), 'invalid document reference');
  t.equal(message('package p\n# METADATA\n# schemas:\n#   - input.x: other.x\nq := 1'), 'invalid schema reference');
  t.equal(message('package p\n# METADATA\n# schemas:\n#   - input: schema.x\n#   - input.y: {type: string}\nq := 1'), undefined);
});

t.test('what a METADATA block may document (attachAnnotationsNodes)', async (t) => {
  const scopes = "Use one of 'rule', 'document', 'package', or 'subpackages'";
  t.equal(message('package p\n# METADATA\n# scope: nonsense\nq := 1'), `invalid annotation scope 'nonsense'. ${scopes}`);
  t.equal(message('package p\n# METADATA\n# title: t\nimport data.x\nq := 1'), `invalid annotation scope 'import'. ${scopes}`);
  t.equal(message('package p\n# METADATA\n# scope: rule\nimport data.x\nq := 1'), "annotation scope 'rule' must be applied to rule (have import)");
  t.equal(message('package p\nq := 1\n# METADATA\n# title: t\n'), `invalid annotation scope ''. ${scopes}`);
  t.equal(message('# METADATA\n# scope: rule\npackage p\n'), "annotation scope 'rule' must be applied to rule (have package)");
  // an entrypoint documents the rule set; it cannot be a single rule's
  t.equal(parseModule('package p\n# METADATA\n# entrypoint: true\nq := 1', 'm.rego').rules[0]!.annotations[0]!.scope, 'document');
  t.equal(message('package p\n# METADATA\n# entrypoint: true\n# scope: rule\nq := 1'), "annotation entrypoint applied to non-document or package scope 'rule'");
});

t.test('a YAML error gets OPA\'s hint for a `:` not followed by a space (augmentYamlError)', async (t) => {
  const hint = (line: number, symbols: string): string => `\n  Hint: on line ${line}, symbol(s) [${symbols}] immediately following a key/value separator ':' is not a legal yaml space character`;
  t.equal(message('package p\n\n# METADATA\n# description:p is true\np := true\n'),
    'yaml: unmarshal errors:\n  line 1: cannot unmarshal !!str `description:p is true` into ast.rawAnnotation' + hint(4, "'p'"));
  t.match(message('package p\n\n# METADATA\n# title: P\n# description:\u00a0p is true\np := true\n'), hint(5, "'\\u00a0'"));
  t.match(message('package p\n\n# METADATA\n# title:a:b\np := true\n'), hint(4, "'a' 'b'"));
  t.equal(code('package p\n\n# METADATA\n# title: P\n# description:\u00a0p is true\np := true\n'), 'REGO_ERR_PARSE_ANNOTATION@5');
  // no error, no hint: a URL's colon is part of a value
  t.equal(message('package p\n\n# METADATA\n# related_resources:\n# - https://example.com\np := true\n'), undefined);
});

t.test('a CRLF file reads as an LF file: comments lose the carriage return (scanner.scanComment)', async (t) => {
  // A METADATA block in a file saved with Windows line ends: OPA's scanner trims the `\r` before
  // each newline from a comment's text, so `title: x` is not followed by a stray control byte.
  const src = '# METADATA\r\n# title: pkg\r\npackage p\r\n\r\n# METADATA\r\n# description: d\r\n# custom:\r\n#   input: "a.yaml"\r\nr := 1\r\n# last';
  const m = parseModule(src, 'm.rego');
  t.equal(JSON.stringify(m.annotations[0]).includes('\\r'), false);
  t.equal(m.rules[0]!.annotations[0]!.yaml, 'description: d\ncustom:\n  input: "a.yaml"');
});
