/**
 * OPA's intermediate representation (`ir.Policy`), exactly the JSON that `opa build -t plan`
 * writes. Our compiler emits it and both back ends consume it, so each back end can be tested on
 * OPA's own plans (../shared/conformance/plans) independently of our front end.
 *
 * Conventions (from OPA's planner): local 0 is `input`, local 1 is `data`; functions take
 * (input, data, …args) as locals; a block stops at the first statement that is undefined/false;
 * `BreakStmt{index}` leaves `index` enclosing blocks; operands are locals, booleans or indexes
 * into `static.strings`.
 */
export type Local = number;

export type Operand =
  | { type: 'local'; value: Local }
  | { type: 'bool'; value: boolean }
  | { type: 'string_index'; value: number };

export interface Pos {
  file: number;
  col: number;
  row: number;
}

export interface Block {
  stmts: Stmt[];
}

type S<T extends string, B> = { type: T; stmt: B & Pos };

export type Stmt =
  | S<'ArrayAppendStmt', { array: Local; value: Operand }>
  | S<'AssignIntStmt', { target: Local; value: number }>
  | S<'AssignVarOnceStmt', { source: Operand; target: Local }>
  | S<'AssignVarStmt', { source: Operand; target: Local }>
  | S<'BlockStmt', { blocks: Block[] | null }>
  | S<'BreakStmt', { index: number }>
  | S<'CallDynamicStmt', { args: Local[]; path: Operand[]; result: Local }>
  | S<'CallStmt', { func: string; args: Operand[] | null; result: Local }>
  | S<'DotStmt', { source: Operand; key: Operand; target: Local }>
  | S<'EqualStmt', { a: Operand; b: Operand }>
  | S<'NotEqualStmt', { a: Operand; b: Operand }>
  | S<'IsArrayStmt', { source: Operand }>
  | S<'IsObjectStmt', { source: Operand }>
  | S<'IsSetStmt', { source: Operand }>
  | S<'IsDefinedStmt', { source: Local }>
  | S<'IsUndefinedStmt', { source: Local }>
  | S<'LenStmt', { source: Operand; target: Local }>
  | S<'MakeArrayStmt', { capacity: number; target: Local }>
  | S<'MakeNullStmt', { target: Local }>
  | S<'MakeNumberIntStmt', { target: Local; value: number }>
  /** `Index` (capital I, as OPA serialises it) indexes static.strings holding the number's text */
  | S<'MakeNumberRefStmt', { Index: number; target: Local }>
  | S<'MakeObjectStmt', { target: Local }>
  | S<'MakeSetStmt', { target: Local }>
  | S<'NopStmt', Record<string, never>>
  | S<'NotStmt', { block: Block }>
  | S<'ObjectInsertOnceStmt', { key: Operand; value: Operand; object: Local }>
  | S<'ObjectInsertStmt', { key: Operand; value: Operand; object: Local }>
  | S<'ObjectMergeStmt', { a: Local; b: Local; target: Local }>
  | S<'ResetLocalStmt', { target: Local }>
  | S<'ResultSetAddStmt', { value: Local }>
  | S<'ReturnLocalStmt', { source: Local }>
  | S<'ScanStmt', { source: Local; key: Local; value: Local; block: Block }>
  | S<'SetAddStmt', { value: Operand; set: Local }>
  /** `path` may be null/absent when the whole local is replaced */
  | S<'WithStmt', { local: Local; path?: number[] | null; value: Operand; block: Block }>;

export type StmtType = Stmt['type'];

export interface Plan {
  name: string;
  blocks: Block[];
}

export interface Func {
  name: string;
  params: Local[];
  return: Local;
  blocks: Block[];
  /** the rule's data path, e.g. ["g0", "generated", "p"] */
  path?: string[];
}

export interface BuiltinFuncDecl {
  name: string;
  /** OPA's type declaration (`types.Function` JSON); kept as-is */
  decl: unknown;
}

export interface Policy {
  static: {
    strings?: { value: string }[] | null;
    builtin_funcs?: BuiltinFuncDecl[] | null;
    files?: { value: string }[] | null;
  };
  plans: { plans: Plan[] | null };
  funcs?: { funcs: Func[] | null } | null;
}

/**
 * Functions regate's compiler names with this prefix evaluate a comprehension once, grouped for
 * comprehension indexing (compiler/comprehension-index.ts). They take only (input, data), so
 * both back ends memoize them per evaluation and per `with` frame, like every rule without
 * arguments.
 */
export const COMPREHENSION_INDEX_FUNC_PREFIX = 'g0.$comprehension_index.';
