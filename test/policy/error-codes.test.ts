/**
 * The REGO_ERR_* registry (src/policy/error-codes.ts) is the one place codes live: every code the
 * sources name is in it, every OPA code beside one is one of OPA's, and no production code decides
 * on an error by its message text.
 */
import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { OPA_ERROR_CODES, REGO_ERROR_CODES } from '../../src/policy/error-codes.js';
import { BuiltinError, BuiltinTypeError, ConflictError, RegoError } from '../../src/policy/errors.js';

const SRC = new URL('../../src/', import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

t.test('every REGO_ERR_* the sources name is registered', (t) => {
  const registered = new Set(Object.keys(REGO_ERROR_CODES));
  const unknown: string[] = [];
  for (const f of sources(SRC)) {
    for (const m of readFileSync(f, 'utf8').matchAll(/\bREGO_ERR_[A-Z0-9_]*[A-Z0-9]\b/g)) {
      if (!registered.has(m[0])) unknown.push(`${f.slice(SRC.length)}: ${m[0]}`);
    }
  }
  t.same(unknown, []);
  t.end();
});

t.test("each code's OPA code is one of OPA's", (t) => {
  for (const [code, opa] of Object.entries(REGO_ERROR_CODES)) {
    if (opa !== null) t.ok(OPA_ERROR_CODES.includes(opa), `${code} → ${opa}`);
  }
  t.end();
});

t.test('RegoError takes its OPA code from the registry', (t) => {
  t.equal(new RegoError('REGO_ERR_UNSAFE_VAR', 'x').opaCode, 'rego_unsafe_var_error');
  t.equal(new RegoError('REGO_ERR_PARSE_RULE', 'x').opaCode, 'rego_parse_error');
  t.equal(new RegoError('REGO_ERR_DATA_FILE', 'x').opaCode, undefined);
  t.equal(new RegoError('REGO_ERR_WASM_ABORT', 'x', { opaCode: 'eval_conflict_error' }).opaCode, 'eval_conflict_error', 'an explicit code wins');
  t.equal(new BuiltinTypeError('f', 'x').opaCode, 'eval_type_error');
  t.equal(new BuiltinError('f', 'x').opaCode, 'eval_builtin_error');
  t.equal(new ConflictError('x').opaCode, 'eval_conflict_error');
  t.end();
});

// Matching an error's message to decide what it is breaks when the message is reworded; errors
// carry codes for that. (The WASM back end parses the kind its own runtime writes at the start
// of an abort message: a protocol, not a message match; see backend/wasm/evaluator.ts.)
// Scope: the toolchain, the gateway's side of its boundary and the policy command line.
t.test('no production code matches on an error message', (t) => {
  const hits: string[] = [];
  for (const f of ['policy', 'gateway/authz', 'cli/policy'].flatMap((d) => sources(join(SRC, d)))) {
    const lines = readFileSync(f, 'utf8').split('\n');
    lines.forEach((l, i) => {
      if (/\.test\(\s*(err|e|error)\.message\b/.test(l) || /\b(err|e|error)\.message\.(includes|startsWith|match)\(/.test(l)) hits.push(`${f.slice(SRC.length)}:${i + 1}: ${l.trim()}`);
    });
  }
  t.same(hits, []);
  t.end();
});
