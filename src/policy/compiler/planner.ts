/**
 * Planner state shared by the plan-*.ts passes: the string table, functions emitted so far,
 * builtins used, locals of the function being planned, the current block and source position.
 *
 * Planning is continuation-passing like OPA's planner (internal/planner/planner.go): each
 * literal emits its statements and calls the continuation *inside* whatever block it opened
 * (a ScanStmt body for iteration), so the rest of the body runs once per solution.
 */
import type { RegoError } from '../errors.js';
import type { Block, Func, Local, Operand, Stmt } from '../ir/types.js';
import type { CallTerm, Rule, Span } from '../syntax/ast.js';
import type { RuleGroup, RuleIndex, RuleInfo } from './rule-index.js';

export type Scope = ReadonlyMap<string, Local>;
export type K = (s: Scope) => void;
export type KOp = (op: Operand, s: Scope) => void;

/** Replacements in effect inside `with` (data paths overridden, functions mocked). */
export interface MockContext {
  /** data paths (below data) replaced by a `with data.… as` */
  data: string[][];
  /** function name (builtin or `data.…` path joined by '.') → replacement */
  fns: Map<string, { kind: 'fn'; name: string[] } | { kind: 'value'; key: string }>;
}

interface FuncState {
  nextLocal: number;
  block: Stmt[];
}

export class Planner {
  readonly strings: string[] = [];
  private readonly stringIdx = new Map<string, number>();
  readonly funcs = new Map<string, Func>();
  readonly builtins = new Map<string, number>();
  /** functions being planned (recursion detection) */
  readonly inProgress = new Set<string>();
  /** planning met a rule that is being planned: check-recursion.ts reports the cycles after planning */
  recursionFound = false;
  /** the rule definition and branch (0: its body, i: its i-th `else`) whose body is being planned */
  planningDef: { rule: Rule; branch: number } | undefined;
  /** per rule definition and branch: the rule groups (RuleGroup.key) its planning called on */
  readonly dependencies = new Map<Rule, (Set<string> | undefined)[]>();
  private fs: FuncState = { nextLocal: 2, block: [] };
  span: Span = { file: '<query>', line: 1, col: 1 };
  mocks: MockContext = { data: [], fns: new Map() };
  /** the rule whose body is being planned (for rego.metadata.*) */
  currentRule: { ri: RuleInfo; g: RuleGroup } | undefined;
  /**
   * Comprehensions that are one side of a `var = comprehension` literal, not negated and without
   * `with` (marked by planBody): the ones comprehension-index.ts may index, as OPA's compiler.
   */
  readonly indexable = new WeakSet<object>();
  /** counter for fresh variable names (resolve.ts) */
  readonly counter = { n: 0 };
  /** package path key → names of the rules in that package */
  readonly ruleNamesByPkg = new Map<string, Set<string>>();

  constructor(
    readonly index: RuleIndex,
    readonly files: string[],
    readonly errors: RegoError[],
    /** operand count of a builtin or user function, undefined if unknown */
    readonly arityOf: (call: CallTerm) => number | undefined,
  ) {
    // the first occurrence of a name wins, as indexOf found it
    for (let i = files.length - 1; i >= 0; i--) this.fileIndex.set(files[i]!, i);
  }

  private readonly fileIndex = new Map<string, number>();

  ruleNames(pkg: readonly string[]): Set<string> {
    return this.ruleNamesByPkg.get(JSON.stringify(pkg)) ?? new Set();
  }

  str(s: string): Operand {
    let i = this.stringIdx.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.stringIdx.set(s, i);
    }
    return { type: 'string_index', value: i };
  }

  strIndex(s: string): number {
    return (this.str(s) as { value: number }).value;
  }

  local(): Local {
    return this.fs.nextLocal++;
  }

  /**
   * The arguments of a rule head, unified with its parameters as literals of its body: no
   * expression OPA evaluates (its coverage marks a head only when the body succeeds).
   */
  readonly headArgs = new WeakSet<object>();

  /** The statements of the block being planned (planBody drops a NopStmt it did not need). */
  get currentStmts(): Stmt[] {
    return this.fs.block;
  }

  /** Appends a statement at the current position. */
  emit<T extends Stmt['type']>(type: T, body: Omit<Extract<Stmt, { type: T }>['stmt'], 'file' | 'row' | 'col'>): void {
    // a map, not files.indexOf: a bundle of many files would scan them for every statement
    const file = this.fileIndex.get(this.span.file) ?? 0;
    this.fs.block.push({ type, stmt: { ...body, file, row: this.span.line, col: this.span.col } } as Stmt);
  }

  /**
   * Runs `fn` with a fresh current block and returns it. The statement that holds the block
   * (ScanStmt, BlockStmt, NotStmt, WithStmt) is emitted after `fn` has planned the rest of the
   * body into it, so the location is put back: that statement belongs to the expression that
   * opened the block, not to the rule head the continuation ended at (coverage would otherwise
   * mark the head line whenever a scan starts, and a `some x in xs` line never).
   */
  block(fn: () => void): Block {
    const saved = this.fs.block;
    const savedSpan = this.span;
    const stmts: Stmt[] = [];
    this.fs.block = stmts;
    try {
      fn();
    } finally {
      this.fs.block = saved;
      this.span = savedSpan;
    }
    return { stmts };
  }

  /** A location no line of the source has: bookkeeping statements (coverage marks no line for them). */
  noLocation(): Span {
    return { file: this.span.file, line: 0, col: 0 };
  }

  /** Emits `BlockStmt{[block]}`: statements whose failure must not end the enclosing block. */
  sub(fn: () => void): void {
    const b = this.block(fn);
    this.emit('BlockStmt', { blocks: [b] });
  }

  /** Plans a function body with its own locals (params 0..nparams-1) and returns its blocks. */
  withFunction<T>(nparams: number, fn: () => T): T {
    const saved = this.fs;
    const savedSpan = this.span;
    const savedMocks = this.mocks;
    this.fs = { nextLocal: nparams, block: [] };
    try {
      return fn();
    } finally {
      this.fs = saved;
      this.span = savedSpan;
      this.mocks = savedMocks;
    }
  }

  toLocal(op: Operand): Local {
    if (op.type === 'local') return op.value;
    const l = this.local();
    this.emit('AssignVarStmt', { source: op, target: l });
    return l;
  }

  /** A statement that always fails (e.g. unifying arrays of different lengths). */
  fail(): void {
    this.emit('EqualStmt', { a: { type: 'bool', value: true }, b: { type: 'bool', value: false } });
  }

  useBuiltin(name: string, arity: number): void {
    this.builtins.set(name, arity);
  }
}

export const bind = (s: Scope, name: string, l: Local): Scope => new Map(s).set(name, l);
