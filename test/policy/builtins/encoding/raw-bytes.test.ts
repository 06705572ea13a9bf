/**
 * Strings that hold bytes which are not UTF-8 (issue #16): OPA's strings are Go strings, so
 * `hex.decode("ff")` is the one byte 0xff and every builtin after it works on that byte. regate
 * carries such a byte as the lone surrogate U+DC00+b (value/go-bytes.ts); both engines must
 * agree with Go on every check below, and print the byte as U+FFFD as json.Marshal does.
 *
 * Expected values come from Go's documented semantics: utf8.DecodeRune reads each byte of an
 * invalid or truncated sequence as (RuneError, 1), so count() counts it once; strings compare
 * by bytes; strings.Join/fmt.Sprintf join bytes; encoding/json writes `\ufffd` per such byte;
 * strconv.Quote writes it `\xff`; []rune(s) (indexof, substring) and strings.Map (upper)
 * turn it into U+FFFD; regexp reads it as one rune and returns the byte itself in a match.
 * Digests were computed over the bytes with node:crypto.
 */
import t from 'tap';
import { compileToPlan } from '../../../../src/policy/compiler/index.js';
import { createEvaluator } from '../../../../src/policy/index.js';
import { stringifyJson, toJs, type Value } from '../../../../src/policy/value/index.js';

const CHECKS: Record<string, string> = {
  hex_roundtrip: 'hex.encode(hex.decode("ff")) == "ff"',
  hex_mixed: 'hex.encode(hex.decode("61ff62c3a9e282")) == "61ff62c3a9e282"',
  hex_valid_is_text: 'hex.decode("c3a9") == "é"',
  base64_binary: 'base64.encode(hex.decode("fffe00")) == "//4A"',
  base64_decode: 'hex.encode(base64.decode("/w==")) == "ff"',
  base64url_decode: 'hex.encode(base64url.decode("_w")) == "ff"',
  base64url_encode: 'base64url.encode_no_pad(hex.decode("fbff")) == "-_8"',
  urlquery_decode: 'hex.encode(urlquery.decode("%ff%41")) == "ff41"',
  urlquery_encode: 'urlquery.encode(hex.decode("ff20")) == "%FF+"',
  same_bytes_equal: 'hex.decode("ff") == base64.decode("/w==")',
  not_replacement: 'hex.decode("ff") != "\\ufffd"',
  count_two: 'count(hex.decode("ffff")) == 2',
  count_truncated: 'count(hex.decode("e282")) == 2',
  count_valid: 'count(hex.decode("e282ac")) == 1',
  count_continuation: 'count(hex.decode("80")) == 1',
  count_surrogate_utf8: 'count(hex.decode("eda080")) == 3',
  count_overlong: 'count(hex.decode("c0af")) == 2',
  md5: 'crypto.md5(hex.decode("ff")) == "00594fd4f42ba43fc1ca0427a0576295"',
  sha1: 'crypto.sha1(hex.decode("ff")) == "85e53271e14006f0265921d02d4d736cdc580b0b"',
  sha256: 'crypto.sha256(hex.decode("ff")) == "a8100ae6aa1940d0b663bb31cd466142ebbdbd5187131b92d93818987832eb89"',
  hmac: 'crypto.hmac.sha256(hex.decode("ff"), hex.decode("00ff")) == "f2bfa7bf91382501fbd2fef9d129ee4d8d89f8262c531a7da3ee7e22d142bb46"',
  concat_joins_utf8: 'concat("", [hex.decode("c3"), hex.decode("a9")]) == "é"',
  concat_text: 'hex.encode(concat("x", [hex.decode("ff"), "a"])) == "ff7861"',
  concat_set: 'concat("", {hex.decode("e282"), hex.decode("ac")}) == hex.decode("ace282")',
  sprintf_joins_utf8: 'sprintf("%s%s", [hex.decode("e2"), hex.decode("82ac")]) == "€"',
  sprintf_hex: 'sprintf("%x", [hex.decode("ff41")]) == "ff41"',
  sprintf_quote: 'sprintf("%v", [[hex.decode("ff")]]) == "[\\"\\\\xff\\"]"',
  order_lead: 'hex.decode("ff") > "é"',
  order_cont: 'hex.decode("80") < "é"',
  order_ascii: 'hex.decode("80") > "z"',
  order_prefix: 'hex.decode("c3") < "é"',
  order_astral: 'hex.decode("ff") > "😀"',
  order_bmp_top: 'hex.decode("ef") < "\\uffff"',
  sort_bytes: 'sort([hex.decode("ff"), "é", "a", hex.decode("80")]) == ["a", hex.decode("80"), "é", hex.decode("ff")]',
  json_marshal: 'json.marshal(hex.decode("61ff")) == "\\"a\\\\ufffd\\""',
  json_unmarshal: 'json.unmarshal(concat("", ["\\"", hex.decode("ff"), "\\""])) == "\\ufffd"',
  upper: 'upper(hex.decode("61ff")) == "A\\ufffd"',
  substring_part: 'substring(hex.decode("61ff62"), 1, 1) == "\\ufffd"',
  substring_whole: 'substring(hex.decode("ff"), 0, 5) == hex.decode("ff")',
  indexof: 'indexof(hex.decode("61ff"), "\\ufffd") == 1',
  startswith: 'startswith("é", hex.decode("c3"))',
  endswith: 'endswith("é", hex.decode("a9"))',
  contains: 'contains("aé", hex.decode("a9"))',
  any_prefix: 'strings.any_prefix_match(["x", "é"], hex.decode("c3"))',
  any_suffix: 'strings.any_suffix_match({"x", "é"}, [hex.decode("a9")])',
  strings_count: 'strings.count("éé", hex.decode("a9")) == 2',
  trim_prefix: 'trim_prefix("é", hex.decode("c3")) == hex.decode("a9")',
  split: 'split(hex.decode("61ff62"), hex.decode("ff")) == ["a", "b"]',
  replace_joins: 'replace(hex.decode("c378a9"), "x", "") == "é"',
  object_key: '{hex.decode("ff"): 1}[hex.decode("ff")] == 1',
  set_member: 'hex.decode("ff") in {hex.decode("ff"), "a"}',
  regex_dot: 'regex.match("^a.b$", hex.decode("61ff62"))',
  regex_find: 'regex.find_n(".", hex.decode("ff61"), -1) == [hex.decode("ff"), "a"]',
  // OPA reads the variables through ast.As, which decodes their Rego text (strconv.Quote: `"\xc3"`)
  // as JSON: a raw byte fails there ("invalid character 'x' in string escape code").
  template_refuses: 'not strings.render_template("{{.a}}", {"a": hex.decode("c3")})',
  template_text: 'strings.render_template("{{.a}}{{.b}}", {"a": "\u00e9", "b": hex.decode("e282ac")}) == "é€"',
  yaml_marshal: 'yaml.unmarshal(yaml.marshal({"k": hex.decode("ff")})) == {"k": "\ufffd"}',
};

