/**
 * All builtins, one module per OPA namespace. The JS back end and the WASM host bridge both use
 * `defaultRegistry`.
 */
import { createRegistry, type BuiltinRegistry } from './registry.js';
import { comparisonBuiltins } from './comparison.js';
import { numbersBuiltins } from './numbers.js';
import { aggregatesBuiltins } from './aggregates.js';
import { bitsBuiltins } from './bits.js';
import { setsBuiltins } from './sets.js';
import { arraysBuiltins } from './arrays.js';
import { objectsBuiltins } from './objects.js';
import { stringsBuiltins } from './strings.js';
import { sprintfBuiltins } from './sprintf.js';
import { regexBuiltins } from './regex.js';
import { globBuiltins } from './glob.js';
import { typesBuiltins } from './types.js';
import { castsBuiltins } from './casts.js';
import { encodingBuiltins } from './encoding.js';
import { jsonBuiltins } from './json.js';
import { unitsBuiltins } from './units.js';
import { semverBuiltins } from './semver.js';
import { walkBuiltins } from './walk.js';
import { timeBuiltins } from './time.js';
import { jwtBuiltins } from './jwt.js';
import { cryptoBuiltins } from './crypto.js';
import { x509Builtins } from './x509.js';
import { netBuiltins } from './net.js';
import { graphqlBuiltins } from './graphql.js';
import { awsBuiltins } from './aws.js';
import { randBuiltins } from './rand.js';
import { uuidBuiltins } from './uuid.js';
import { runtimeBuiltins } from './runtime.js';
import { printBuiltins } from './print.js';
import { createHttpSendBuiltin, httpBuiltins, type HttpSendLimits } from './http-send.js';

/** OPA's core namespaces: comparison, arithmetic, collections, strings, regex, encodings, … */
export const coreBuiltins = [
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
];

/** Time, tokens, crypto, network, HTTP, GraphQL, AWS, randomness, runtime and print. */
export const extBuiltins = [
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
];

export const allBuiltins = [...coreBuiltins, ...extBuiltins];

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
