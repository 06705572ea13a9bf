/**
 * Raw bytes (a non-UTF-8 byte, value/go-bytes.ts) where Go reads them as runes (issue #16):
 * - strings.reverse is OPA's reverseString: a buffer of len(s) bytes, each decoded rune
 *   utf8.EncodeRune'd at (len - end of rune). An invalid byte decodes as U+FFFD of width 1 and
 *   encodes as 3 bytes (EF BF BD): they overwrite the next two bytes already placed (the runes
 *   before it in s), and with fewer than 3 bytes of room (the byte is among the first two of s)
 *   EncodeRune's bounds check panics — a builtin error, so undefined.
 * - Go's regexp matches an invalid byte as U+FFFD, width 1; what it returns is cut from the
 *   original bytes.
 * Run on both back ends.
 */
import t from 'tap';
import { compileToPlan } from '../../../../src/policy/compiler/index.js';
import { createEvaluator } from '../../../../src/policy/index.js';
import { stringifyJson } from '../../../../src/policy/value/index.js';

const MOD = `package b

r := [
	# "ab\\xff" (3 bytes): a -> buf[2], b -> buf[1], then U+FFFD at buf[0:3] covers both.
	hex.encode(strings.reverse(hex.decode("6162ff"))),
	# "abc\\xff": c -> buf[1], U+FFFD at buf[0:3] covers c and b; a stays at buf[3].
	hex.encode(strings.reverse(hex.decode("616263ff"))),
	# "ab\\xffc": U+FFFD at buf[1:4] covers b and a; c then goes to buf[0].
	hex.encode(strings.reverse(hex.decode("6162ff63"))),
	# é (c3 a9) lands at buf[3:5]; the U+FFFD of the last byte covers b and a at buf[0:3].
	hex.encode(strings.reverse(hex.decode("c3a96162ff"))),
	# Valid UTF-8 reverses by runes.
	strings.reverse("héllo"),
	regex.match("\\ufffd", hex.decode("61ff62")),
	regex.match("^a.b$", hex.decode("61ff62")),
	regex.match("^a\\\\x{fffd}b$", hex.decode("61ff62")),
	# What matched is the byte itself, not U+FFFD.
	hex.encode(regex.find_n("[^a-z]", hex.decode("61ff62"), -1)[0]),
	[hex.encode(s) | some s in regex.find_all_string_submatch_n("a(.)b", hex.decode("61ff62"), -1)[0]],
	regex.split("\\ufffd", hex.decode("61ff62")),
	hex.encode(regex.replace(hex.decode("61ff62"), "\\ufffd", "-")),
	hex.encode(regex.replace(hex.decode("61ff62"), "b", "x")),
]

# The raw byte is the first (or second) byte: no room for U+FFFD's 3 bytes, Go panics.
first := strings.reverse(hex.decode("ff6162"))

second := strings.reverse(hex.decode("61ff6263"))
`;

const WANT = [
  '"efbfbd"',
  '"efbfbd61"',
  '"63efbfbd"',
  '"efbfbdc3a9"',
  '"olléh"',
  'true',
  'true',
  'true',
  '"ff"',
  '["61ff62","ff"]',
  '["a","b"]',
  '"612d62"',
  '"61ff78"',
];

for (const engine of ['js', 'wasm'] as const) {
  t.test(`${engine}: raw bytes read as U+FFFD runes, as Go does`, async (t) => {
    const policy = compileToPlan([{ file: 'b.rego', text: MOD }], { query: 'x = data.b' });
    const ev = await createEvaluator(policy, { engine });
    t.same(ev.evaluate('eval', undefined).map((v) => stringifyJson(v)), [`{"x":{"r":[${WANT.join(',')}]}}`]);
  });
}
