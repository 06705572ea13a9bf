/** strings, template strings, render_template and sprintf (Go fmt) behaviour. */
import t from 'tap';
import { call, j, set, throwsCode } from '../helpers.js';
import { parseJson } from '../../../../src/policy/value/index.js';

t.test('sprintf follows Go fmt over OPA-converted operands', (t) => {
  t.equal(call('sprintf', 'hi %s', ['there']), 'hi there');
  t.equal(call('sprintf', 'hi %02d', [5]), 'hi 05');
  t.equal(call('sprintf', 'hi %.2f', [3.1415]), 'hi 3.14');
  t.equal(call('sprintf', 'hi %s', [true]), 'hi true');
  t.equal(call('sprintf', 'hi %v', [['there', 5, 3.14]]), 'hi ["there", 5, 3.14]');
  t.equal(call('sprintf', '%v', [set(2, 1)]), '{1, 2}');
  t.equal(call('sprintf', '%v', [{ a: null }]), '{"a": null}');
  t.equal(call('sprintf', '%s', [123456789123456789123n]), '123456789123456789123');
  t.equal(call('sprintf', '%d', ['x']), '%!d(string=x)');
  t.equal(call('sprintf', '%s', [5]), '%!s(int=5)');
  t.equal(call('sprintf', '%d', [1.5]), '%!d(float64=1.5)');
  t.equal(call('sprintf', '%d %d', [1]), '1 %!d(MISSING)');
  t.equal(call('sprintf', 'x', [1, 'a']), 'x%!(EXTRA int=1, string=a)');
  t.equal(call('sprintf', '%5s|%-5s|%.2s', ['ab', 'cd', 'xyz']), '   ab|cd   |xy');
  t.equal(call('sprintf', '%x %X %o %b %#x', [255, 255, 8, 5, 255]), 'ff FF 10 101 0xff');
  t.equal(call('sprintf', '%+d % d %08.3f', [5, 5, -3.14159]), '+5  5 -003.142');
  t.equal(call('sprintf', '%e %E %g', [1234.5678, 0.000123, 1e-7]), '1.234568e+03 1.230000E-04 1e-07');
  t.equal(call('sprintf', '%v %v %v', [1234567.5, 0.00001, 123456.5]), '1.2345675e+06 1e-05 123456.5');
  t.equal(call('sprintf', '%q %q', ['a"b\n', 65]), '"a\\"b\\n" \'A\'');
  t.equal(call('sprintf', '%x', ['hi']), '6869');
  // %q of an integer is Go's strconv.QuoteRune: control and unprintable runes escaped, the quote and backslash too
  t.equal(call('sprintf', '%q|%q|%q|%q|%q', [1, 10, 39, 92, 34]), "'\\x01'|'\\n'|'\\''|'\\\\'|'\"'");
  t.equal(call('sprintf', '%q|%q|%q', [0x7f, 0x85, 0xd800]), "'\\x7f'|'\\u0085'|'\ufffd'"); // a surrogate is not a rune: RuneError, printable
  // OPA hands booleans to fmt as their Rego text, so %t sees a string.
  t.equal(call('sprintf', '%t %t', [true, 1]), '%!t(string=true) %!t(int=1)');
  t.equal(call('sprintf', '100%%', []), '100%');
  t.equal(call('sprintf', '%c%c', [72, 0x1f600]), 'H😀');
  t.equal(call('sprintf', '%*d|%-*d', [4, 7, 3, 8]), '   7|8  ');
  throwsCode(t, () => call('sprintf', '%s', 'x'), 'REGO_ERR_BUILTIN_TYPE', 'operand 2 must be array but got string');
  t.equal(j(call('sprintf', '%v', [null])), '"null"');
  t.end();
});

// Go's doPrintf: `[n]` picks the operand (one-based) for the verb, a `*` width or precision; a
// bad index is %!v(BADINDEX); once the format reorders, surplus operands are not reported.
t.test('sprintf: explicit operand indexes as Go fmt', (t) => {
  t.equal(call('sprintf', '%[2]d %[1]d', [1, 2]), '2 1');
  t.equal(call('sprintf', '%[1]s-%[1]s', ['a', 'b']), 'a-a');
  t.equal(call('sprintf', '%[2]*[1]d|', [12, 5]), '   12|');
  t.equal(call('sprintf', '%[1]d %d', [1, 2]), '1 2');
  t.equal(call('sprintf', '%[3]d', [1, 2]), '%!d(BADINDEX)');
  t.equal(call('sprintf', '%[0]s', ['a']), '%!s(BADINDEX)');
  t.equal(call('sprintf', '%[1]5d', [1]), '%!d(BADINDEX)');
  t.equal(call('sprintf', '%d', [1, 2]), '1%!(EXTRA int=2)');
  t.end();
});

// %v of a float64 is %g, so a precision applies to it as to %g.
t.test('sprintf: %v with a precision on a float', (t) => {
  t.equal(call('sprintf', '%6.2v|%.3v', [3.14159, 1234.5]), '   3.1|1.23e+03');
  t.end();
});

// OPA hands sprintf a composite operand as its Term.String(), whose strings are quoted with Go's
// strconv.Quote: \x01 for an ASCII control, \u2028 for a non-printable code point.
t.test('sprintf: strings inside composites are quoted as Go strconv.Quote', (t) => {
  t.equal(call('sprintf', '%v', [['é\u2028\u0001\t"']]), '["é\\u2028\\x01\\t\\""]');
  t.equal(call('sprintf', '%v', [{ 'k\u007f': 1 }]), '{"k\\x7f": 1}');
  t.end();
});

