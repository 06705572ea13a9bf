/**
 * The static types of the compile-time type checker (check-types.ts): scalars, arrays and sets
 * with the type of their members, objects (open, or closed with the properties a JSON Schema
 * names), unions (OPA's `any<…>` with members), and `any` for what is not known. A simplified
 * form of OPA's `types` package.
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
  /**
   * `dyn`: the key and value types of an open object as a builtin declares them
   * (`object[string: any]`), for printing what a builtin wants; not checked (any object fits)
   */
  | { k: 'object'; props?: Readonly<Record<string, Ty>>; open?: boolean; dyn?: { key: Ty; value: Ty } }
  /** one of several known types (OPA's types.Any with members: `any<number, string>`); at least two */
  | { k: 'union'; of: readonly Ty[] };

export const ANY: Ty = { k: 'any' };
export const S: Ty = { k: 'string' };
export const N: Ty = { k: 'number' };
export const B: Ty = { k: 'boolean' };
export const NULL: Ty = { k: 'null' };
export const arr = (of: Ty = ANY): Ty => ({ k: 'array', of });
export const set = (of: Ty = ANY): Ty => ({ k: 'set', of });
export const OBJ: Ty = { k: 'object' };

/** OPA's order of type kinds (types.Compare's typeOrder), for printing union members as OPA does. */
const ORDER: Record<Ty['k'], number> = { null: 0, boolean: 1, number: 2, string: 3, array: 4, object: 5, set: 6, any: 7, union: 7 };

/**
 * The union of types as OPA's types.Or joins them: equal types are one type, a union's members
 * are taken in, and an unknown member (`any`) makes the whole unknown (Any.Add on the empty
 * Any returns it unchanged).
 *
 * @example
 *   show(unionOf([S, N, S])); // 'any<number, string>'
 */
export function unionOf(tys: readonly Ty[]): Ty {
  const members = new Map<string, Ty>();
  for (const t of tys) {
    if (t.k === 'any') return ANY;
    for (const m of t.k === 'union' ? t.of : [t]) members.set(show(m), m);
  }
  if (members.size === 0) return ANY;
  if (members.size === 1) return members.values().next().value!;
  const of = [...members.entries()].sort(([a, x], [b, y]) => ORDER[x.k] - ORDER[y.k] || (a < b ? -1 : a > b ? 1 : 0)).map(([, t]) => t);
  return { k: 'union', of };
}

/**
 * Does a value of type `have` fit `want`? Unknown (`any`) fits everything; a union fits when one
 * of its members does, on either side (OPA's unifies → unifiesAny).
 */
export function fits(have: Ty, want: Ty): boolean {
  if (have.k === 'any' || want.k === 'any') return true;
  if (have.k === 'union') return have.of.some((h) => fits(h, want));
  if (want.k === 'union') return want.of.some((w) => fits(have, w));
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
  if (t.k === 'union') return `any<${t.of.map(show).join(', ')}>`;
  if (t.k === 'array' && t.items !== undefined) return `array<${t.items.map(show).join(', ')}>`;
  if (t.k === 'array' || t.k === 'set') return `${t.k}[${show(t.of)}]`;
  if (t.k === 'object') {
    const dyn = t.dyn === undefined ? '[any: any]' : `[${show(t.dyn.key)}: ${show(t.dyn.value)}]`;
    if (t.props === undefined) return `object${dyn}`;
    const props = Object.keys(t.props).sort().map((k) => `${k}: ${show(t.props![k]!)}`).join(', ');
    return t.open ? `object<${props}>${dyn}` : `object<${props}>`;
  }
  return t.k;
}

export const isScalar = (t: Ty): boolean => t.k === 'null' || t.k === 'boolean' || t.k === 'number' || t.k === 'string';
