/**
 * The static types of the compile-time type checker (check-types.ts): scalars, arrays and sets
 * with the type of their members, objects (open, or closed with the properties a JSON Schema
 * names), and `any` for what is not known. A simplified form of OPA's `types` package.
 *
 * @example
 *   show(arr(N)); // 'array[number]'
 */
export type Ty =
  | { k: 'any' }
  | { k: 'null' | 'boolean' | 'number' | 'string' }
  /** `items`: an array literal's members one by one (OPA's static array type); `of` is their union */
  | { k: 'array'; of: Ty; items?: readonly Ty[] }
  | { k: 'set'; of: Ty }
  /** `props`: keys known to exist with their types; only these unless `open` (without props: any keys) */
  | { k: 'object'; props?: Readonly<Record<string, Ty>>; open?: boolean };

export const ANY: Ty = { k: 'any' };
export const S: Ty = { k: 'string' };
export const N: Ty = { k: 'number' };
export const B: Ty = { k: 'boolean' };
export const NULL: Ty = { k: 'null' };
export const arr = (of: Ty = ANY): Ty => ({ k: 'array', of });
export const set = (of: Ty = ANY): Ty => ({ k: 'set', of });
export const OBJ: Ty = { k: 'object' };

/** Does a value of type `have` fit `want`? Unknown (`any`) fits everything. */
export function fits(have: Ty, want: Ty): boolean {
  if (have.k === 'any' || want.k === 'any') return true;
  if (have.k !== want.k) return false;
  if (have.k === 'array' && want.k === 'array') {
    // two array literals unify only member by member (OPA's unify2Array), so lengths must agree
    if (have.items !== undefined && want.items !== undefined) return have.items.length === want.items.length && have.items.every((h, i) => fits(h, want.items![i]!));
    if (have.items !== undefined) return have.items.every((h) => fits(h, want.of));
    if (want.items !== undefined) return want.items.every((w) => fits(have.of, w));
    return fits(have.of, want.of);
  }
  if (have.k === 'set' && want.k === 'set') return fits(have.of, want.of);
  if (have.k === 'object' && want.k === 'object' && have.props !== undefined && want.props !== undefined && !have.open && !want.open) {
    // closed objects (literals with constant keys, closed schemas) have exactly their keys
    const hk = Object.keys(have.props);
    return hk.length === Object.keys(want.props).length && hk.every((k) => want.props![k] !== undefined && fits(have.props![k]!, want.props![k]!));
  }
  return true;
}

/** As OPA prints types in error details. */
export function show(t: Ty): string {
  if (t.k === 'array' && t.items !== undefined) return `array<${t.items.map(show).join(', ')}>`;
  if (t.k === 'array' || t.k === 'set') return `${t.k}[${show(t.of)}]`;
  if (t.k === 'object') {
    if (t.props === undefined) return 'object[any: any]';
    const props = Object.keys(t.props).sort().map((k) => `${k}: ${show(t.props![k]!)}`).join(', ');
    return t.open ? `object<${props}>[any: any]` : `object<${props}>`;
  }
  return t.k;
}

export const isScalar = (t: Ty): boolean => t.k === 'null' || t.k === 'boolean' || t.k === 'number' || t.k === 'string';
