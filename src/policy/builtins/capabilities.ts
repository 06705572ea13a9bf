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
 * Not applied (regate has no such switch): the file's `future_keywords` and `features`, and
 * the argument types of `decl` (only their number). `print`, `rego.metadata.*` and the
 * iteration `some x in xs` are planned by the compiler itself and stay available (OPA checks
 * that iteration as `internal.member_2`/`_3`).
 */
import { RegoError } from '../errors.js';
import { createRegistry, type BuiltinDef, type BuiltinRegistry } from './registry.js';

/** A capabilities file that is not one: what is wrong with it. */
export class CapabilitiesError extends Error {}

interface DeclaredBuiltin {
  name: string;
  arity: number;
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
    const decl = (b as { decl?: { args?: unknown; variadic?: unknown } }).decl;
    // A variadic declaration (OPA's print) takes any number of operands.
    const arity = decl?.variadic !== undefined ? -1 : Array.isArray(decl?.args) ? decl.args.length : 0;
    return { name, arity };
  });
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
 * and Rego v1's keywords. Read back by registryWithCapabilities it gives the same
 * set, so a CI can pin a policy to the builtins of the regate it was written for.
 *
 * @example JSON.parse(capabilitiesDocument(defaultRegistry)).builtins[0] // { name: 'abs', decl: { type: 'function', args: [{ type: 'any' }], result: { type: 'any' } } }
 */
export function capabilitiesDocument(builtins: BuiltinRegistry): string {
  const any = { type: 'any' };
  const list = [...builtins.values()]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((b) => ({ name: b.name, decl: b.arity < 0 ? { type: 'function', variadic: any, result: any } : { type: 'function', args: Array.from({ length: b.arity }, () => any), result: any } }));
  return JSON.stringify({ builtins: list, future_keywords: ['contains', 'every', 'if', 'in'] }, null, 2) + '\n';
}
