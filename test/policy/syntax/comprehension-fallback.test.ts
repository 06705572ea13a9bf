/**
 * A `|` after the first item of brackets starts a comprehension only when a body follows: OPA's
 * parser tries the comprehension first and reads the brackets again as a list when the body
 * does not parse — an array or set when the body stopped at a `,`, an object on any failure
 * (ast/parser.go parseArray, parseSet, parseObject). So `{"a": s | t, "b": u}` is an object whose
 * first value is a set union; open-policy-agent/opa-control-plane's Kubernetes and Terraform
 * libraries write their decisions that way and did not load ("unexpected : token: expected in").
 * A call may also name a function under a package key that is no identifier
 * (`data.lib["v:1"].f(x)`), as OPA resolves any ref.
 */
import t from 'tap';
import { RegoError } from '../../../src/policy/errors.js';
import { parseModule, parseTerm } from '../../../src/policy/syntax/index.js';
import type { Term } from '../../../src/policy/syntax/index.js';
import { formatModule } from '../../../src/policy/format/format-module.js';

function kinds(x: Term): string {
  switch (x.kind) {
    case 'array':
      return `[${x.items.map(kinds).join(', ')}]`;
    case 'set':
      return `{${x.items.map(kinds).join(', ')}}s`;
    case 'object':
      return `{${x.entries.map(([k, v]) => `${kinds(k)}: ${kinds(v)}`).join(', ')}}`;
    case 'call':
      return `${x.fn.join('.')}(${x.args.map(kinds).join(', ')})`;
    case 'var':
      return x.name;
    case 'string':
      return JSON.stringify(x.value);
    default:
      return x.kind;
  }
}

function parseCode(src: string): string | undefined {
  try {
    parseTerm(src);
    return undefined;
  } catch (e) {
    if (e instanceof RegoError) return e.code;
    throw e;
  }
}

t.test('a union as the first item of a list', async (t) => {
  t.equal(kinds(parseTerm('{"a": s | t, "b": u}')), '{"a": or(s, t), "b": u}');
  t.equal(kinds(parseTerm('[s | t, u]')), '[or(s, t), u]');
  t.equal(kinds(parseTerm('{s | t, u}')), '{or(s, t), u}s');
  t.equal(kinds(parseTerm('{"a": {1} | {2}, "b": [x | x := 1]}')), '{"a": or({number}s, {number}s), "b": arraycomp}');
});

t.test('a body that parses still makes a comprehension', async (t) => {
  t.equal(parseTerm('[x | x := xs[_]]').kind, 'arraycomp');
  t.equal(parseTerm('{x | x := xs[_]}').kind, 'setcomp');
  t.equal(parseTerm('{k: v | some k, v in xs}').kind, 'objectcomp');
  t.equal(parseTerm('[x | x := xs[_]; x > 1]').kind, 'arraycomp');
});

t.test('brackets that are neither stay parse errors', async (t) => {
  // an array or set falls back only at a comma; an object value must end at `,` or `}`
  t.equal(parseCode('[s | t u]'), 'REGO_ERR_PARSE_UNEXPECTED');
  t.equal(parseCode('{s | x := }'), 'REGO_ERR_PARSE_UNEXPECTED');
  t.equal(parseCode('{"a": s | t u}'), 'REGO_ERR_PARSE_UNEXPECTED');
});

t.test('`x, y` in a body is an error at the comma, as in OPA', async (t) => {
  try {
    parseModule('package p\nq if { x, y }\n', 'm.rego');
    t.fail('expected a parse error');
  } catch (e) {
    t.ok(e instanceof RegoError);
    t.equal((e as RegoError).message, 'unexpected , token: expected \\n or ; or }');
  }
  t.equal(parseModule('package p\nq if { some k, v in {"a": 1} }\n', 'm.rego').rules.length, 1);
});

t.test('a call under a package key that is no identifier, parsed and formatted', async (t) => {
  const call = parseTerm('data.lib["v:1"].utils.f(1)');
  t.equal(call.kind, 'call');
  t.same(call.kind === 'call' ? call.fn : [], ['data', 'lib', 'v:1', 'utils', 'f']);
  const src = 'package p\n\nq := data.lib["v:1"].utils.f(1)\n';
  t.equal(formatModule(src, 'p.rego'), src);
  // a variable key names no function: OPA's parser takes the call all the same (parseRef), its
  // compiler finds no function of that ref ("undefined function data.lib[x].f")
  const dyn = parseTerm('data.lib[x].f(1)');
  t.same(dyn.kind === 'call' ? dyn.fn : [], ['data.lib[x].f']);
});
