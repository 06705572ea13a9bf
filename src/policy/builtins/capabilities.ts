/**
 * OPA's capabilities file (`opa test|check|eval --capabilities caps.json`, ast/capabilities.go):
 * the builtins a policy may call, each with its declaration. A builtin it declares that regate
 * does not implement — a host program's own, like conforma's `ec.oci.blob` or Regal's
 * `regal.parse_module` — becomes known to the compiler with the declared arity, so the policies
 * compile and a test that replaces it (`with ec.oci.blob as mock`) runs; calling it raises what
 * OPA raises for a builtin without an implementation, "unsupported built-in"
 * (eval_internal_error). Regate's own builtins stay available whether the file lists them or not.
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
 * `base` and the builtins `capabilitiesJson` declares that `base` lacks (as stubs). Throws
 * CapabilitiesError for a file that is not a capabilities document.
 *
 * @example registryWithCapabilities('{"builtins":[{"name":"ec.oci.blob","decl":{"type":"function","args":[{"type":"string"}]}}]}', defaultRegistry)
 */
export function registryWithCapabilities(capabilitiesJson: string, base: BuiltinRegistry): BuiltinRegistry {
  const extra: BuiltinDef[] = [];
  for (const d of declaredBuiltins(capabilitiesJson)) {
    if (base.has(d.name) || extra.some((x) => x.name === d.name)) continue;
    extra.push({
      name: d.name,
      arity: d.arity,
      impl: () => {
        throw new RegoError('REGO_ERR_UNSUPPORTED_BUILTIN', `${d.name}: unsupported built-in`);
      },
    });
  }
  return extra.length === 0 ? base : createRegistry([...base.values(), ...extra]);
}
