/**
 * `regate policy eval --explain`: OPA's trace events (the subset a plan can report: Enter, Exit,
 * Fail, Note), its lineage filters and its pretty and JSON presentation.
 */
import t from 'tap';
import { join } from 'node:path';
import { compileToPlan, createJsEvaluator, createTraceRecorder, filterTrace, type SourceLocation, type TraceEvent } from '../../../src/policy/index.js';
import { generateJsSource } from '../../../src/policy/backend/js/index.js';
import { defaultRegistry } from '../../../src/policy/builtins/index.js';
import { formatTracePretty, goQuote } from '../../../src/cli/policy/eval-explain.js';
import { policyDir, policyInProcess as opa } from './files.js';

const P = `package p

allow if {
	trace("checking user")
	input.user == "alice" # the only one
	count(input.roles) > 1
}

deny contains msg if {
	not allow
	msg := "no"
}
`;

/** A pretty trace's rows as [location, event]: the location column is padded by at least 4 spaces and one more. */
function rows(text: string): [string, string][] {
  return text
    .split('\n')
    .filter((l) => / {5,}/.test(l))
    .map((l) => {
      const [loc, ...ev] = l.split(/ {5,}/);
      return [loc!.replace(/^.*\//, ''), ev.join('     ')];
    });
}

t.test('--explain=notes -f pretty: the Note with the Enter events that lead to it, before the result', async (t) => {
  const dir = policyDir(t, { 'p.rego': P, 'in.json': '{"user": "bob", "roles": ["a", "b"]}' });
  const r = await opa(['eval', '--explain=notes', '-f', 'pretty', '-d', join(dir, 'p.rego'), '-i', join(dir, 'in.json'), 'data.p.deny']);
  t.equal(r.code, 0, r.stderr);
  t.same(rows(r.stdout), [
    ['query:1', 'Enter data.p.deny = _'],
    ['p.rego:9', '| Enter data.p.deny'],
    ['p.rego:3', '| | Enter data.p.allow'],
    ['p.rego:4', '| | | Note "checking user"'],
  ]);
  t.ok(r.stdout.endsWith('[\n  "no"\n]\n'), 'the result follows the trace');
});

t.test('--explain=fails: each failed expression, its source text; inside `not` the operand', async (t) => {
  const dir = policyDir(t, { 'p.rego': P, 'in.json': '{"user": "bob"}' });
  const r = await opa(['eval', '--explain', 'fails', '-f', 'pretty', '-d', join(dir, 'p.rego'), '-i', join(dir, 'in.json'), 'data.p.deny']);
  t.equal(r.code, 0, r.stderr);
  t.same(rows(r.stdout), [
    ['query:1', 'Enter data.p.deny = _'],
    ['p.rego:9', '| Enter data.p.deny'],
    ['p.rego:3', '| | Enter data.p.allow'],
    ['p.rego:5', '| | | Fail input.user == "alice"'],
    // the chain of Enter events is printed once (OPA's lineage.Filter forgets it after each kept event)
    ['p.rego:10', '| | Fail allow'],
  ]);
  const undef = await opa(['eval', '--explain=fails', '-f', 'pretty', '-d', join(dir, 'p.rego'), '-i', join(dir, 'in.json'), 'data.p.allow']);
  t.same(rows(undef.stdout).at(-1), ['query:1', '| Fail data.p.allow = _'], 'the query expression fails too');
  t.ok(undef.stdout.endsWith('undefined\n'));
});

t.test('--explain=full: Exit of the rule and of the query when they succeed', async (t) => {
  const dir = policyDir(t, { 'p.rego': P, 'in.json': '{"user": "alice", "roles": ["a", "b"]}' });
  const r = await opa(['eval', '--explain=full', '-f', 'pretty', '-d', join(dir, 'p.rego'), '-i', join(dir, 'in.json'), 'data.p.allow']);
  t.equal(r.code, 0, r.stderr);
  t.same(rows(r.stdout), [
    ['query:1', 'Enter data.p.allow = _'],
    ['p.rego:3', '| Enter data.p.allow'],
    ['p.rego:4', '| | Note "checking user"'],
    ['p.rego:3', '| | Exit data.p.allow'],
    ['query:1', '| Exit data.p.allow = _'],
  ]);
});

t.test('--format json: an explanation array of OPA Event objects beside the result; values prints no trace', async (t) => {
  const dir = policyDir(t, { 'p.rego': P });
  const r = await opa(['eval', '--explain=notes', '-d', join(dir, 'p.rego'), 'data.p.allow']);
  t.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { result?: unknown; explanation: Record<string, unknown>[] };
  t.notOk('result' in out, 'undefined: no result');
  t.same(
    out.explanation.map((e) => [e['Op'], e['Message'], e['QueryID'], e['ParentID']]),
    [
      ['Enter', '', 1, 0],
      ['Enter', '', 2, 1],
      ['Note', 'checking user', 2, 1],
    ],
  );
  t.same(out.explanation[2]!['Location'], { col: 2, file: join(dir, 'p.rego'), row: 4 });
  t.same(Object.keys(out.explanation[0]!), ['Node', 'Location', 'Locals', 'LocalMetadata', 'Ref', 'Op', 'Message', 'QueryID', 'ParentID']);
  const values = await opa(['eval', '--explain=notes', '-f', 'values', '-d', join(dir, 'p.rego'), 'data.p.allow']);
  t.equal(values.stdout, '', 'values: the result only (none)');
  const off = await opa(['eval', '-d', join(dir, 'p.rego'), 'data.p.allow']);
  t.equal(off.stdout, '{}\n', 'without --explain nothing is traced');
});

t.test('--explain takes off, full, notes, fails and debug only', async (t) => {
  const dir = policyDir(t, { 'p.rego': P });
  t.equal((await opa(['eval', '--explain=verbose', '-d', dir, 'data.p.allow'])).code, 2);
  t.equal((await opa(['eval', '--explain=debug', '-d', dir, 'data.p.allow'])).code, 0);
  t.equal((await opa(['eval', '--explain=off', '-d', dir, 'data.p.allow'])).stdout, '{}\n');
});

const at = (file: string, line: number): SourceLocation => ({ file, line, col: 1 });

t.test('filterTrace: notes and fails keep the Enter chain of each kept event once', async (t) => {
  const rec = createTraceRecorder();
  rec.enterQuery(at('<query>', 1), 'data.t.test_p = _');
  rec.enter(at('t.rego', 3), 'data.t.test_p');
  rec.note('first', at('t.rego', 4));
  rec.enter(at('t.rego', 7), 'data.t.q');
  rec.note('second', at('t.rego', 8));
  rec.fail(at('t.rego', 9));
  rec.leave();
  rec.fail(at('t.rego', 5));
  const ops = (es: TraceEvent[]) => es.map((e) => `${e.op} ${e.text || e.message || e.location.line}`);
  t.same(ops(filterTrace(rec.events, 'notes')), ['Enter data.t.test_p = _', 'Enter data.t.test_p', 'Note first', 'Enter data.t.q', 'Note second']);
  t.same(ops(filterTrace(rec.events, 'fails')), ['Enter data.t.test_p = _', 'Enter data.t.test_p', 'Enter data.t.q', 'Fail 9', 'Fail 5']);
  t.equal(filterTrace(rec.events, 'full').length, rec.events.length);
  const noteOnlyString = createTraceRecorder();
  noteOnlyString.note(1, at('t.rego', 1));
  t.equal(noteOnlyString.events.length, 0, 'trace() of a non-string is a type error, not a Note');
});

t.test('formatTracePretty: OPA table layout, query:row, long paths shortened with "..."', async (t) => {
  const rec = createTraceRecorder();
  rec.enterQuery(at('<query>', 1), 'data.p.r = _');
  rec.enter(at('p.rego', 3), 'data.p.r');
  rec.note('a "quoted"\tnote', at('p.rego', 4));
  t.equal(formatTracePretty(rec.events, () => ''), 'query:1      Enter data.p.r = _\np.rego:3     | Enter data.p.r\np.rego:4     | | Note "a \\"quoted\\"\\tnote"\n');
  const long = createTraceRecorder();
  const a = '/home/someone/projects/policies/very/deeply/nested/directory/tree/authz/a.rego';
  const b = '/home/someone/projects/policies/very/deeply/nested/directory/tree/authz/lib/b.rego';
  long.enterQuery(at('<query>', 1), 'data.a.r = _');
  long.enter(at(a, 3), 'data.a.r');
  long.enter(at(b, 12), 'data.lib.b');
  const text = formatTracePretty(long.events, () => '');
  t.match(text, /\.\.\./, 'the common directory part is replaced');
  // OPA's ideal width of the location column (maxIdealLocationWidth)
  t.ok(text.trimEnd().split('\n').every((l) => l.split(/ {5,}/)[0]!.length <= 64), text);
});

t.test('goQuote: Go strconv.Quote escapes', async (t) => {
  t.equal(goQuote('plain'), '"plain"');
  t.equal(goQuote('a\u0000b\u007fc'), '"a\\x00b\\x7fc"');
  t.equal(goQuote('ünï'), '"ünï"');
});

t.test('the trace hooks are generated only for a traced evaluator (the gateway never has them)', async (t) => {
  const plan = compileToPlan([{ file: 'p.rego', text: P }], { entrypoints: ['p/allow', 'p/deny'] });
  t.notMatch(generateJsSource(plan, defaultRegistry), /tracer/, 'untraced code has no hook');
  const plain = createJsEvaluator(plan);
  const traced = createJsEvaluator(plan, { trace: true });
  const input = { user: 'alice', roles: ['a', 'b'] };
  t.same(traced.evaluate('p/deny', input), plain.evaluate('p/deny', input), 'same results without a tracer');
  const rec = createTraceRecorder();
  t.same(traced.evaluate('p/allow', input, { tracer: rec }), [{ result: true }]);
  t.same(
    rec.events.map((e) => `${e.op}:${e.location.line}`),
    ['Enter:3', 'Note:4', 'Exit:3'],
  );
  const two = createTraceRecorder();
  traced.evaluate('p/allow', input, { tracer: two });
  traced.evaluate('p/allow', input, { tracer: two });
  t.same(two.events.map((e) => e.parentId), [0, 0, 0, 0, 0, 0], 'each evaluation\'s rule is entered from the top, not inside the last one');
  const quiet = createTraceRecorder();
  plain.evaluate('p/allow', input, { tracer: quiet });
  t.equal(quiet.events.length, 0, 'a tracer given to an untraced evaluator hears nothing');
});
