/**
 * Boundary cases read off OPA's Go implementation (v1/topdown/*.go and the Go library calls
 * they make), one table per family, run on both back ends in one policy each: what a value is,
 * and whether a bad operand is undefined (and, under strict-builtin-errors, which error).
 * Issue #16, builtins audit; each expected value is the Go function's documented result.
 */
import t from 'tap';
import { compileToPlan } from '../../../../src/policy/compiler/index.js';
import { createEvaluator } from '../../../../src/policy/index.js';
import { RegoError } from '../../../../src/policy/errors.js';
import { stringifyJson, type PlainObject } from '../../../../src/policy/value/index.js';

/** [Rego expression, JSON text of its value] */
const VALUES: [string, string][] = [
  // strings.go works on runes for substring/indexof, bytes for the rest; Go's case mapping is
  // the simple one (unicode.ToUpper), not JS's SpecialCasing.
  ['substring("héllo", 1, 2)', '"él"'],
  ['substring("abc", 1, -1)', '"bc"'],
  ['substring("abc", 5, 1)', '""'],
  ['indexof("héllo", "l")', '2'],
  ['indexof_n("aaa", "aa")', '[0,1]'],
  ['strings.reverse("héllo🙂")', '"🙂olléh"'],
  ['upper("ß")', '"ß"'],
  ['lower("İ")', '"i"'],
  ['lower("ΑΣ")', '"ασ"'],
  ['upper("ǆ")', '"Ǆ"'],
  ['strings.count("🙂🙂", "")', '3'],
  ['split("🙂a", "")', '["🙂","a"]'],
  ['replace("aaa", "", "x")', '"xaxaxax"'],
  ['trim_right("abcbb", "bc")', '"a"'],
  ['format_int(-3.99, 16)', '"-3"'],
  // format_int goes through a 64-bit-mantissa big.Float (builtins.NumberToFloat), not a float64
  ['format_int(1e30, 10)', '"1000000000000000000024696061952"'],
  // sprintf: Go's fmt on int / big.Int / float64 / string arguments
  ['sprintf("%d %d", [1])', '"1 %!d(MISSING)"'],
  ['sprintf("%d", [1, 2])', '"1%!(EXTRA int=2)"'],
  ['sprintf("%t", [true])', '"%!t(string=true)"'],
  ['sprintf("%v", [123456789012.5])', '"1.234567890125e+11"'],
  ['sprintf("%x", [12345678901234567890])', '"ab54a98ceb1f0ad2"'],
  ['sprintf("%d", [1e400])', '"%!d(string=1e400)"'],
  ['sprintf("%#q", ["a`b"])', '"\\"a`b\\""'],
  ['sprintf("%.0f", [2.5])', '"2"'],
  // arithmetic.go: integers exact, division by a divisor of the dividend stays an integer
  ['round(-2.5)', '-3'],
  ['-5 % 3', '-2'],
  ['10000000000000000000000 * 3', '30000000000000000000000'],
  ['12345678901234567890 / 10', '1234567890123456789'],
  ['0.1 + 0.2 == 0.3', 'true'],
  ['numbers.range_step(10, 1, 3)', '[10,7,4,1]'],
  ['bits.lsh(1, 64)', '18446744073709551616'],
  ['bits.and(-5, 3)', '3'],
  // to_number keeps the string's text as the number (ast.Number(s))
  ['to_number("1.10")', '1.10'],
  ['to_number(".5e1")', '5'],
  ['to_number("0x1p3")', '8'],
  // time.go: Go layouts, time zones, icza's diff
  ['time.parse_ns("2006-01-02 MST", "2017-06-02 GMT+3")', '1496350800000000000'],
  ['time.parse_ns("06-01-02", "69-06-02")', '-18403200000000000'],
  ['time.parse_rfc3339_ns("2017-06-02T10:00:00,5Z")', '1496397600500000000'],
  ['time.format([0, "UTC", ".999 ,000 .9"])', '" ,000 "'],
  ['time.format([1500000000000000000, "America/New_York", "MST Z07:00:00 -070000"])', '"EDT -04:00:00 -040000"'],
  ['time.weekday([0, "America/Los_Angeles"])', '"Wednesday"'],
  ['time.diff(1600000000000000000, 1500000000000000000)', '[3,1,30,9,46,40]'],
  ['time.parse_duration_ns("-.5h")', '-1800000000000'],
  // regex.go over RE2: byte positions, empty matches, Expand's ${name}
  ['regex.split("a*", "baaac")', '["b","c"]'],
  ['regex.find_n("x*", "héllo", -1)', '["","","","","",""]'],
  ['regex.replace("abc", "b", "$1x")', '"ac"'],
  ['regex.replace("abc", "(?P<x>b)", "${x}X")', '"abXc"'],
  ['regex.match("\\\\d", "٣")', 'false'],
  // glob.go (gobwas/glob): [!…] negates, [^…] is literal
  ['glob.match("[!a]b", [], "cb")', 'true'],
  ['glob.match("[^a]b", [], "cb")', 'false'],
  ['glob.match("*.github.com", ["."], "api.cdn.github.com")', 'false'],
  // semver (internal/semver.Parse): one leading v dropped, + then - cut off
  ['semver.is_valid("1.0.0-")', 'true'],
  ['semver.compare("1.0.0-a.b", "1.0.0-a")', '1'],
  // encoding
  ['base64url.decode("Pz8-Pg")', '"??>>"'],
  ['urlquery.encode("a b&c=d/é~")', '"a+b%26c%3Dd%2F%C3%A9~"'],
  ['urlquery.decode_object("a=1&b=2&a=3&c")', '{"a":["1","3"],"b":["2"],"c":[""]}'],
  ['json.unmarshal("{\\"a\\": 1.50}")', '{"a":1.50}'],
  ['yaml.unmarshal("c: yes\\nd: 0x10")', '{"c":true,"d":16}'],
  // net (cidr.go)
  ['net.cidr_merge(["192.0.2.1", "192.0.2.0"])', '["192.0.2.0/24"]'],
  ['net.cidr_expand("192.168.0.1/31")', '["192.168.0.0","192.168.0.1"]'],
  ['net.cidr_contains("10.0.0.0/8", "::ffff:10.1.2.3")', 'true'],
];

