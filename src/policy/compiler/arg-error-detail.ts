/**
 * The detail lines of OPA's argument errors (ast/check.go ArgErrDetail): `have:` the operand
 * types, `want:` the declared signature with the names OPA's declarations give the operands and
 * the result (types.NamedType prints `name: type`). Shared by the type checker's `invalid
 * argument(s)` and `arity mismatch` of a `with` replacement, and the planner's arity errors
 * (OPA's checkUndefinedFuncs stage).
 *
 * @example
 *   wantText('count', [[arr()]], N); // '(collection: array[any], n: number)'
 */
import type { Term } from '../syntax/ast.js';
import { BUILTIN_ARG_NAMES } from '../builtins/builtin-arg-names.js';
import { show, unionOf, type Ty } from './static-type.js';

/** A declared operand: the types it accepts (a union's members, or the one type). */
export type Param = Ty[];

/** A parameter as OPA prints it: one type, or `any<…>` of its types in the order its declaration lists them (types.NewAny keeps it). */
export const showParam = (p: Param): string => (p.length === 1 ? show(p[0]!) : `any<${p.map(show).join(', ')}>`);

/**
 * A builtin's wanted signature: each operand (and the result, when given) as `name: type` where
 * OPA's declaration names it, else its type alone (an operand declared without a name, or a
 * function of the policy, whose type OPA builds from the rule without names).
 */
export function wantText(name: string, args: Param[], result?: Ty): string {
  const names = BUILTIN_ARG_NAMES.get(name);
  const named = (n: string | undefined, text: string): string => (n === undefined || n === '' ? text : `${n}: ${text}`);
  const parts = args.map((p, i) => named(names?.args[i], showParam(p)));
  if (result !== undefined) parts.push(named(names?.result, show(result)));
  return `(${parts.join(', ')})`;
}

/**
 * An operand's type as OPA's checkUndefinedFuncs sees it, before any rule is type-checked: the
 * type environment holds only the builtins, so constants and collections of them have their
 * types, a ref into input or data is `any` (a root document), and a variable, a ref from a
 * local, a nested call or a template string (both rewritten to a call with a local output by
 * then) is unknown: `???` (types.Sprint of nil).
 * A comprehension is given its collection with members of any (OPA would check its body).
 */
export function preCheckType(t: Term): Ty | undefined {
  switch (t.kind) {
    case 'null':
      return { k: 'null' };
    case 'bool':
      return { k: 'boolean' };
    case 'number':
      return { k: 'number' };
    case 'string':
      return { k: 'string' };
    case 'ref':
      return t.head.kind === 'var' && (t.head.name === 'input' || t.head.name === 'data') ? { k: 'any' } : undefined;
    case 'array':
      return t.items.length === 0 ? { k: 'array', of: { k: 'any' } } : undefined;
    case 'arraycomp':
      return { k: 'array', of: { k: 'any' } };
    case 'setcomp':
      return { k: 'set', of: { k: 'any' } };
    case 'objectcomp':
      return { k: 'object' };
    default:
      return undefined;
  }
}

/** preCheckType as OPA prints it; array, set and object literals member by member (env.GetByValue). */
export function preCheckText(t: Term): string {
  if (t.kind === 'array' && t.items.length > 0) return `array<${t.items.map(preCheckText).join(', ')}>`;
  if (t.kind === 'set') {
    // types.Or skips unknown members; a set of none known is set[any]
    const known = t.items.map(preCheckType).filter((x): x is Ty => x !== undefined);
    return `set[${known.length === 0 ? 'any' : show(unionOf(known))}]`;
  }
  if (t.kind === 'object') {
    if (t.entries.length === 0) return 'object[any: any]';
    if (!t.entries.every(([k]) => k.kind === 'string')) return 'object[any: any]';
    const props = t.entries
      .map(([k, v]) => [(k as { value: string }).value, preCheckText(v)] as const)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${k}: ${v}`);
    return `object<${props.join(', ')}>`;
  }
  const ty = preCheckType(t);
  return ty === undefined ? '???' : show(ty);
}

/**
 * OPA's arityMismatchError for a builtin: the operands as written (and the output OPA added to a
 * call used as a value, unknown), then the declared operands with their names (NamedFuncArgs,
 * without the result).
 *
 * @example arityDetail('count', [1, 2, 3], false, [[…]]) // 'have: (number, number, number)\n\twant: (collection: any<…>)'
 */
export function arityDetail(name: string, args: Term[], valued: boolean, params: Param[]): string {
  const have = args.map(preCheckText);
  if (valued) have.push('???');
  return `have: (${have.join(', ')})\n\twant: ${wantText(name, params)}`;
}
