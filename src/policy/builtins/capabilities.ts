/**
 * OPA's capabilities file (`opa test|check|eval|build --capabilities caps.json`,
 * ast/capabilities.go): the complete set of builtins a policy may call, each with its
 * declaration. As in OPA (the compiler knows only `capabilities.Builtins`), a builtin regate
 * implements that the file does not declare is unknown: calling it is the compile error
 * `undefined function <name>` (rego_type_error), which is what pinning a policy to an older OPA
 * (`opa capabilities --version v0.50.0 > caps.json`) is for. A builtin it declares that regate
 * does not implement — a host program's own, like conforma's `ec.oci.blob` or Regal's
 * `regal.parse_module`, which such tools add to OPA's list — becomes known to the compiler with
 * the declared arity, so the policies compile and a test that replaces it
 * (`with ec.oci.blob as mock`) runs; calling it raises what OPA raises for a builtin without an
 * implementation, "unsupported built-in" (eval_internal_error).
 *
 * The language side (languageCapabilities) is applied by the parser as OPA's Parser.Parse
 * applies it: without the `rego_v1` feature (an OPA before 1.0) v1 modules are refused
 * ("illegal capabilities: rego_v1 feature required for parsing v1 Rego"); a v0 module may
 * import only the `future_keywords` listed (all four with `rego_v1`), and `import rego.v1`
 * needs `rego_v1_import` or `rego_v1`.
 *
 * Not applied: the argument types of `decl` (only their number: regate's type checker has its
 * own signatures for the builtins it implements, the same as OPA declares them), and the
 * features the compiler checks (`rule_head_refs`, `rule_head_ref_string_prefixes`: an old OPA's
 * refusal of ref heads). `print`, `rego.metadata.*` and the iteration `some x in xs` are planned
 * by the compiler itself and stay available (OPA checks that iteration as
 * `internal.member_2`/`_3`).
 */
import { RegoError } from '../errors.js';
import type { LanguageCapabilities } from '../syntax/index.js';
import { createRegistry, type BuiltinDef, type BuiltinRegistry } from './registry.js';

/** A capabilities file that is not one: what is wrong with it. */
export class CapabilitiesError extends Error {}

interface DeclaredBuiltin {
  name: string;
  arity: number;
  /** a declaration without a result (OPA: a void function) */
  void: boolean;
}

function declaredBuiltins(json: string): DeclaredBuiltin[] {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (e) {
    throw new CapabilitiesError(`not JSON: ${(e as Error).message}`);
  }
  const list = doc !== null && typeof doc === 'object' ? (doc as { builtins?: unknown }).builtins : undefined;
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new CapabilitiesError('"builtins" must be an array');
  return list.map((b: unknown, i) => {
    const name = b !== null && typeof b === 'object' ? (b as { name?: unknown }).name : undefined;
    if (typeof name !== 'string' || name === '') throw new CapabilitiesError(`builtins[${i}] has no name`);
    const decl = (b as { decl?: { args?: unknown; variadic?: unknown; result?: unknown } }).decl;
    // A variadic declaration (OPA's print) takes any number of operands.
    const arity = decl?.variadic !== undefined ? -1 : Array.isArray(decl?.args) ? decl.args.length : 0;
    return { name, arity, void: decl !== undefined && decl.result === undefined };
  });
}

/** Every future keyword an OPA release has listed (ast/parser.go futureKeywords, futureKeywordsV0). */
const KNOWN_KEYWORDS = new Set(['in', 'every', 'contains', 'if', 'not', 'and', 'or']);

function stringList(doc: unknown, key: string): string[] {
  const v = doc !== null && typeof doc === 'object' ? (doc as Record<string, unknown>)[key] : undefined;
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new CapabilitiesError(`"${key}" must be an array of strings`);
  return v as string[];
}

/**
 * The `future_keywords` and `features` of a capabilities document, for the parser. A missing
 * list is empty, as OPA decodes it — so a file of builtins alone reads no v1 module (no
 * `rego_v1` feature). A keyword no OPA has is refused (OPA Parser.Parse: "illegal
 * capabilities: unknown keyword").
 *
 * @example languageCapabilities('{"future_keywords":["in"],"features":[]}') // { futureKeywords: ['in'], features: [] }
 */
export function languageCapabilities(capabilitiesJson: string): LanguageCapabilities {
  let doc: unknown;
  try {
    doc = JSON.parse(capabilitiesJson);
  } catch (e) {
    throw new CapabilitiesError(`not JSON: ${(e as Error).message}`);
  }
  const futureKeywords = stringList(doc, 'future_keywords');
  for (const kw of futureKeywords) if (!KNOWN_KEYWORDS.has(kw)) throw new CapabilitiesError(`illegal capabilities: unknown keyword: ${kw}`);
  return { futureKeywords, features: stringList(doc, 'features') };
}

/**
 * The builtins `capabilitiesJson` declares: `base`'s implementation of each it has, a stub for
 * each it lacks; `base`'s others are left out. Throws CapabilitiesError for a file that is not a
 * capabilities document. A document without `builtins` declares none (as OPA reads it).
 *
 * @example registryWithCapabilities('{"builtins":[{"name":"ec.oci.blob","decl":{"type":"function","args":[{"type":"string"}]}}]}', defaultRegistry) // only ec.oci.blob
 */
export function registryWithCapabilities(capabilitiesJson: string, base: BuiltinRegistry): BuiltinRegistry {
  const kept: BuiltinDef[] = [];
  const seen = new Set<string>();
  for (const d of declaredBuiltins(capabilitiesJson)) {
    if (seen.has(d.name)) continue;
    seen.add(d.name);
    const own = base.get(d.name);
    if (own !== undefined) {
      kept.push(own);
      continue;
    }
    kept.push({
      name: d.name,
      arity: d.arity,
      ...(d.void ? { void: true } : {}),
      impl: () => {
        throw new RegoError('REGO_ERR_UNSUPPORTED_BUILTIN', `${d.name}: unsupported built-in`);
      },
    });
  }
  return kept.length === base.size && [...base.keys()].every((n) => seen.has(n)) ? base : createRegistry(kept);
}

/**
 * A capabilities document for `builtins` (`regate policy capabilities`, as `opa capabilities
 * --current`): each builtin by name with as many operands as it takes, typed `any` (regate's
 * registry knows arities, not OPA's type declarations; a variadic one would get `variadic`);
 * Rego v1's keywords, and OPA 1.x's features. Read back by registryWithCapabilities it gives the same
 * set, so a CI can pin a policy to the builtins of the regate it was written for.
 *
 * @example JSON.parse(capabilitiesDocument(defaultRegistry)).builtins[0] // { name: 'abs', decl: { type: 'function', args: [{ type: 'any' }], result: { type: 'any' } } }
 */
export function capabilitiesDocument(builtins: BuiltinRegistry): string {
  const any = { type: 'any' };
  const list = [...builtins.values()]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((b) => ({ name: b.name, decl: b.arity < 0 ? { type: 'function', variadic: any, result: any } : { type: 'function', args: Array.from({ length: b.arity }, () => any), result: any } }));
  // OPA 1.x's features for v1 (CapabilitiesForThisVersion): without `rego_v1` the file would
  // not read back for a v1 policy
  return JSON.stringify({ builtins: list, future_keywords: ['contains', 'every', 'if', 'in', 'not'], features: ['keywords_in_refs', 'rego_v1'] }, null, 2) + '\n';
}
