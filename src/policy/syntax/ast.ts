/**
 * The Rego AST. Every node carries a `span` (file, line, col). Numbers keep their literal text
 * so integers of any size survive to the IR (`MakeNumberRefStmt`).
 */
import type { Span } from './tokens.js';

export type { Span } from './tokens.js';

interface Node {
  span: Span;
}

export interface NullTerm extends Node { kind: 'null' }
export interface BoolTerm extends Node { kind: 'bool'; value: boolean }
export interface NumberTerm extends Node { kind: 'number'; text: string }
/** `fromDot`: written as `.name` in a ref (not `["name"]`); v0 partial-set heads need the difference */
export interface StringTerm extends Node { kind: 'string'; value: string; fromDot?: boolean }
/** `_` is parsed as a var named `_`; each occurrence is a distinct wildcard. */
export interface VarTerm extends Node { kind: 'var'; name: string }
/** `head.a[b]…`; dot access is stored as a string term. */
export interface RefTerm extends Node { kind: 'ref'; head: Term; path: Term[] }
export interface ArrayTerm extends Node { kind: 'array'; items: Term[] }
export interface SetTerm extends Node { kind: 'set'; items: Term[] }
export interface ObjectTerm extends Node { kind: 'object'; entries: [Term, Term][] }
/**
 * A call: `fn` is the dotted name as written (`count`, `strings.replace_n`, `data.lib.f`);
 * operators are calls to their builtin (`plus`, `equal`, …) with `op` set.
 */
export interface CallTerm extends Node { kind: 'call'; fn: string[]; args: Term[]; op?: string; fnSpan: Span }
export interface ArrayCompTerm extends Node { kind: 'arraycomp'; term: Term; body: Literal[]; free?: string[] }
/** `templateWith`: a template expression with `with` modifiers, already wrapped in its set */
export interface SetCompTerm extends Node { kind: 'setcomp'; term: Term; body: Literal[]; free?: string[]; templateWith?: boolean }
/** `free` (set by the compiler): variables of the enclosing scope the closure reads */
export interface ObjectCompTerm extends Node { kind: 'objectcomp'; key: Term; value: Term; body: Literal[]; free?: string[] }
/** `$"a {x} b"`: text parts and embedded expressions */
export interface TemplateTerm extends Node { kind: 'template'; parts: (string | Term)[] }

export type Term =
  | NullTerm | BoolTerm | NumberTerm | StringTerm | VarTerm | RefTerm | ArrayTerm | SetTerm | ObjectTerm
  | CallTerm | ArrayCompTerm | SetCompTerm | ObjectCompTerm | TemplateTerm;

export type ScalarTerm = NullTerm | BoolTerm | NumberTerm | StringTerm;

export interface With extends Node { target: Term; value: Term }

export type Expr =
  | { kind: 'term'; term: Term; span: Span }
  /** `lhs := rhs` (declare) */
  | { kind: 'assign'; lhs: Term; rhs: Term; span: Span }
  /** `lhs = rhs` (unify) */
  | { kind: 'unify'; lhs: Term; rhs: Term; span: Span }
  /** `some x, y` */
  | { kind: 'some'; vars: VarTerm[]; span: Span }
  /** `some [key,] value in coll` */
  | { kind: 'somein'; key?: Term; value: Term; coll: Term; span: Span }
  /** `every [key,] value in coll { body }` */
  | { kind: 'every'; key?: Term; value: Term; coll: Term; body: Literal[]; span: Span; free?: string[] };

export interface Literal extends Node {
  negated: boolean;
  /**
   * `not expr` in a module with `import future.keywords.not` (OPA 1.17): the negation covers the
   * operands the compiler lifts out of expr (nested calls, dynamic ref keys), so an undefined
   * operand makes the `not` true instead of the rule undefined (compiler/hoist-negated.ts).
   */
  scopedNot?: boolean;
  /**
   * `not { body }` (with `import future.keywords.not`): the body as written, for the formatter;
   * `expr` holds what is planned, `[true | body][0]` — defined exactly when body has a solution.
   */
  notBody?: Literal[];
  expr: Expr;
  with: With[];
}

export interface RuleBody {
  /** value of the head / else branch; undefined means `true` */
  value?: Term;
  body: Literal[];
  span: Span;
  /** `else` without `:=`/`=` has value true */
  assign?: boolean;
}

export interface Annotation {
  scope?: string;
  /** raw YAML text of the METADATA block */
  yaml: string;
  span: Span;
}

export interface Rule extends Node {
  default: boolean;
  /** head reference: first element is the rule name (string term), then path terms (`a.b[x]`) */
  ref: Term[];
  /** `contains` rules: the set member */
  contains?: Term;
  /** function rules: parameters */
  args?: Term[];
  /** head value (absent = true) */
  value?: Term;
  /** `:=` was used */
  assign: boolean;
  body: Literal[];
  /** `else` branches in order */
  elses: RuleBody[];
  annotations: Annotation[];
  /** a further body of `p { a } { b }`: its span is that of its `{` */
  chained?: boolean;
  /** written as a call alone on its line (`f(x)`): OPA reads it as an expression, so a builtin's name is refused */
  bodilessCall?: boolean;
  /** index of the module in the compile input (set by the compiler) */
  module?: number;
}

export interface Import extends Node {
  /** `data.a.b`, `input.x`, `rego.v1`, `future.keywords.in` as path of names/terms */
  path: Term;
  alias?: string;
}

export interface Module extends Node {
  file: string;
  /** package path without `data` */
  package: string[];
  packageSpan: Span;
  imports: Import[];
  rules: Rule[];
  annotations: Annotation[];
  /** v1's checks apply to this v0 module: `import rego.v1` is present, or it was read as `v0v1` (OPA's RegoV0CompatV1) */
  regoV1: boolean;
  /** the dialect the module was parsed in (v0 with `import rego.v1` still says v0) */
  regoVersion: 'v0' | 'v1';
  /** `import future.keywords.not` is present: every negation is scoped (Literal.scopedNot) */
  scopedNot?: boolean;
}

export type Query = Literal[];
