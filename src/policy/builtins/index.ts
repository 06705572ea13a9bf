/**
 * All builtins, one folder per OPA namespace (strings/, regex/, time/, http/, …; helpers used by
 * several namespaces live in shared/). The JS back end, the WASM host bridge and the compiler's
 * arity and unknown-function checks all use `defaultRegistry`.
 */
import { createRegistry, type BuiltinRegistry } from './registry.js';
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

export const defaultRegistry: BuiltinRegistry = createRegistry(allBuiltins);

/**
 * Every builtin, with `http.send` left out (`null`) or bound to `limits`: for an embedding where a
 * blocking network call inside an evaluation must be opted into (the gateway).
 * @example registryWithHttpSend({ allowNet: ['authz.internal'], maxTimeoutMs: 500 });
 */
export function registryWithHttpSend(limits: HttpSendLimits | null): BuiltinRegistry {
  const rest = allBuiltins.filter((b) => b.name !== 'http.send');
  return createRegistry(limits === null ? rest : [...rest, createHttpSendBuiltin(limits)]);
}
export type { HttpSendLimits };
export type { BuiltinDef, BuiltinContext, BuiltinRegistry } from './registry.js';
export { createRegistry } from './registry.js';
