/**
 * OPA's declaration of every builtin it ships (ast/builtins.go, as `opa capabilities --current`
 * prints it for OPA 1.20): operand and result types, the infix operator, and the
 * `deprecated`, `nondeterministic` and `relation` flags. Types are written as OPA prints them
 * in type errors (types.Sprint): `array[string]` (dynamic), `array<number, string>` (static),
 * `object[string: any]`, `object<op: string>[any: any]`, `set[any]`, `any<null, string>`.
 *
 * Two readers: the capabilities document (`regate policy capabilities`) renders them as OPA's
 * JSON, and the type checker (compiler/check-types.ts) refuses a call whose operand has a known
 * type the declaration does not take. A wrong entry here is a false or missing
 * rego_type_error, so each one follows OPA's decl, not what regate's implementation happens to
 * accept.
 *
 * @example BUILTIN_DECLS.get('count') // { args: ['any<string, array[any], object[any: any], set[any]>'], result: 'number' }
 */

export interface BuiltinDecl {
  /** operand types; undefined for a variadic builtin (`print`) */
  readonly args?: readonly string[];
  /** the type of every operand of a variadic builtin */
  readonly variadic?: string;
  /** undefined for a builtin with no value (`print`, `internal.print`) */
  readonly result?: string;
  readonly infix?: string;
  readonly deprecated?: true;
  readonly nondeterministic?: true;
  /** a relation (`walk`) enumerates outputs instead of computing one */
  readonly relation?: true;
}

const S = 'string';
const N = 'number';
const B = 'boolean';
const A = 'any';
const OBJ = 'object[any: any]';
const SOBJ = 'object[string: any]';
const COLL = 'any<array[any], set[any]>';
const SOROBJ = `any<string, ${OBJ}>`;
const PATHS = 'any<array[any<string, array[any]>], set[any<string, array[any]>]>';
const TIME = 'any<number, array<number, string>>';
const CIDRS = 'any<string, array[any<string, array[any]>], object[string: any<string, array[any]>], set[any<string, array[any]>]>';
const GRAPH = `object[any: ${COLL}]`;

const f = (args: readonly string[], result: string, flags: Omit<BuiltinDecl, 'args' | 'result'> = {}): BuiltinDecl => ({ args, result, ...flags });
const dep = { deprecated: true } as const;
const nd = { nondeterministic: true } as const;
const infix = (op: string) => ({ infix: op });

const strStrBool = f([S, S], B);
const strStrStr = f([S, S], S);
const strStr = f([S], S);
const numNum = f([N], N);
const isType = f([A], B);

