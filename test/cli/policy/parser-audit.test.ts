/**
 * Issue #16 through the CLI: `regate policy fmt` writes operator builtins called by name as
 * operators; `regate policy check` reports OPA's errors for recursion per definition, an unbound
 * variable in a `with` target, and parse errors where OPA's parser reports them.
 */
import t from 'tap';
import { join } from 'node:path';
import { regate } from '../run-regate.js';
import { policyDir } from './files.js';

t.test('fmt: equal(a, b) is a == b, plus(1, 2, x) is x = 1 + 2, internal.member_2 is in', async (t) => {
  const dir = policyDir(t, { 'a.rego': 'package a\n\nr if {\n\tequal(input.a, 1)\n\tplus(1, 2, x)\n\tinternal.member_2(x, [3])\n}\n' });
  const r = regate(['policy', 'fmt', join(dir, 'a.rego')]);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'package a\n\nr if {\n\tinput.a == 1\n\tx = 1 + 2\n\tx in [3]\n}\n');
});

t.test('check: one recursion error per definition in the cycle; a with target key must be bound; OPA parse errors', async (t) => {
  const dir = policyDir(t, {
    'rec.rego': 'package p\n\na if b\na if {\n\tinput.x\n\tb\n}\n\nb if a\n',
  });
  const rec = regate(['policy', 'check', join(dir, 'rec.rego')]);
  t.equal(rec.code, 1);
  t.equal(rec.stderr.split('rego_recursion_error').length - 1, 3, rec.stderr);
  t.match(rec.stderr, /rec\.rego:4:1: rego_recursion_error: rule data\.p\.a is recursive: data\.p\.a -> data\.p\.b -> data\.p\.a/);

  const w = policyDir(t, { 'w.rego': 'package w\n\nr if {\n\tinput.a == 1 with input[x] as 1\n}\n' });
  const with_ = regate(['policy', 'check', join(w, 'w.rego')]);
  t.equal(with_.code, 1);
  t.match(with_.stderr, /w\.rego:4:2: rego_unsafe_var_error: var x is unsafe/);

  const pe = policyDir(t, { 'pe.rego': 'package p\n\nfo3+4ar := 1\n' });
  const parse = regate(['policy', 'check', join(pe, 'pe.rego')]);
  t.equal(parse.code, 1);
  t.match(parse.stderr, /pe\.rego:3:4: rego_parse_error: unexpected plus token/);
});