const names = Object.keys(CHECKS).sort();
const rule = (n: string): string => `c_${n}`;
const MOD = `package b

${names.map((n) => `${rule(n)} if { ${CHECKS[n]} }`).join('\n')}

yaml_refused if { not yaml.unmarshal(hex.decode("6120ff")) }

out := {"s": hex.decode("61ff62"), hex.decode("ff"): [hex.decode("e282")]}
`;

for (const engine of ['js', 'wasm'] as const) {
  t.test(`${engine}: raw bytes in strings behave as Go's`, async (t) => {
    const policy = compileToPlan([{ file: 'b.rego', text: MOD }], { query: 'x = data.b' });
    const ev = await createEvaluator(policy, { engine });
    const rows = ev.evaluate('eval', undefined);
    t.equal(rows.length, 1);
    const x = toJs((rows[0] as Record<string, Value>)['x'] as Value) as Record<string, unknown>;
    for (const n of names) t.equal(x[rule(n)], true, n);
    t.equal(x["yaml_refused"], true, "yaml_refused");
    // output: each raw byte is U+FFFD, as json.Marshal prints it
    t.same(x['out'], { s: 'a\ufffdb', '\ufffd': ['\ufffd\ufffd'] });
    const out = (rows[0] as Record<string, Value>)['x'] as Record<string, Value>;
    t.equal(stringifyJson(out['out'] as Value), '{"s":"a\ufffdb","\ufffd":["\ufffd\ufffd"]}');
  });
}
