/**
 * Plain YAML scalars resolved as go-yaml v2's resolve (resolve.go) does — what OPA reads every
 * YAML file with (sigs.k8s.io/yaml) — rather than by the YAML 1.1 schema's patterns.
 */
import t from 'tap';
import { parseGoYaml, resolveGoYamlScalar } from '../../../src/policy/value/index.js';

t.test('a scalar starting with "." is a float only if strconv.ParseFloat reads it', (t) => {
  // `context: .` in a GitHub workflow or compose file: the 1.1 float pattern made it NaN
  for (const s of ['.', '-.', '+.', '._', '._5', '.5_', '.e3', '.5e999']) t.equal(resolveGoYamlScalar(s), s, s);
  t.equal(resolveGoYamlScalar('.5'), 0.5);
  t.equal(resolveGoYamlScalar('.5e3'), 500);
  t.ok(Number.isNaN(resolveGoYamlScalar('.NaN')));
  t.equal(resolveGoYamlScalar('-.inf'), -Infinity);
  t.end();
});

t.test('no base-60 numbers: 22:22 and 12:30:00 are strings', (t) => {
  for (const s of ['22:22', '1:20', '-1:20', '190:20:30', '1:2:3.5']) t.equal(resolveGoYamlScalar(s), s, s);
  t.end();
});

t.test('integers as strconv.ParseInt(s, 0, 64) reads them after dropping "_"', (t) => {
  t.equal(resolveGoYamlScalar('0o17'), 15);
  t.equal(resolveGoYamlScalar('017'), 15);
  t.equal(resolveGoYamlScalar('0x_1F'), 31);
  t.equal(resolveGoYamlScalar('-0b101'), -5);
  t.equal(resolveGoYamlScalar('1_000'), 1000);
  t.equal(resolveGoYamlScalar('0_'), 0);
  t.equal(resolveGoYamlScalar('08'), 8); // not octal: yamlStyleFloat reads it
  t.equal(resolveGoYamlScalar('9223372036854775807'), 9223372036854775807n);
  t.equal(resolveGoYamlScalar('18446744073709551615'), 18446744073709551615n); // ParseUint
  t.equal(resolveGoYamlScalar('18446744073709551616'), 18446744073709551616); // a float
  t.equal(resolveGoYamlScalar('7', true), 7n);
  for (const s of ['0o', '0b', '0x', '+', '1e', '1.2.3', '1e400']) t.equal(resolveGoYamlScalar(s), s, s);
  t.end();
});

t.test('booleans, nulls and timestamps', (t) => {
  for (const s of ['y', 'Y', 'yes', 'On', 'TRUE']) t.equal(resolveGoYamlScalar(s), true, s);
  for (const s of ['n', 'NO', 'off', 'False']) t.equal(resolveGoYamlScalar(s), false, s);
  for (const s of ['', '~', 'null', 'Null', 'NULL']) t.equal(resolveGoYamlScalar(s), null, s);
  for (const s of ['nil', 'None', 'tRUE', 'okay']) t.equal(resolveGoYamlScalar(s), s, s);
  t.equal(resolveGoYamlScalar('2001-12-14'), '2001-12-14');
  t.end();
});

t.test('parseGoYaml: a workflow file, quoted and tagged scalars untouched', (t) => {
  t.same(parseGoYaml('with:\n  context: .\n  ports: [22:22, "8080"]\n  mode: 0o755\nname: !!str 12\n'), {
    with: { context: '.', ports: ['22:22', '8080'], mode: 493 },
    name: '12',
  });
  t.equal(parseGoYaml(''), null);
  t.same(parseGoYaml('a: 1\n---\nb: 2\n'), { a: 1 });
  t.end();
});
