/**
 * `regate policy test --ignore PATTERN` (as `opa test --ignore`): Go filepath.Match patterns on
 * the base names of files and directories below the paths given; `--explain fails` is accepted
 * (OPA's default), the trace modes are refused.
 */
import t from 'tap';
import { join } from 'node:path';
import { loadPaths } from '../../../src/cli/policy/load-paths.js';
import { parseArgs, splitCsvRecord } from '../../../src/cli/policy/args.js';
import { testCommand } from '../../../src/cli/policy/test-command.js';
import { nameGlob } from '../../../src/policy/index.js';
import { policyDir } from './files.js';

t.test('nameGlob follows filepath.Match: *, ?, classes, escapes; a bad pattern is an error', async (t) => {
  t.ok(nameGlob('*.yaml')('case.yaml'));
  t.notOk(nameGlob('*.yaml')('case.yaml.rego'));
  t.ok(nameGlob('.*')('.github'));
  // a '-' outside a class is a plain character (it was an invalid escape under the u flag)
  t.ok(nameGlob('artifacthub-repo.yaml')('artifacthub-repo.yaml'));
  t.ok(nameGlob('a\\-b')('a-b'));
  t.notOk(nameGlob('[a-c]x')('-x'));
  t.ok(nameGlob('te?t_[a-c]*')('test_b.rego'));
  t.notOk(nameGlob('te?t_[^a-c]*')('test_b.rego'));
  t.ok(nameGlob('a\\*b')('a*b'));
  t.notOk(nameGlob('a\\*b')('axb'));
  t.ok(nameGlob('[]a]')(']'), 'a ] first in a class is literal');
  t.throws(() => nameGlob('[ab'), { code: 'REGO_ERR_FILE' });
  t.throws(() => nameGlob('ab\\'), { code: 'REGO_ERR_FILE' });
});

t.test('ignored files and directories below a given directory are not read', async (t) => {
  const dir = policyDir(t, {
    'p/p.rego': 'package p\n\nx := 1\n',
    'p/broken.yaml': '{ not: [valid',
    'p/data.yaml': 'count: 2\n',
    'skip/q.rego': 'package q\n\nthis is not rego\n',
  });
  // OPA's file loader reads every .yaml below a directory, so without --ignore the broken one fails the load
  await t.rejects(loadPaths([dir], { includeTests: true }), { code: 'REGO_ERR_DATA_FILE' }, 'without --ignore every data file is read');
  const all = await loadPaths([dir], { includeTests: true, ignore: ['broken.yaml'] });
  t.same(all.modules.map((m) => m.file), [join(dir, 'p/p.rego'), join(dir, 'skip/q.rego')], 'every module is read');
  t.same(all.data, { p: { count: 2 } });
  const r = await loadPaths([dir], { includeTests: true, ignore: ['*.yaml', 'sk?p'] });
  t.same(r.modules.map((m) => m.file), [join(dir, 'p/p.rego')]);
  t.same(r.data, {}, 'data.yaml matched *.yaml too');
  const named = await loadPaths([join(dir, 'p/p.rego')], { includeTests: true, ignore: ['*.rego'] });
  t.equal(named.modules.length, 1, 'a path given by name is read whatever the patterns');
});

t.test('--ignore is a list flag as pflag StringSlice reads it: one value may hold several comma-separated patterns', async (t) => {
  // weaveworks/policy-library's CI: opa test … --ignore '*.yml','*.yaml','.md','.csv' (the shell makes it one word)
  const a = parseArgs(['--ignore', '*.yml,*.yaml,.md,.csv', '--ignore=x', '--ignore', ''], testCommand.flags);
  t.same(a.all('ignore'), ['*.yml', '*.yaml', '.md', '.csv', 'x'], 'split at commas; an empty value adds nothing');
  t.same(splitCsvRecord('"a,b",c,"d""e"', '--ignore'), ['a,b', 'c', 'd"e'], 'a quoted field keeps its commas, "" is a quote');
  t.same(splitCsvRecord('a,,b,', '--ignore'), ['a', '', 'b', '']);
  t.throws(() => splitCsvRecord('a"b', '--ignore'), { name: 'UsageError' }, 'a bare quote is a usage error, as encoding/csv');
  t.throws(() => splitCsvRecord('"ab', '--ignore'), { name: 'UsageError' });
  t.throws(() => splitCsvRecord('"a"b', '--ignore'), { name: 'UsageError' });
  const dir = policyDir(t, {
    'p/p.rego': 'package p\n\ntest_ok if true\n',
    'p/tests/broken.yaml': '{ not: [valid',
    'p/tests/other.yml': '{ not: [valid',
  });
  const out: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((s: string | Uint8Array) => (out.push(typeof s === 'string' ? s : Buffer.from(s).toString('utf8')), true)) as typeof process.stdout.write;
  let code: number;
  try {
    code = await testCommand.run(parseArgs([dir, '--ignore', '*.yml,*.yaml,.md'], testCommand.flags));
  } finally {
    process.stdout.write = write;
  }
  t.equal(code, 0, 'neither broken file is read');
  t.match(out.join(''), /PASS: 1\/1/);
});

t.test('--explain: a mode opa knows is accepted (verbose, as opa), another is a usage error', async (t) => {
  const dir = policyDir(t, { 'p.rego': 'package p\n\ntest_ok if true\n' });
  const flags = [...testCommand.flags];
  const out: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((s: string | Uint8Array) => (out.push(typeof s === 'string' ? s : Buffer.from(s).toString('utf8')), true)) as typeof process.stdout.write;
  let code: number;
  try {
    code = await testCommand.run(parseArgs(['--explain=fails', '--ignore', '*.yaml', dir], flags));
  } finally {
    process.stdout.write = write;
  }
  t.equal(code, 0);
  t.match(out.join(''), /data\.p\.test_ok: PASS .*\nPASS: 1\/1/s, '--explain implies -v: every test is listed');
  await t.rejects(testCommand.run(parseArgs(['--explain', 'everything', dir], flags)), { name: 'UsageError' });
});
