/**
 * YAML read as OPA reads it. Everywhere OPA takes YAML — data files (`opa test dir`, `-d`,
 * a bundle's data.yaml), `yaml.unmarshal`, an `http.send` YAML body, `--schema` files —
 * it goes through sigs.k8s.io/yaml, which decodes with go-yaml v2 and then re-encodes as JSON.
 * go-yaml v2 does not resolve plain scalars by the YAML 1.1 regular expressions the `yaml`
 * package's 1.1 schema uses, but by its own `resolve` (resolve.go): the first character picks
 * a path, and Go's strconv decides. The differences that matter in real files:
 *
 * - `context: .` (GitHub workflows, compose files), `-.`, `._` are strings; the 1.1 schema's
 *   float pattern took them for NaN, which no JSON (and no Rego value) holds;
 * - `22:22`, `12:30:00` are strings: go-yaml has no base-60 numbers;
 * - `0o17` is 15 and `0_` is 0 (strconv.ParseInt with base 0, after dropping every `_`);
 * - integers keep all their digits up to uint64, a float out of float64's range (`1e400`) is
 *   the string it was written as, and timestamp-looking scalars stay strings (decoding into
 *   interface{} keeps them so for backward compatibility).
 */
import { parseAllDocuments, type ScalarTag } from 'yaml';

const TRUE = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
const FALSE = new Set(['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);
const NULL = new Set(['~', 'null', 'Null', 'NULL']);
const POS_INF = new Set(['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF']);
const NEG_INF = new Set(['-.inf', '-.Inf', '-.INF']);
const NAN = new Set(['.nan', '.NaN', '.NAN']);

/** go-yaml v2's yamlStyleFloat. */
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
/** What strconv.ParseFloat accepts of a scalar starting with '.' (no base prefix, so no '_'). */
const DOT_FLOAT = /^\.[0-9]+([eE][-+]?[0-9]+)?$/;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** strconv.ParseInt(s, 0, 64) / ParseUint(s, 0, 64) (`signed`): the integer, or undefined on any error. */
function parseGoInt(s: string, signed: boolean): bigint | undefined {
  const m = /^([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (m === null || (!signed && m[1] !== '')) return undefined;
  const body = m[2]!;
  let n: bigint;
  if (/^0[xXoObB]/.test(body)) n = BigInt('0' + body[1]!.toLowerCase() + body.slice(2));
  else if (body.length > 1 && body.startsWith('0')) n = BigInt('0o' + body.slice(1)); // Go's leading-0 octal
  else n = BigInt(body);
  if (m[1] === '-') n = -n;
  if (signed ? n < INT64_MIN || n > INT64_MAX : n > UINT64_MAX) return undefined;
  return n;
}

/**
 * A decoded integer as JS: a number while exact, else a bigint (the value model's big integer);
 * always a bigint with `intAsBigInt`, where an int must stay told apart from a float (map keys).
 */
function intValue(n: bigint, intAsBigInt: boolean): number | bigint {
  if (intAsBigInt) return n;
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

/** strconv.ParseFloat(s, 64) of text already known to be decimal syntax: undefined when out of range (ErrRange). */
function parseGoFloat(s: string): number | undefined {
  const f = Number(s);
  return Number.isFinite(f) ? f : undefined;
}

/**
 * go-yaml v2's resolve for an untagged plain scalar (resolve.go): null, a boolean, a number
 * (a bigint beyond 2^53), ±Infinity/NaN (which JSON then refuses, as json.Marshal does in
 * sigs.k8s.io/yaml), or the text itself.
 */
export function resolveGoYamlScalar(s: string, intAsBigInt = false): unknown {
  if (s === '' || NULL.has(s)) return null;
  const hint = s[0]!;
  if (TRUE.has(s)) return true;
  if (FALSE.has(s)) return false;
  if (POS_INF.has(s)) return Infinity;
  if (NEG_INF.has(s)) return -Infinity;
  if (NAN.has(s)) return NaN;
  if (hint === '.') {
    // not in the map: strconv.ParseFloat(in) — `.5`, `.5e3`; `.`, `._5` and `.5e999` are strings
    if (DOT_FLOAT.test(s)) return parseGoFloat(s) ?? s;
    return s;
  }
  if (hint === '+' || hint === '-' || (hint >= '0' && hint <= '9')) {
    // a timestamp (YYYY-…) stays its text when decoded into interface{}; none parses as a number
    const plain = s.replaceAll('_', '');
    const i = parseGoInt(plain, true) ?? parseGoInt(plain, false);
    if (i !== undefined) return intValue(i, intAsBigInt);
    if (YAML_STYLE_FLOAT.test(plain)) {
      const f = parseGoFloat(plain);
      if (f !== undefined) return f;
    }
    // v2's own 0b/-0b retries after ParseInt(…, 0, 64) cover nothing base 0 did not
    return s;
  }
  return s;
}

/**
 * The scalar resolution as a custom tag ahead of the 1.1 schema's: every plain scalar whose
 * first character gives go-yaml a hint (sign, digit, '.', y/n/t/f/o, '~') resolves here; the
 * rest (and explicitly tagged or quoted scalars) as before.
 */
const GO_YAML_SCALAR: ScalarTag = {
  // a tag of its own: an explicit `!!str 12` or `!!int "7"` still finds the schema's tags
  tag: 'tag:regate.dev,2026:go-yaml-plain',
  default: true,
  test: /^[-+0-9.yYnNtTfFoO~]/,
  resolve: (s: string, _onError: unknown, opts: { intAsBigInt?: boolean }) => resolveGoYamlScalar(s, opts.intAsBigInt === true) as string,
};

/** `customTags` for the `yaml` package (version '1.1') that read scalars as go-yaml v2. */
export function goYamlTags(tags: readonly unknown[]): ScalarTag[] {
  // the 1.1 schema's timestamp tag would turn dates into Date objects; go-yaml keeps the text
  return [GO_YAML_SCALAR, ...(tags.filter((t) => typeof t === 'string' || (t as ScalarTag).tag !== 'tag:yaml.org,2002:timestamp') as ScalarTag[])];
}

/** Options for `parseAllDocuments` / `parseDocument` that decode as go-yaml v2 does. */
export const GO_YAML_OPTIONS = { version: '1.1', uniqueKeys: false, customTags: goYamlTags } as const;

/**
 * A YAML file's content as OPA's loaders read it (sigs.k8s.io/yaml): the first document only
 * (go-yaml's Unmarshal never reads past it), an empty file null, a repeated key its last
 * value; numbers as {@link resolveGoYamlScalar} gives them. Throws the parser's error.
 *
 * @example parseGoYaml('context: .\nports: [22:22]\nmode: 0o755') // { context: '.', ports: ['22:22'], mode: 493 }
 */
export function parseGoYaml(text: string): unknown {
  const [first] = parseAllDocuments(text, GO_YAML_OPTIONS);
  if (first === undefined) return null;
  if (first.errors.length > 0) throw first.errors[0]!;
  return first.toJS({ maxAliasCount: 1000 });
}
