/**
 * Go `time` layout engine (src/policy/builtins/time/go-time.ts): examples from Go's time package documentation
 * and round-trips over the int64 nanosecond range.
 */
import t from 'tap';
import { formatGoTime, GO_LAYOUTS, loadZone, parseGoDuration, parseGoTime, UTC } from '../../../../src/policy/builtins/time/go-time.js';

// 2006-01-02T15:04:05.123456789-07:00, Go's reference time with nanoseconds.
const REF = 1136239445123456789n;

t.test('formats the reference time in every named layout', (t) => {
  const mst = { name: '', fixed: { offset: -7 * 3600, abbr: 'MST' } };
  const at = { ns: REF, zone: mst };
  t.equal(formatGoTime(at, GO_LAYOUTS.ANSIC as string), 'Mon Jan  2 15:04:05 2006');
  t.equal(formatGoTime(at, GO_LAYOUTS.UnixDate as string), 'Mon Jan  2 15:04:05 MST 2006');
  t.equal(formatGoTime(at, GO_LAYOUTS.RubyDate as string), 'Mon Jan 02 15:04:05 -0700 2006');
  t.equal(formatGoTime(at, GO_LAYOUTS.RFC822 as string), '02 Jan 06 15:04 MST');
  t.equal(formatGoTime(at, GO_LAYOUTS.RFC850 as string), 'Monday, 02-Jan-06 15:04:05 MST');
  t.equal(formatGoTime(at, GO_LAYOUTS.RFC1123Z as string), 'Mon, 02 Jan 2006 15:04:05 -0700');
  t.equal(formatGoTime(at, GO_LAYOUTS.RFC3339 as string), '2006-01-02T15:04:05-07:00');
  t.equal(formatGoTime(at, GO_LAYOUTS.RFC3339Nano as string), '2006-01-02T15:04:05.123456789-07:00');
  t.equal(formatGoTime(at, '3:04PM .000 ,999999 __2 002 Z07'), '3:04PM .123 ,123456   2 002 -07');
  t.equal(formatGoTime({ ns: 0n, zone: UTC }, '2006-01-02T15:04:05.999Z07:00'), '1970-01-01T00:00:00Z', 'trailing-zero fraction omitted');
  t.end();
});

t.test('parses what it formats', (t) => {
  for (const name of Object.keys(GO_LAYOUTS)) {
    if (name === 'RFC822' || name === 'RFC822Z') continue; // minute precision
    const layout = GO_LAYOUTS[name] as string;
    const text = formatGoTime({ ns: 1_700_000_000_000_000_000n, zone: UTC }, layout);
    t.equal(parseGoTime(layout, text), 1_700_000_000_000_000_000n, `${name}: ${text}`);
  }
  t.equal(parseGoTime('2006-01-02 15:04:05', '2013-02-03 19:54:00'), 1359921240000000000n);
  t.equal(parseGoTime('Jan 2, 2006 at 3:04pm (MST)', 'Feb 3, 2013 at 7:54pm (PST)'), 1359921240000000000n, 'unknown abbreviation: zero offset');
  t.equal(parseGoTime('2006-01-02T15:04:05Z07:00', '2006-01-02T15:04:05.5+07:00'), 1136189045500000000n, 'fraction without layout digits');
  t.throws(() => parseGoTime('2006-01-02', '2006-02-30'), /day out of range/);
  t.throws(() => parseGoTime('15:04', '25:00'), /hour out of range/);
  t.throws(() => parseGoTime('2006', '2006 extra'), /extra text/);
  t.end();
});

t.test('zones come from the IANA database', (t) => {
  const ny = loadZone('America/New_York');
  t.equal(formatGoTime({ ns: 1_700_000_000_000_000_000n, zone: ny }, '2006-01-02 15:04 -0700 MST'), '2023-11-14 17:13 -0500 EST');
  t.equal(formatGoTime({ ns: 1_690_000_000_000_000_000n, zone: ny }, '15:04 -07:00'), '00:26 -04:00', 'daylight saving');
  t.throws(() => loadZone('Mars/Olympus_Mons'), /unknown time zone/);
  t.end();
});

t.test('durations', (t) => {
  t.equal(parseGoDuration('1h2m3s4ms5us6ns'), 3723004005006n);
  t.equal(parseGoDuration('.5s'), 500000000n);
  t.equal(parseGoDuration('+2562047h47m16.854775807s'), 9223372036854775807n);
  t.throws(() => parseGoDuration('2562048h'), /invalid duration/);
  t.throws(() => parseGoDuration(''), /invalid duration/);
  t.throws(() => parseGoDuration('.s'), /invalid duration/);
  t.end();
});

t.test('zone abbreviations follow tzdata', (t) => {
  const at = (z: string, ns: bigint) => formatGoTime({ ns, zone: loadZone(z) }, 'MST');
  t.equal(at('Europe/Paris', 1_690_000_000_000_000_000n), 'CEST');
  t.equal(at('Europe/Paris', 1_700_000_000_000_000_000n), 'CET');
  t.equal(at('Asia/Tokyo', 1_700_000_000_000_000_000n), 'JST');
  t.equal(at('Asia/Kolkata', 1_700_000_000_000_000_000n), 'IST');
  t.equal(at('America/Sao_Paulo', 1_700_000_000_000_000_000n), '-03', 'no letters in tzdata: numeric');
  t.end();
});
