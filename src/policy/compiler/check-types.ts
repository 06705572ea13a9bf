/**
 * The part of OPA's type checker (ast/check.go) that needs no schemas: a builtin called with an
 * operand whose type is known at compile time — a literal, a collection of literals, the
 * result of another builtin, or a variable the rule declares once from one of those — and is
 * not one the builtin accepts is a rego_type_error
 * ("count: invalid argument(s)"), as `opa check` reports it, instead of an undefined result at
 * run time. Operands of unknown type (variables, refs into input/data, user functions) are
 * never an error here: the check only refuses what OPA refuses too.
 *
 * @example
 *   checkTypes(parseModule('package p\nq := count(1)'), errors); // REGO_ERR_TYPE: count: invalid argument(s)
 */
import type { RegoError } from '../errors.js';
import type { Module, Rule, Term } from '../syntax/ast.js';
import { walkRule, walkTerm } from '../syntax/walk.js';
import { createCompileError } from './compile-error.js';

/** A static type: a scalar, a collection with the type of its members (`any` when mixed or unknown), or unknown. */
type Ty =
  | { k: 'any' }
  | { k: 'null' | 'boolean' | 'number' | 'string' }
  | { k: 'array' | 'set'; of: Ty }
  | { k: 'object' };

const ANY: Ty = { k: 'any' };
const S: Ty = { k: 'string' };
const N: Ty = { k: 'number' };
const B: Ty = { k: 'boolean' };
const arr = (of: Ty = ANY): Ty => ({ k: 'array', of });
const set = (of: Ty = ANY): Ty => ({ k: 'set', of });
const OBJ: Ty = { k: 'object' };

/** A parameter: the types it accepts (a union). */
type Param = Ty[];
interface Decl {
  args: Param[];
  result: Ty;
}

const coll = (of: Ty = ANY): Param => [arr(of), set(of)];
const d = (args: Param[], result: Ty): Decl => ({ args, result });

/**
 * Signatures of the builtins policies call most, written from OPA's builtin reference
 * (https://www.openpolicyagent.org/docs/policy-reference/#built-in-functions). A builtin not
 * listed here is not type-checked.
 */
const DECLS: Record<string, Decl> = {
  plus: d([[N], [N]], N),
  minus: d([[N, set()], [N, set()]], ANY),
  mul: d([[N], [N]], N),
  div: d([[N], [N]], N),
  rem: d([[N], [N]], N),
  and: d([[set()], [set()]], set()),
  or: d([[set()], [set()]], set()),
  abs: d([[N]], N),
  ceil: d([[N]], N),
  floor: d([[N]], N),
  round: d([[N]], N),
  count: d([[arr(), set(), OBJ, S]], N),
  sum: d([coll(N)], N),
  product: d([coll(N)], N),
  max: d([coll()], ANY),
  min: d([coll()], ANY),
  sort: d([coll()], arr()),
  concat: d([[S], coll(S)], S),
  contains: d([[S], [S]], B),
  startswith: d([[S], [S]], B),
  endswith: d([[S], [S]], B),
  format_int: d([[N], [N]], S),
  indexof: d([[S], [S]], N),
  lower: d([[S]], S),
  upper: d([[S]], S),
  replace: d([[S], [S], [S]], S),
  split: d([[S], [S]], arr(S)),
  sprintf: d([[S], [arr()]], S),
  substring: d([[S], [N], [N]], S),
  trim: d([[S], [S]], S),
  trim_left: d([[S], [S]], S),
  trim_right: d([[S], [S]], S),
  trim_prefix: d([[S], [S]], S),
  trim_suffix: d([[S], [S]], S),
  trim_space: d([[S]], S),
  'strings.reverse': d([[S]], S),
  'regex.match': d([[S], [S]], B),
  'regex.split': d([[S], [S]], arr(S)),
  'glob.match': d([[S], [arr(S), { k: 'null' }], [S]], B),
  'json.unmarshal': d([[S]], ANY),
  'json.is_valid': d([[S]], B),
  'base64.encode': d([[S]], S),
  'base64.decode': d([[S]], S),
  'base64url.encode': d([[S]], S),
  'base64url.decode': d([[S]], S),
  'urlquery.encode': d([[S]], S),
  'urlquery.decode': d([[S]], S),
  'object.get': d([[OBJ], [ANY], [ANY]], ANY),
  'object.keys': d([[OBJ]], set()),
  'object.union': d([[OBJ], [OBJ]], OBJ),
  'object.remove': d([[OBJ], [arr(), set(), OBJ]], OBJ),
  'object.filter': d([[OBJ], [arr(), set(), OBJ]], OBJ),
  'array.concat': d([[arr()], [arr()]], arr()),
  'array.slice': d([[arr()], [N], [N]], arr()),
  'array.reverse': d([[arr()]], arr()),
  'numbers.range': d([[N], [N]], arr(N)),
  'time.parse_rfc3339_ns': d([[S]], N),
  'time.parse_duration_ns': d([[S]], N),
  'units.parse_bytes': d([[S]], N),
  'units.parse': d([[S]], N),
  'crypto.sha256': d([[S]], S),
  'crypto.md5': d([[S]], S),
  'crypto.sha1': d([[S]], S),
  'io.jwt.decode': d([[S]], arr()),
};

