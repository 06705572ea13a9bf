/**
 * All builtins, one folder per OPA namespace (strings/, regex/, time/, http/, …; helpers used by
 * several namespaces live in shared/). The JS back end, the WASM host bridge and the compiler's
 * arity and unknown-function checks all use `defaultRegistry`.
 */
import { createRegistry, type BuiltinDef, type BuiltinRegistry } from './registry.js';
import { BUILTIN_DECLS } from './builtin-decls.js';
import { comparisonBuiltins } from './comparison/comparison.js';
import { numbersBuiltins } from './numbers/numbers.js';
import { aggregatesBuiltins } from './aggregates/aggregates.js';
import { bitsBuiltins } from './bits/bits.js';
import { setsBuiltins } from './sets/sets.js';
import { arraysBuiltins } from './arrays/arrays.js';
import { objectsBuiltins } from './objects/objects.js';
import { stringsBuiltins } from './strings/strings.js';
import { sprintfBuiltins } from './strings/sprintf.js';
import { regexBuiltins } from './regex/regex.js';
import { globBuiltins } from './glob/glob.js';
import { typesBuiltins } from './types/types.js';
import { castsBuiltins } from './casts/casts.js';
import { encodingBuiltins } from './encoding/encoding.js';
import { jsonBuiltins } from './json/json.js';
import { unitsBuiltins } from './units/units.js';
import { semverBuiltins } from './semver/semver.js';
import { walkBuiltins } from './graph/walk.js';
import { timeBuiltins } from './time/time.js';
import { jwtBuiltins } from './jwt/jwt.js';
import { cryptoBuiltins } from './crypto/crypto.js';
import { x509Builtins } from './x509/x509.js';
import { netBuiltins } from './net/net.js';
import { graphqlBuiltins } from './graphql/graphql.js';
import { awsBuiltins } from './aws/aws.js';
import { randBuiltins } from './rand/rand.js';
import { uuidBuiltins } from './uuid/uuid.js';
import { runtimeBuiltins } from './runtime/runtime.js';
import { printBuiltins } from './print/print.js';
import { uriBuiltins } from './uri/uri.js';
import { createHttpSendBuiltin, httpBuiltins, type HttpSendLimits } from './http/http-send.js';

export const allBuiltins = [
  ...comparisonBuiltins,
  ...numbersBuiltins,
  ...aggregatesBuiltins,
  ...bitsBuiltins,
  ...setsBuiltins,
  ...arraysBuiltins,
  ...objectsBuiltins,
  ...stringsBuiltins,
  ...sprintfBuiltins,
  ...regexBuiltins,
  ...globBuiltins,
  ...typesBuiltins,
  ...castsBuiltins,
  ...encodingBuiltins,
  ...jsonBuiltins,
  ...unitsBuiltins,
  ...semverBuiltins,
  ...walkBuiltins,
  ...timeBuiltins,
  ...jwtBuiltins,
  ...cryptoBuiltins,
  ...x509Builtins,
  ...netBuiltins,
  ...httpBuiltins,
  ...graphqlBuiltins,
  ...awsBuiltins,
  ...randBuiltins,
  ...uuidBuiltins,
  ...runtimeBuiltins,
  ...printBuiltins,
  ...uriBuiltins,
];

/**
 * OPA's `nondeterministic` flag (builtin-decls.ts) on every builtin it marks, also those whose
 * file does not set it (io.jwt.decode_verify reads the clock, io.jwt.encode_sign* sign with
 * fresh randomness, opa.runtime reads the environment): the decision log records their results
 * (nd_builtin_cache) as OPA does.
 */
function withNondeterminism(b: BuiltinDef): BuiltinDef {
  return BUILTIN_DECLS.get(b.name)?.nondeterministic === true && b.nondeterministic !== true ? { ...b, nondeterministic: true } : b;
}

export const defaultRegistry: BuiltinRegistry = createRegistry(allBuiltins.map(withNondeterminism));

/**
 * Every builtin, with `http.send` left out (`null`) or bound to `limits`: for an embedding where a
 * blocking network call inside an evaluation must be opted into (the gateway).
 * @example registryWithHttpSend({ allowNet: ['authz.internal'], maxTimeoutMs: 500 });
 */
export function registryWithHttpSend(limits: HttpSendLimits | null): BuiltinRegistry {
  const rest = allBuiltins.filter((b) => b.name !== 'http.send');
  return createRegistry((limits === null ? rest : [...rest, createHttpSendBuiltin(limits)]).map(withNondeterminism));
}
export type { HttpSendLimits };
export type { BuiltinDef, BuiltinContext, BuiltinRegistry } from './registry.js';
export { createRegistry } from './registry.js';