/** [Rego expression, error code under strict-builtin-errors, message fragment] — undefined otherwise */
const ERRORS: [string, string, string][] = [
  ['substring("abc", -1, 1)', 'REGO_ERR_BUILTIN', 'negative offset'],
  ['indexof("abc", "")', 'REGO_ERR_BUILTIN', 'empty search character'],
  ['format_int(15, 3)', 'REGO_ERR_BUILTIN_TYPE', 'operand 2 must be one of {2, 8, 10, 16}'],
  ['to_number("Inf")', 'REGO_ERR_BUILTIN_TYPE', 'valid number string'],
  ['to_number(" 1")', 'REGO_ERR_BUILTIN', 'invalid syntax'],
  ['1 % 0', 'REGO_ERR_BUILTIN', 'modulo by zero'],
  ['5 % 1.5', 'REGO_ERR_BUILTIN', 'modulo on floating-point number'],
  ['array.slice([1, 2, 3], 1.5, 2)', 'REGO_ERR_BUILTIN_TYPE', 'must be integer number but got floating-point number'],
  ['time.add_date(0, 300, 0, 0)', 'REGO_ERR_BUILTIN', 'time outside of valid range'],
  ['time.parse_ns("2006-01-02", "2017-06-02 ")', 'REGO_ERR_BUILTIN', 'extra text'],
  ['time.parse_duration_ns("1d")', 'REGO_ERR_BUILTIN', 'unknown unit'],
  ['regex.match("a{1001}", "a")', 'REGO_ERR_BUILTIN', 'invalid repeat count'],
  ['hex.decode("c3a")', 'REGO_ERR_BUILTIN', 'odd length hex string'],
  ['base64.decode("aGVsbG8")', 'REGO_ERR_BUILTIN', 'illegal base64 data at input byte 7'],
  ['urlquery.decode_object("a=1;b=2")', 'REGO_ERR_BUILTIN', 'invalid semicolon separator in query'],
  ['semver.compare("1.0", "1.0.0")', 'REGO_ERR_BUILTIN', 'is not a valid SemVer'],
  ['units.parse_bytes("1 k")', 'REGO_ERR_BUILTIN', 'spaces not allowed in resource strings'],
];

function policyOf(exprs: string[]): string {
  return `package s\n\n${exprs.map((e, i) => `r${i} := x if { x := ${e} }`).join('\n')}\n`;
}

for (const engine of ['js', 'wasm'] as const) {
  t.test(`${engine}: values`, async (t) => {
    const text = policyOf(VALUES.map((v) => v[0]));
    const policy = compileToPlan([{ file: 's.rego', text }], { query: 'x = data.s' });
    const ev = await createEvaluator(policy, { engine });
    const [res] = ev.evaluate('eval', undefined, { nowNs: 0n });
    const got = (res as PlainObject).x as PlainObject;
    VALUES.forEach(([expr, want], i) => {
      const v = got[`r${i}`];
      t.equal(v === undefined ? undefined : stringifyJson(v), want, expr);
    });
  });

  t.test(`${engine}: errors are undefined, or raised with strict-builtin-errors`, async (t) => {
    for (const [expr, code, fragment] of ERRORS) {
      const policy = compileToPlan([{ file: 's.rego', text: policyOf([expr]) }], { query: 'x = data.s.r0' });
      const ev = await createEvaluator(policy, { engine });
      t.same(ev.evaluate('eval', undefined), [], `${expr} undefined`);
      try {
        ev.evaluate('eval', undefined, { strictBuiltinErrors: true });
        t.fail(`${expr}: expected ${code}`);
      } catch (e) {
        if (!(e instanceof RegoError)) throw e;
        t.equal(e.code, code, expr);
        t.ok(e.message.includes(fragment), `${expr}: ${e.message}`);
      }
    }
  });
}