/** Types of variables a rule declares once, with `x := <typed term>` (see varTypes). */
type VarTypes = ReadonlyMap<string, Ty>;
const NO_VARS: VarTypes = new Map();

function typeOf(t: Term, vars: VarTypes = NO_VARS): Ty {
  switch (t.kind) {
    case 'var':
      return vars.get(t.name) ?? ANY;
    case 'null':
      return { k: 'null' };
    case 'bool':
      return B;
    case 'number':
      return N;
    case 'string':
    case 'template':
      return S;
    case 'array':
      return arr(memberType(t.items, vars));
    case 'set':
      return set(memberType(t.items, vars));
    case 'object':
      return OBJ;
    case 'arraycomp':
      return arr();
    case 'setcomp':
      return set();
    case 'objectcomp':
      return OBJ;
    case 'call': {
      const decl = t.fn.length >= 1 && t.fn[0] !== 'data' ? DECLS[t.fn.join('.')] : undefined;
      return decl?.result ?? ANY;
    }
    default:
      return ANY;
  }
}

/** The one type of every member, or any (mixed, unknown, or no members). */
function memberType(items: Term[], vars: VarTypes): Ty {
  if (items.length === 0) return ANY;
  const types = items.map((i) => typeOf(i, vars));
  const first = JSON.stringify(types[0]);
  return types.every((x) => JSON.stringify(x) === first) ? types[0]! : ANY;
}

/** Does a value of type `have` fit `want`? Unknown (`any`) fits everything. */
function fits(have: Ty, want: Ty): boolean {
  if (have.k === 'any' || want.k === 'any') return true;
  if (have.k !== want.k) return false;
  if ((have.k === 'array' || have.k === 'set') && (want.k === 'array' || want.k === 'set')) return fits(have.of, want.of);
  return true;
}

function show(t: Ty): string {
  return t.k === 'array' || t.k === 'set' ? `${t.k}[${show(t.of)}]` : t.k === 'object' ? 'object[any: any]' : t.k;
}

/**
 * `x := <term of known type>` where that is the only way the rule binds `x` (no other `:=`,
 * `=`, `some`, `every`, function argument or pattern of that name anywhere in the rule): x has
 * that type wherever the rule mentions it, whatever the scope, since nothing else can bind it.
 */
function varTypes(r: Rule): VarTypes {
  const decls = new Map<string, Term[]>();
  const other = new Set<string>();
  const bindAll = (t: Term): void => walkTerm(t, { term: (x) => void (x.kind === 'var' && other.add(x.name)) });
  r.args?.forEach(bindAll);
  walkRule(r, {
    expr: (e) => {
      if (e.kind === 'assign' && e.lhs.kind === 'var') decls.set(e.lhs.name, [...(decls.get(e.lhs.name) ?? []), e.rhs]);
      else if (e.kind === 'assign') bindAll(e.lhs);
      else if (e.kind === 'unify') (bindAll(e.lhs), bindAll(e.rhs));
      else if (e.kind === 'some') e.vars.forEach(bindAll);
      else if (e.kind === 'somein' || e.kind === 'every') {
        if (e.key) bindAll(e.key);
        bindAll(e.value);
      }
    },
  });
  const out = new Map<string, Ty>();
  for (const [name, rhs] of decls) {
    if (rhs.length !== 1 || other.has(name)) continue;
    const ty = typeOf(rhs[0]!);
    if (ty.k !== 'any') out.set(name, ty);
  }
  return out;
}

export function checkTypes(mod: Module, errors: RegoError[]): void {
  // a package's own rule or an import alias of a builtin's name is what a call means there
  const local = new Set([...mod.rules.map((r) => (r.ref[0] as { value: string }).value), ...mod.imports.flatMap((i) => (i.alias ? [i.alias] : []))]);
  for (const r of mod.rules) {
    const vars = varTypes(r);
    walkRule(r, {
      term: (t) => {
        if (t.kind !== 'call' || t.fn[0] === 'data' || (t.fn.length === 1 && local.has(t.fn[0]!))) return;
        const name = t.fn.join('.');
        const decl = DECLS[name];
        if (decl === undefined || decl.args.length !== t.args.length) return; // arity errors are reported elsewhere
        const have = t.args.map((a) => typeOf(a, vars));
        if (have.every((h, i) => decl.args[i]!.some((w) => fits(h, w)))) return;
        const want = decl.args.map((p) => (p.length === 1 ? show(p[0]!) : `any<${p.map(show).join(', ')}>`));
        errors.push(createCompileError('REGO_ERR_TYPE', `${name}: invalid argument(s)\n\thave: (${have.map(show).join(', ')})\n\twant: (${want.join(', ')})`, t.span));
      },
    });
  }
}
