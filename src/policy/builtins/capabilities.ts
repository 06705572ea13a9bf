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
import { BUILTIN_DECLS } from './builtin-decls.js';
import { createRegistry, type BuiltinDef, type BuiltinRegistry } from './registry.js';
import { parseTypeNotation, sortedTypeJson } from './type-notation.js';

/**
 * What OPA declares as builtins but regate's compiler plans itself (unification, assignment,
 * `print`, test cases, rule metadata): listed in the document as OPA lists them, and always
 * available whatever a capabilities file says.
 */
const COMPILER_PLANNED = ['assign', 'eq', 'print', 'internal.print', 'internal.test_case', 'rego.metadata.chain', 'rego.metadata.rule'];

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
    // planned by the compiler, not a host builtin to stub
    if (COMPILER_PLANNED.includes(d.name)) continue;
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
 * --current`): each builtin by name with OPA's declaration (builtin-decls.ts: operand and
 * result types, `infix`, `deprecated`, `nondeterministic`, `relation`), keys in the order OPA
 * writes them; a builtin OPA does not declare (regate's `test.sleep`) gets `any` operands.
 * `print`, `eq`, `assign`, `internal.print`, `internal.test_case` and the `rego.metadata.*`
 * calls are listed as OPA lists them although the compiler plans them itself. Then OPA 1.x's
 * features for v1 (CapabilitiesForThisVersion; without `rego_v1` the file would not read back
 * for a v1 policy) and the future keyword regate has (`not`; OPA 1.20 also lists `and` and
 * `or`, which regate does not parse). Read back by registryWithCapabilities it gives the same
 * set, so a CI can pin a policy to the builtins of the regate it was written for.
 *
 * @example JSON.parse(capabilitiesDocument(defaultRegistry)).builtins[0] // { name: 'abs', decl: { args: [{ type: 'number' }], result: { type: 'number' }, type: 'function' } }
 */
export function capabilitiesDocument(builtins: BuiltinRegistry): string {
  const any = { type: 'any' };
  const names = new Set([...builtins.keys(), ...COMPILER_PLANNED]);
  const list = [...names]
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((name) => {
      const d = BUILTIN_DECLS.get(name);
      if (d === undefined) {
        const arity = builtins.get(name)?.arity ?? 0;
        return { name, decl: arity < 0 ? { type: 'function', variadic: any } : { args: Array.from({ length: arity }, () => any), result: any, type: 'function' } };
      }
      const decl: Record<string, unknown> = {};
      if (d.args !== undefined && d.args.length > 0) decl.args = d.args.map((a) => sortedTypeJson(parseTypeNotation(a)));
      if (d.result !== undefined) decl.result = sortedTypeJson(parseTypeNotation(d.result));
      decl.type = 'function';
      if (d.variadic !== undefined) decl.variadic = sortedTypeJson(parseTypeNotation(d.variadic));
      const entry: Record<string, unknown> = { name, decl };
      if (d.infix !== undefined) entry.infix = d.infix;
      if (d.relation === true) entry.relation = true;
      if (d.deprecated === true) entry.deprecated = true;
      if (d.nondeterministic === true) entry.nondeterministic = true;
      return entry;
    });
  return JSON.stringify({ builtins: list, future_keywords: ['not'], features: ['keywords_in_refs', 'rego_v1', 'template_strings'] }, null, 2) + '\n';
}
