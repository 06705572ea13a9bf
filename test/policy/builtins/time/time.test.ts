/**
 * time.* with values from OPA's cases (cases/v1/time) and Go's documented layout behaviour.
 */
import t from 'tap';
import { call, makeCtx, runCallCases } from '../corpus-helpers.js';

const err = (f: () => unknown, code: string, message?: string) => {
  try {
    f();
  } catch (e) {
    const x = e as { code: string; message: string };
    return x.code === code && (message === undefined || x.message.includes(message));
  }
  return false;
};

t.test('single-call corpus cases', (t) => {
  const n = runCallCases(t, ['time'], {
    'time.parse_ns': 2,
    'time.parse_rfc3339_ns': 1,
    'time.parse_duration_ns': 1,
    'time.weekday': 1,
    'time.add_date': 4,
    'time.format': 1,
    'time.date': 1,
  });
  t.ok(n >= 15, `recognised ${n}`);
  t.end();
});

t.test('time.parse_ns layouts (time/parse_nanos)', (t) => {
  const cases: [string, string, bigint | number][] = [
    ['2006-01-02T15:04:05Z07:00', '2017-06-02T19:00:00-07:00', 1496455200000000000n],
    ['2006-01-02T15:04:05Z07:00', '1677-09-21T00:12:43.145224192-00:00', -9223372036854775808n],
    ['2006-01-02T15:04:05Z07:00', '2262-04-11T23:47:16.854775807-00:00', 9223372036854775807n],
    ["01/02 03:04:05PM '06 -0700", "06/02 07:00:00PM '17 -0700", 1496455200000000000n],
    ['02 Jan 06 15:04 -0700', '02 Jun 17 19:00 -0700', 1496455200000000000n],
    ['RFC822Z', '02 Jun 17 19:00 -0700', 1496455200000000000n],
    ['2006-01-02', '2020-02-29', 1582934400000000000n],
    ['Jan _2 2006 3:04pm', 'Feb  3 2013 11:30pm', 1359934200000000000n],
    ['RFC1123', 'Mon, 02 Jan 2006 15:04:05 UTC', 1136214245000000000n],
  ];
  for (const [l, v, want] of cases) t.equal(call('time.parse_ns', [l, v]), want, `${l} ${v}`);
  t.ok(err(() => call('time.parse_ns', ['2006-01-02T15:04:05Z07:00', '1677-09-21T00:12:43.145224191-00:00']), 'REGO_ERR_BUILTIN', 'time outside of valid range'));
  t.ok(err(() => call('time.parse_ns', ['2006-01-02', '2021-02-29']), 'REGO_ERR_BUILTIN', 'day out of range'));
  t.ok(err(() => call('time.parse_ns', ['2006-01-02', 'x']), 'REGO_ERR_BUILTIN', 'cannot parse'));
  t.ok(err(() => call('time.parse_ns', [1, 'x']), 'REGO_ERR_BUILTIN_TYPE'));
  t.end();
});

t.test('time.parse_rfc3339_ns', (t) => {
  t.equal(call('time.parse_rfc3339_ns', ['1970-01-01T00:00:00-00:00']), 0);
  t.equal(call('time.parse_rfc3339_ns', ['2017-06-02T19:00:00-07:00']), 1496455200000000000n);
  t.equal(call('time.parse_rfc3339_ns', ['2262-04-11T23:47:16.854775807-00:00']), 9223372036854775807n);
  t.ok(err(() => call('time.parse_rfc3339_ns', ['2262-04-11T23:47:16.854775808-00:00']), 'REGO_ERR_BUILTIN', 'time outside of valid range'));
  t.end();
});

t.test('time.parse_duration_ns (Go durations)', (t) => {
  t.equal(call('time.parse_duration_ns', ['100ms']), 100000000);
  t.equal(call('time.parse_duration_ns', ['1h15m30.5s']), 4530500000000);
  t.equal(call('time.parse_duration_ns', ['-1.5h']), -5400000000000);
  t.equal(call('time.parse_duration_ns', ['3µs']), 3000);
  t.equal(call('time.parse_duration_ns', ['0']), 0);
  t.ok(err(() => call('time.parse_duration_ns', ['1']), 'REGO_ERR_BUILTIN', 'missing unit'));
  t.ok(err(() => call('time.parse_duration_ns', ['1y']), 'REGO_ERR_BUILTIN', 'unknown unit'));
  t.end();
});

t.test('time.date / clock / weekday with zones', (t) => {
  t.same(call('time.date', [1517814000n * 1000000000n]), [2018, 2, 5]);
  t.same(call('time.date', [[1517814000000000000n, 'America/Los_Angeles']]), [2018, 2, 4]);
  t.same(call('time.date', [[1517832000000000000n, '']]), [2018, 2, 5]);
  t.same(call('time.date', [1582977600000000000n]), [2020, 2, 29]);
  t.ok(err(() => call('time.date', [1582977600 * 1e12]), 'REGO_ERR_BUILTIN', 'timestamp too big'));
  t.same(call('time.clock', [1517832000000000000n]), [12, 0, 0]);
  t.same(call('time.clock', [[1517832000000000000n, 'America/New_York']]), [7, 0, 0]);
  const days = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
  days.forEach((d, i) => t.equal(call('time.weekday', [1517832000000000000n + BigInt(i) * 86400000000000n]), d));
  t.ok(err(() => call('time.date', [[0, 'Not/AZone']]), 'REGO_ERR_BUILTIN', 'unknown time zone'));
  t.ok(err(() => call('time.date', ['x']), 'REGO_ERR_BUILTIN_TYPE'));
  t.end();
});

