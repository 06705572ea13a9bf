/**
 * Import and package clauses as OPA's parser reads them (ast/parser.go parsePackage,
 * parseImport, futureImport, regoV1Import), in both dialects. Messages are OPA's.
 */
import t from 'tap';
import { RegoError } from '../../../src/policy/errors.js';
import { parseModule } from '../../../src/policy/syntax/index.js';

function err(text: string, regoVersion: 'v0' | 'v1' = 'v1'): { code: string; message: string; at: string } {
  try {
    parseModule(text, 'm.rego', { regoVersion });
  } catch (e) {
    if (e instanceof RegoError) return { code: e.code, message: e.message, at: `${e.location?.line}:${e.location?.col}` };
    throw e;
  }
  throw new Error(`parsed: ${text}`);
}

const ok = (text: string, regoVersion: 'v0' | 'v1' = 'v1'): boolean => parseModule(text, 'm.rego', { regoVersion }).rules !== undefined;

t.test('an import path starts with data, input, future or rego', async (t) => {
  for (const v of ['v0', 'v1'] as const) {
    t.same(err('package p\nimport foo.bar', v), {
      code: 'REGO_ERR_PARSE_IMPORT',
      message: 'unexpected import path, must begin with one of: {data, future, input, rego}, got: foo (hint: if this is unexpected, try updating OPA)',
      at: '2:8',
    });
    t.same(err('package p\nimport not', v).message, 'unexpected import path, must begin with one of: {data, future, input, rego}, got: not (hint: if this is unexpected, try updating OPA)');
    t.same(err('package p\nimport data.x[y]', v), { code: 'REGO_ERR_PARSE_IMPORT', message: 'unexpected var token: expecting string', at: '2:15' });
  }
});

t.test('an import cannot end with a keyword unless aliased; an alias is no keyword', async (t) => {
  t.same(err('package p\nimport data.foo.if'), {
    code: 'REGO_ERR_PARSE_IMPORT',
    message: 'unexpected import path, must not end with a keyword, got: if (hint: import a different path or use an alias)',
    at: '2:17',
  });
  t.equal(err('package p\nimport input.not', 'v0').message, 'unexpected import path, must not end with a keyword, got: not (hint: import a different path or use an alias)');
  t.ok(ok('package p\nimport data.foo.if', 'v0'), 'v0: `if` is no keyword');
  t.ok(ok('package p\nimport data.foo.if as cond\nimport data.not.x'), 'aliased, or a keyword mid-path');
  t.same(err('package p\nimport data.foo as if'), { code: 'REGO_ERR_PARSE_UNEXPECTED', message: 'unexpected if keyword: expected var', at: '2:20' });
  t.equal(err('package p\nimport data.foo as with', 'v0').message, 'unexpected with keyword: expected var');
});

t.test('future and rego imports', async (t) => {
  for (const v of ['v0', 'v1'] as const) {
    t.equal(err('package p\nimport future.keywords as fk', v).message, '`future` imports cannot be aliased');
    t.equal(err('package p\nimport rego.v2', v).message, 'invalid import `rego.v2`, must be `rego.v1`');
    t.equal(err('package p\nimport rego', v).message, 'invalid import `rego`, must be `rego.v1`');
    t.equal(err('package p\nimport future.keywords.when', v).message, 'unexpected keyword, must be one of [contains every if in not]');
    t.ok(ok('package p\nimport future.keywords.in\nimport future.keywords', v));
  }
  // in v1 `rego.v1` changes nothing, so an alias does no harm; in v0 it is refused
  t.ok(ok('package p\nimport rego.v1 as r'));
  t.equal(err('package p\nimport rego.v1 as r', 'v0').message, '`rego` imports cannot be aliased');
});

t.test('package paths: keywords anywhere, string segments only', async (t) => {
  for (const v of ['v0', 'v1'] as const) {
    t.same(parseModule('package not.if["else"]\n', 'm.rego', { regoVersion: v }).package, ['not', 'if', 'else']);
    t.same(parseModule('package import\n', 'm.rego', { regoVersion: v }).package, ['import']);
    t.same(err('package a[1]', v), { code: 'REGO_ERR_PARSE_PACKAGE', message: 'unexpected number token: expecting string', at: '1:11' });
    t.equal(err('package a[x]', v).message, 'unexpected var token: expecting string');
  }
});

t.test('an import alias is read as a term that must be a name (parseImport)', async (t) => {
  t.same(err('package p\nimport input as A('), { code: 'REGO_ERR_PARSE_UNEXPECTED', message: 'unexpected eof token: expected var', at: '2:18' });
  t.same(err('package p\nimport input as x.y\np := 1'), { code: 'REGO_ERR_PARSE_UNEXPECTED', message: 'unexpected identifier token: expected var', at: '3:1' });
  t.same(err('package p\nimport input as if').message, 'unexpected if keyword: expected var');
  t.ok(ok('package p\nimport input as x\np := x'));
});