export const BUILTIN_DECLS: ReadonlyMap<string, BuiltinDecl> = new Map<string, BuiltinDecl>([
  ['abs', numNum],
  ['all', f([COLL], B, dep)],
  ['and', f(['set[any]', 'set[any]'], 'set[any]', infix('&'))],
  ['any', f([COLL], B, dep)],
  ['array.concat', f(['array[any]', 'array[any]'], 'array[any]')],
  ['array.flatten', f(['array[any]'], 'array[any]')],
  ['array.reverse', f(['array[any]'], 'array[any]')],
  ['array.slice', f(['array[any]', N, N], 'array[any]')],
  ['assign', f([A, A], B, infix(':='))],
  ['base64.decode', strStr],
  ['base64.encode', strStr],
  ['base64.is_valid', f([S], B)],
  ['base64url.decode', strStr],
  ['base64url.encode', strStr],
  ['base64url.encode_no_pad', strStr],
  ['bits.and', f([N, N], N)],
  ['bits.lsh', f([N, N], N)],
  ['bits.negate', numNum],
  ['bits.or', f([N, N], N)],
  ['bits.rsh', f([N, N], N)],
  ['bits.xor', f([N, N], N)],
  ['cast_array', f([A], 'array[any]', dep)],
  ['cast_boolean', f([A], B, dep)],
  ['cast_null', f([A], 'null', dep)],
  ['cast_object', f([A], OBJ, dep)],
  ['cast_set', f([A], 'set[any]', dep)],
  ['cast_string', f([A], S, dep)],
  ['ceil', numNum],
  ['concat', f([S, 'any<array[string], set[string]>'], S)],
  ['contains', strStrBool],
  ['count', f([`any<string, array[any], ${OBJ}, set[any]>`], N)],
  ['crypto.hmac.equal', strStrBool],
  ['crypto.hmac.md5', strStrStr],
  ['crypto.hmac.sha1', strStrStr],
  ['crypto.hmac.sha256', strStrStr],
  ['crypto.hmac.sha512', strStrStr],
  ['crypto.md5', strStr],
  ['crypto.parse_private_keys', f([S], `array[${SOBJ}]`)],
  ['crypto.sha1', strStr],
  ['crypto.sha256', strStr],
  ['crypto.x509.parse_and_verify_certificates', f([S], `array<boolean, array[${SOBJ}]>`)],
  ['crypto.x509.parse_and_verify_certificates_with_options', f([S, SOBJ], `array<boolean, array[${SOBJ}]>`)],
  ['crypto.x509.parse_certificate_request', f([S], SOBJ)],
  ['crypto.x509.parse_certificates', f([S], `array[${SOBJ}]`)],
  ['crypto.x509.parse_keypair', f([S, S], SOBJ)],
  ['crypto.x509.parse_rsa_private_key', f([S], SOBJ)],
  ['div', f([N, N], N, infix('/'))],
  ['endswith', strStrBool],
  ['eq', f([A, A], B, infix('='))],
  ['equal', f([A, A], B, infix('=='))],
  ['floor', numNum],
  ['format_int', f([N, N], S)],
  ['glob.match', f([S, 'any<null, array[string]>', S], B)],
  ['glob.quote_meta', strStr],
  ['graph.reachable', f([GRAPH, COLL], 'set[any]')],
  ['graph.reachable_paths', f([GRAPH, COLL], 'set[array[any]]')],
  ['graphql.is_valid', f([SOROBJ, SOROBJ], B)],
  ['graphql.parse', f([SOROBJ, SOROBJ], `array<${OBJ}, ${OBJ}>`)],
  ['graphql.parse_and_verify', f([SOROBJ, SOROBJ], `array<boolean, ${OBJ}, ${OBJ}>`)],
  ['graphql.parse_query', f([S], OBJ)],
  ['graphql.parse_schema', f([S], OBJ)],
  ['graphql.schema_is_valid', f([SOROBJ], B)],
  ['gt', f([A, A], B, infix('>'))],
  ['gte', f([A, A], B, infix('>='))],
  ['hex.decode', strStr],
  ['hex.encode', strStr],
  ['http.send', f([SOBJ], OBJ, nd)],
  ['indexof', f([S, S], N)],
  ['indexof_n', f([S, S], 'array[number]')],
  ['internal.member_2', f([A, A], B, infix('in'))],
  ['internal.member_3', f([A, A, A], B, infix('in'))],
  ['internal.print', { args: ['array[set[any]]'] }],
  ['internal.template_string', f(['array[any]'], S)],
  ['internal.test_case', { args: ['array[any]'] }],
  ['intersection', f(['set[set[any]]'], 'set[any]')],
  ['io.jwt.decode', f([S], `array<${OBJ}, ${OBJ}, string>`)],
  ['io.jwt.decode_verify', f([S, SOBJ], `array<boolean, ${OBJ}, ${OBJ}>`, nd)],
  ['io.jwt.encode_sign', f([SOBJ, SOBJ, SOBJ], S, nd)],
  ['io.jwt.encode_sign_raw', f([S, S, S], S, nd)],
  ...['eddsa', 'es256', 'es384', 'es512', 'hs256', 'hs384', 'hs512', 'ps256', 'ps384', 'ps512', 'rs256', 'rs384', 'rs512'].map((alg): [string, BuiltinDecl] => [`io.jwt.verify_${alg}`, strStrBool]),
  ['is_array', isType],
  ['is_boolean', isType],
  ['is_null', isType],
  ['is_number', isType],
  ['is_object', isType],
  ['is_set', isType],
  ['is_string', isType],
  ['json.filter', f([OBJ, PATHS], OBJ)],
  ['json.is_valid', f([S], B)],
  ['json.marshal', f([A], S)],
  ['json.marshal_with_options', f([A, 'object<indent: string, prefix: string, pretty: boolean>[string: any]'], S)],
  ['json.match_schema', f([SOROBJ, SOROBJ], 'array<boolean, array[object<desc: string, error: string, field: string, type: string>]>')],
  ['json.patch', f([A, 'array[object<op: string, path: any>[any: any]]'], A)],
  ['json.remove', f([OBJ, PATHS], OBJ)],
  ['json.unmarshal', f([S], A)],
  ['json.verify_schema', f([SOROBJ], 'array<boolean, any<null, string>>')],
  ['lower', strStr],
  ['lt', f([A, A], B, infix('<'))],
  ['lte', f([A, A], B, infix('<='))],
  ['max', f([COLL], A)],
  ['min', f([COLL], A)],
  ['minus', f(['any<number, set[any]>', 'any<number, set[any]>'], 'any<number, set[any]>', infix('-'))],
  ['mul', f([N, N], N, infix('*'))],
  ['neq', f([A, A], B, infix('!='))],
  ['net.cidr_contains', strStrBool],
  ['net.cidr_contains_matches', f([CIDRS, CIDRS], 'set[array<any, any>]')],
  ['net.cidr_expand', f([S], 'set[string]')],
  ['net.cidr_intersects', strStrBool],
  ['net.cidr_is_valid', f([S], B)],
  ['net.cidr_merge', f(['any<array[any<string>], set[string]>'], 'set[string]')],
  ['net.cidr_overlap', f([S, S], B, dep)],
  ['net.lookup_ip_addr', f([S], 'set[string]', nd)],
  ['numbers.range', f([N, N], 'array[number]')],
  ['numbers.range_step', f([N, N, N], 'array[number]')],
  ['object.filter', f([OBJ, `any<array[any], ${OBJ}, set[any]>`], OBJ)],
  ['object.get', f([OBJ, A, A], A)],
  ['object.keys', f([OBJ], 'set[any]')],
  ['object.remove', f([OBJ, `any<array[any], ${OBJ}, set[any]>`], OBJ)],
  ['object.subset', f([`any<array[any], ${OBJ}, set[any]>`, `any<array[any], ${OBJ}, set[any]>`], B)],
  ['object.union', f([OBJ, OBJ], OBJ)],
  ['object.union_n', f([`array[${OBJ}]`], OBJ)],
  ['opa.runtime', f([], SOBJ, nd)],
  ['or', f(['set[any]', 'set[any]'], 'set[any]', infix('|'))],
  ['plus', f([N, N], N, infix('+'))],
  ['print', { variadic: A }],
  ['product', f(['any<array[number], set[number]>'], N)],
  ['providers.aws.sign_req', f([SOBJ, SOBJ, N], OBJ)],
  ['rand.intn', f([S, N], N, nd)],
  ['re_match', f([S, S], B, dep)],
  ['regex.find_all_string_submatch_n', f([S, S, N], 'array[array[string]]')],
  ['regex.find_n', f([S, S, N], 'array[string]')],
  ['regex.globs_match', strStrBool],
  ['regex.is_valid', f([S], B)],
  ['regex.match', strStrBool],
  ['regex.replace', f([S, S, S], S)],
  ['regex.split', f([S, S], 'array[string]')],
  ['regex.template_match', f([S, S, S, S], B)],
  ['rego.metadata.chain', f([], 'array[any]')],
  ['rego.metadata.rule', f([], A)],
  ['rego.parse_module', f([S, S], SOBJ)],
  ['rem', f([N, N], N, infix('%'))],
  ['replace', f([S, S, S], S)],
  ['round', numNum],
  ['semver.compare', f([S, S], N)],
  ['semver.is_valid', f([A], B)],
  ['set_diff', f(['set[any]', 'set[any]'], 'set[any]', dep)],
  ['sort', f([COLL], 'array[any]')],
  ['split', f([S, S], 'array[string]')],
  ['sprintf', f([S, 'array[any]'], S)],
  ['startswith', strStrBool],
  ['strings.any_prefix_match', f(['any<string, array[string], set[string]>', 'any<string, array[string], set[string]>'], B)],
  ['strings.any_suffix_match', f(['any<string, array[string], set[string]>', 'any<string, array[string], set[string]>'], B)],
  ['strings.count', f([S, S], N)],
  ['strings.render_template', f([S, SOBJ], S)],
  ['strings.replace_n', f(['object[string: string]', S], S)],
  ['strings.reverse', strStr],
  ['strings.split_n', f([S, S, N], 'array[string]')],
  ['substring', f([S, N, N], S)],
  ['sum', f(['any<array[number], set[number]>'], N)],
  ['time.add_date', f([N, N, N, N], N)],
  ['time.clock', f([TIME], 'array<number, number, number>')],
  ['time.date', f([TIME], 'array<number, number, number>')],
  ['time.diff', f([TIME, TIME], 'array<number, number, number, number, number, number>')],
  ['time.format', f(['any<number, array<number, string>, array<number, string, string>>'], S)],
  ['time.now_ns', f([], N, nd)],
  ['time.parse_duration_ns', f([S], N)],
  ['time.parse_ns', f([S, S], N)],
  ['time.parse_rfc3339_ns', f([S], N)],
  ['time.weekday', f([TIME], S)],
  ['to_number', f(['any<null, boolean, number, string>'], N)],
  ['trace', f([S], B)],
  ['trim', strStrStr],
  ['trim_left', strStrStr],
  ['trim_prefix', strStrStr],
  ['trim_right', strStrStr],
  ['trim_space', strStr],
  ['trim_suffix', strStrStr],
  ['type_name', f([A], S)],
  ['union', f(['set[set[any]]'], 'set[any]')],
  ['units.parse', f([S], N)],
  ['units.parse_bytes', f([S], N)],
  ['upper', strStr],
  ['uri.is_valid', f([S], B)],
  ['uri.parse', f([S], 'object[string: string]')],
  ['urlquery.decode', strStr],
  ['urlquery.decode_object', f([S], 'object[string: array[string]]')],
  ['urlquery.encode', strStr],
  ['urlquery.encode_object', f(['object[string: any<string, array[string], set[string]>]'], S)],
  ['uuid.parse', f([S], SOBJ)],
  ['uuid.rfc4122', f([S], S, nd)],
  ['walk', f([A], 'array<array[any], any>', { relation: true })],
  ['yaml.is_valid', f([S], B)],
  ['yaml.marshal', f([A], S)],
  ['yaml.unmarshal', f([S], A)],
]);