t.test('time.add_date', (t) => {
  t.equal(call('time.add_date', [1585852421593912000n, 3, 9, 12]), 1705257221593912000n);
  t.equal(call('time.add_date', [1585852421593912000n, -1, -1, -1]), 1551465221593912000n);
  t.ok(err(() => call('time.add_date', [0, 2262, 1, 1]), 'REGO_ERR_BUILTIN', 'time outside of valid range'));
  t.ok(err(() => call('time.add_date', [-9223372036854775808n, 0, 0, -1]), 'REGO_ERR_BUILTIN', 'time outside of valid range'));
  // Go normalises: Jan 31 + 1 month = Mar 3 (2021).
  t.same(call('time.date', [call('time.add_date', [call('time.parse_ns', ['2006-01-02', '2021-01-31']), 0, 1, 0])]), [2021, 3, 3]);
  t.end();
});

t.test('time.diff (time/diff)', (t) => {
  const now = 1_700_000_000_000_000_000n;
  const p = (s: string) => call('time.parse_ns', ['2006-01-02', s]);
  t.same(call('time.diff', [now + 61_000_000_000n, now]), [0, 0, 0, 0, 1, 1]);
  t.same(call('time.diff', [[now + 60_000_000_000n, 'UTC'], [now, 'Asia/Shanghai']]), [0, 0, 0, 0, 1, 0]);
  t.same(call('time.diff', [p('2020-02-02'), p('2020-03-01')]), [0, 0, 28, 0, 0, 0]);
  t.same(call('time.diff', [p('2021-02-02'), p('2021-03-01')]), [0, 0, 27, 0, 0, 0]);
  t.same(call('time.diff', [p('2004-02-29'), p('2005-03-01')]), [1, 0, 1, 0, 0, 0]);
  t.end();
});

t.test('time.format (time/format)', (t) => {
  const ns = 1670006453141828752n;
  t.equal(call('time.format', [ns]), '2022-12-02T18:40:53.141828752Z');
  t.equal(call('time.format', [[ns, 'Asia/Kolkata']]), '2022-12-03T00:10:53.141828752+05:30');
  t.equal(call('time.format', [[ns, 'Asia/Kolkata', 'Mon Jan 02 15:04:05 -0700 2006']]), 'Sat Dec 03 00:10:53 +0530 2022');
  t.equal(call('time.format', [[ns, 'Asia/Kolkata', 'RFC1123Z']]), 'Sat, 03 Dec 2022 00:10:53 +0530');
  t.equal(call('time.format', [[0, 'UTC', 'Mon Jan _2 3:04:05.000 PM 2006 MST']]), 'Thu Jan  1 12:00:00.000 AM 1970 UTC');
  t.ok(err(() => call('time.format', [1582977600 * 10e12]), 'REGO_ERR_BUILTIN', 'timestamp too big'));
  t.end();
});

t.test('time.now_ns is the evaluation clock', (t) => {
  const ctx = makeCtx({ nowNs: 1234n });
  t.equal(call('time.now_ns', [], ctx), 1234);
  t.equal(call('time.now_ns', [], ctx), 1234);
  t.end();
});

// OPA reads the counts with builtins.IntOperand: a fraction is an operand (type) error, which
// is raised even without strict-builtin-errors.
t.test('time.add_date: a fractional count is a type error', (t) => {
  t.ok(err(() => call('time.add_date', [0, 0, 0, 0.5]), 'REGO_ERR_BUILTIN_TYPE', 'operand 4 must be integer number but got floating-point number'));
  t.ok(err(() => call('time.add_date', [0, 1.5, 0, 0]), 'REGO_ERR_BUILTIN_TYPE', 'operand 2 must be integer number'));
  t.end();
});

// Go's time.LoadLocation looks a name up as a zoneinfo file: names with `..` or a leading slash
// are refused outright, and what Intl also accepts (offsets, another letter case) is unknown.
t.test('time zones are looked up as Go does', (t) => {
  t.ok(err(() => call('time.format', [[0, '../etc/passwd']]), 'REGO_ERR_BUILTIN', 'time.format: time: invalid location name'));
  t.ok(err(() => call('time.date', [[0, '/etc/localtime']]), 'REGO_ERR_BUILTIN', 'time: invalid location name'));
  t.ok(err(() => call('time.format', [[0, 'america/new_york']]), 'REGO_ERR_BUILTIN', 'unknown time zone america/new_york'));
  t.ok(err(() => call('time.format', [[0, '+01:00']]), 'REGO_ERR_BUILTIN', 'unknown time zone +01:00'));
  t.equal(call('time.format', [[0, 'US/Eastern', 'MST -07:00']]), 'EST -05:00');
  t.equal(call('time.format', [[0, 'GMT', 'MST']]), 'GMT');
  t.end();
});

// time.Parse names the part of a zone offset that is out of range (each tested with >).
t.test('zone offsets out of range', (t) => {
  t.ok(err(() => call('time.parse_rfc3339_ns', ['2020-01-01T00:00:00+25:00']), 'REGO_ERR_BUILTIN', 'parsing time "2020-01-01T00:00:00+25:00": time zone offset hour out of range'));
  t.ok(err(() => call('time.parse_rfc3339_ns', ['2020-01-01T00:00:00+01:61']), 'REGO_ERR_BUILTIN', 'time zone offset minute out of range'));
  t.equal(String(call('time.parse_rfc3339_ns', ['2020-01-01T00:00:00+24:00'])), '1577750400000000000');
  t.end();
});