// strconv rounds from the exact decimal value of the double, an exact tie to even (JS toFixed and
// toExponential round a tie up): %.0f of 2.5 is "2", %.1f of 0.25 is "0.2"
t.test('sprintf: float precision rounds half to even on the exact value, as strconv', (t) => {
  t.equal(call('sprintf', '%.0f %.0f %.0f %.0f %.0f', [0.5, 1.5, 2.5, 3.5, -2.5]), '0 2 2 4 -2');
  t.equal(call('sprintf', '%.1f %.1f %.2f %.2f %.1f', [0.25, 0.35, 1.005, 1.125, 0.05]), '0.2 0.3 1.00 1.12 0.1');
  t.equal(call('sprintf', '%.2f %.3f %.1f %.3f', [99.995, 0.0005, 9.96, -0.0005]), '100.00 0.001 10.0 -0.001');
  t.equal(call('sprintf', '%.20f', [0.1]), '0.10000000000000000555');
  t.equal(call('sprintf', '%.0e %.0e %.1e %.2e %e', [1.5, 2.5, 2.25, 9.995, 123456.789]), '2e+00 2e+00 2.2e+00 9.99e+00 1.234568e+05');
  t.equal(call('sprintf', '%.2g %.1g %.2g', [2.25, 0.05, 0.000125]), '2.2 0.05 0.00013');
  t.equal(call('sprintf', '%8.3f|%-8.2f|%08.2f|%+.1f', [3.14159, 2.5, -1.25, 0.05]), '   3.142|2.50    |-0001.25|+0.1');
  t.end();
});

// fmt prints a float64 for %b (strconv 'b') and %x/%X (hex mantissa, binary exponent) too
t.test('sprintf: %b and %x/%X of a float64', (t) => {
  t.equal(call('sprintf', '%x %X %x %x', [1.5, 1.5, 0.1, -2.5]), '0x1.8p+00 0X1.8P+00 0x1.999999999999ap-04 -0x1.4p+01');
  t.equal(call('sprintf', '%.0x %.1x %.3x', [1.5, 1.03125, 0.1]), '0x1p+01 0x1.0p+00 0x1.99ap-04');
  t.equal(call('sprintf', '%b %b %b', [1.5, 0.1, 5e-324]), '6755399441055744p-52 7205759403792794p-56 1p-1074');
  t.equal(call('sprintf', '%+x|%-12x|', [1.5, 2.5]), '+0x1.8p+00|0x1.4p+01   |');
  t.end();
});

// *big.Int has its own Format: an unknown verb is reported as big.Int (no pointer star)
t.test('sprintf: bad verbs on a *big.Int', (t) => {
  t.equal(call('sprintf', '%f %e %q %c %B', [100000000000000000000n, 100000000000000000000n, 100000000000000000000n, 100000000000000000000n, 100000000000000000000n]), '%!f(big.Int=100000000000000000000) %!e(big.Int=100000000000000000000) %!q(big.Int=100000000000000000000) %!c(big.Int=100000000000000000000) %!B(big.Int=100000000000000000000)');
  t.equal(call('sprintf', '%x %O %#x', [100000000000000000000n, 100000000000000000000n, 100000000000000000000n]), '56bc75e2d63100000 0o12657072742654304000000 0x56bc75e2d63100000');
  t.equal(call('sprintf', 'x', [100000000000000000000n]), 'x%!(EXTRA *big.Int=100000000000000000000)');
  t.end();
});

// a bad-verb report prints the float64 with its sign; json.Number("-0.0") is a negative zero
t.test('sprintf: negative floats keep their sign everywhere', (t) => {
  t.equal(call('sprintf', '%d %t', [-1.5, parseJson('-2.0')]), '%!d(float64=-1.5) %!t(float64=-2)');
  t.equal(call('sprintf', '%v %f %d', [parseJson('-0.0'), parseJson('-0.0'), parseJson('-0.0')]), '-0 -0.000000 %!d(float64=-0)');
  t.equal(call('sprintf', '%v %d', [parseJson('-0'), parseJson('-0')]), '0 0');
  t.end();
});

// fmt's rune and quoting verbs: %U formats uint64(n) ('#' adds the rune), %c of a surrogate is
// U+FFFD, %+q is QuoteToASCII, %#v of a string is Go syntax, a precision on %x limits the bytes
t.test('sprintf: rune, quoting and byte-precision verbs as fmt', (t) => {
  t.equal(call('sprintf', '%U %U %#U %.6U', [-1, 1114112, 128512, 65]), "U+FFFFFFFFFFFFFFFF U+110000 U+1F600 '😀' U+000041");
  t.equal(call('sprintf', '%c|%c|%c', [-1, 1114112, 55296]), '\ufffd|\ufffd|\ufffd');
  t.equal(call('sprintf', '%+q %+q', ['é😀', 233]), '"\\u00e9\\U0001f600" \'\\u00e9\'');
  t.equal(call('sprintf', '%#q %#q', ['a`b', 'ab']), '"a`b" `ab`');
  t.equal(call('sprintf', '%#v %#s %#d', ['a', 'b', 5]), '"a" b 5');
  t.equal(call('sprintf', '%.1x|%.2X|% .2x', ['abc', 'abc', 'abc']), '61|6162|61 62');
  t.end();
});
