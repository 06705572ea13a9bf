/**
 * IR → JavaScript source. Every plan and function of an `ir.Policy` becomes one JS function:
 * IR locals are JS `let` variables (undefined = the IR's "unset"), every IR block a labelled JS
 * block, so "a statement is undefined → leave the block" is `break <label>`, `BreakStmt{index}`
 * is `break` to the label `index` levels out, and scans are `for` loops whose body is a labelled
 * block (leaving it continues with the next element, as in OPA's WASM compiler, where the scan
 * body sits directly inside the `loop`). Statements are emitted by emit-stmt.ts.
 *
 * The generated code is compiled once per policy with `new Function`; an evaluation then runs
 * plain JS with no interpretation overhead, no per-statement closures and no JSON crossing.
 * Every scan iteration and function entry counts one step of the evaluation budget
 * (`if (--steps === 0) tick();`, eval-budget.ts).
 *
 * Example (one IR block):
 * ```
 * { DotStmt{source: l0, key: "user", target: l2}; EqualStmt{a: l2, b: "alice"}; ResultSetAddStmt{l2} }
 * →  b0: { l2 = l0 == null ? undefined : l0["user"];
 *          if (l2 === undefined && (l2 = dotMiss(l0, "user")) === undefined) break b0;
 *          if (l2 !== "alice") break b0; rs.push(l2); }
 * ```
 */
import type { SourceLocation } from '../../errors.js';
import type { BuiltinDef, BuiltinRegistry } from '../../builtins/registry.js';
import type { Block, Func, Operand, Policy, Stmt } from '../../ir/types.js';
import { emitStmt, invalidPlan, STEP, type Emitter } from './emit-stmt.js';
import { FIRST_CHECK, STEP_INTERVAL } from '../eval-budget.js';
import { engineBuiltin } from '../with-bad-path.js';

export interface GeneratedPolicy {
  /** body of `new Function('rt', 'B', 'LOC', 'COV', body)`, which returns `run(planIndex, input, data, ctx)` */
  source: string;
  builtins: BuiltinDef[];
  locations: SourceLocation[];
  planNames: string[];
  /** with coverage on: the source line of each slot of `COV` (a Uint8Array the code sets to 1) */
  lines: { file: string; row: number }[];
  /** generated with GenerateOptions.trace: `run` takes the tracer as a fifth argument */
  traced?: boolean;
}

export interface GenerateOptions {
  /**
   * Line coverage (`regate policy test --coverage`): before the first statement of each source
   * line in a block, the code marks that line's slot. Off, nothing is emitted: free.
   */
  coverage?: boolean;
  /**
   * Evaluation tracing (`policy eval --explain`, backend/trace.ts): each rule body reports its
   * Enter and Exit, each statement that makes its expression fail a Fail, each trace() a Note,
   * to the tracer `run` gets as its fifth argument. Off (the default, and always for the
   * gateway), none of it is emitted and `run` is the untraced one.
   */
  trace?: boolean;
}

class Generator implements Emitter {
  readonly strings: string[];
  private readonly files: string[];
  readonly funcIndex = new Map<string, number>();
  private readonly builtinIndex = new Map<string, number>();
  readonly voidBuiltins = new Set<string>();
  readonly builtins: BuiltinDef[] = [];
  readonly locations: SourceLocation[] = [];
  readonly hoisted: string[] = [];
  private uid = 0;

  nextId(): number {
    return this.uid++;
  }

  // per-function state
  out: string[] = [];
  labels: string[] = [];
  private locals = new Set<number>();
  isFunction = false;
  memoSlot = -1;
  negated = 0;

  readonly lines: { file: string; row: number }[] = [];
  private readonly lineSlots = new Map<string, number>();

  constructor(
    private readonly policy: Policy,
    private readonly registry: BuiltinRegistry,
    private readonly coverage = false,
    readonly trace = false,
  ) {
    this.strings = (policy.static.strings ?? []).map((s) => s.value);
    this.files = (policy.static.files ?? []).map((s) => s.value);
    const funcs = policy.funcs?.funcs ?? [];
    funcs.forEach((f, i) => this.funcIndex.set(f.name, i));
    for (const d of policy.static.builtin_funcs ?? []) {
      // A declaration without a result (e.g. internal.print) never makes its call undefined.
      const decl = d.decl as { result?: unknown } | null | undefined;
      if (decl && typeof decl === 'object' && !('result' in decl)) this.voidBuiltins.add(d.name);
    }
  }

  generate(): GeneratedPolicy {
    const funcs = this.policy.funcs?.funcs ?? [];
    const plans = this.policy.plans.plans ?? [];
    const bodies: string[] = [];
    funcs.forEach((f, i) => bodies.push(this.genFunc(f, i)));
    const planNames: string[] = [];
    plans.forEach((p, i) => {
      planNames.push(p.name);
      bodies.push(this.genPlan(p.blocks, i));
    });
    const dyn: string[] = [];
    funcs.forEach((f, i) => {
      if (f.path && f.path.length > 0) dyn.push(`[${JSON.stringify(f.path.map((s) => s + '\u0000').join(''))}, f${i}]`);
    });
    const src = [
      '"use strict";',
      'const { dot, dotS, dotMiss, len, scanPairs, objInsert, objInsertOnce, conflict, merge, upsert, dynKey, callBuiltin, equal, isObj, RSet, RNumber, checkBudget } = rt;',
      'const isArray = Array.isArray;',
      'let ctx = null, memoGen = 0, memoCounter = 0;',
      // The evaluation budget (eval-budget.ts): loops and calls count down `steps`; at zero,
      // tick() refills it and checks the clock.
      `let steps = ${FIRST_CHECK};`,
      `function tick() { steps = ${STEP_INTERVAL}; checkBudget(ctx); }`,
      `const memoG = new Float64Array(${funcs.length}), memoV = new Array(${funcs.length});`,
      ...this.builtins.map((_, i) => `const B${i} = B[${i}];`),
      ...this.hoisted,
      ...bodies,
      `const DYN = new Map([${dyn.join(', ')}]);`,
      `const PLANS = [${plans.map((_, i) => `p${i}`).join(', ')}];`,
      ...(this.trace
        ? [
            'let TR = null;',
            'return function run(i, input, data, c, t) {',
            '  const pc = ctx, pg = memoGen, pt = TR;',
            `  ctx = c; TR = t; memoGen = ++memoCounter; steps = ${FIRST_CHECK};`,
            '  try { return PLANS[i](input, data); } finally { ctx = pc; memoGen = pg; TR = pt; }',
            '};',
          ]
        : [
            'return function run(i, input, data, c) {',
            '  const pc = ctx, pg = memoGen;',
            `  ctx = c; memoGen = ++memoCounter; steps = ${FIRST_CHECK};`,
            '  try { return PLANS[i](input, data); } finally { ctx = pc; memoGen = pg; }',
            '};',
          ]),
    ].join('\n');
    return { source: src, builtins: this.builtins, locations: this.locations, planNames, lines: this.lines, traced: this.trace };
  }

  private reset(): void {
    this.out = [];
    this.labels = [];
    this.locals = new Set();
  }

  private genFunc(f: Func, index: number): string {
    this.reset();
    this.isFunction = f.params.length > 2;
    // OPA memoizes functions of (input, data) only — rules — per evaluation; `with` starts a new frame.
    this.memoSlot = f.params.length === 2 ? index : -1;
    const params = new Set(f.params);
    if (this.memoSlot >= 0) this.out.push(`if (memoG[${index}] === memoGen) return memoV[${index}];`);
    this.out.push(STEP);
    const path = this.trace && f.path !== undefined && f.path.length > 0 ? rulePath(f.path) : undefined;
    for (const b of f.blocks) {
      const head = path === undefined ? undefined : ruleHead(b);
      if (head === undefined) this.genTopBlock(b);
      else {
        // A rule body (one definition of the rule): a query under the caller's, as OPA's evalRule.
        const loc = this.loc(head);
        const p = JSON.stringify(path);
        this.out.push(`TR.enter(${loc}, ${p});`);
        this.genLabelled(b, this.label('b'), `TR.exit(${loc}, ${p});`);
        this.out.push('TR.leave();');
      }
    }
    this.locals.add(f.return);
    const decl = [...this.locals].filter((l) => !params.has(l)).map((l) => `l${l}`);
    return (
      `function f${index}(${f.params.map((p) => `l${p}`).join(', ')}) {\n` +
      (decl.length ? `let ${decl.join(', ')};\n` : '') +
      this.out.join('\n') +
      '\nreturn undefined;\n}'
    );
  }

  private genPlan(blocks: Block[], index: number): string {
    this.reset();
    this.isFunction = false;
    this.memoSlot = -1;
    for (const b of blocks) this.genTopBlock(b);
    const decl = [...this.locals].filter((l) => l !== 0 && l !== 1).map((l) => `l${l}`);
    return (
      `function p${index}(l0, l1) {\nconst rs = [];\n` +
      (decl.length ? `let ${decl.join(', ')};\n` : '') +
      this.out.join('\n') +
      '\nreturn rs;\n}'
    );
  }

  private genTopBlock(b: Block): void {
    this.genLabelled(b, this.label('b'));
  }

  label(prefix: string): string {
    return `${prefix}${this.uid++}`;
  }

  /** Emits `label: { stmts }` with `label` as the innermost break target. */
  genLabelled(b: Block, label: string, trailer = ''): void {
    this.out.push(`${label}: {`);
    this.labels.push(label);
    this.genStmts(b.stmts);
    if (trailer) this.out.push(trailer);
    this.labels.pop();
    this.out.push('}');
  }

  /**
   * Statements of one block. Peephole: a MakeObjectStmt/MakeArrayStmt directly followed by
   * inserts of constant string keys / appends into it becomes one JS literal, which V8 builds
   * from a boilerplate instead of growing the object key by key.
   */
  private genStmts(stmts: readonly Stmt[]): void {
    let lastSlot = -1;
    for (let i = 0; i < stmts.length; i++) {
      const st = stmts[i] as Stmt;
      if (this.coverage) {
        const slot = this.lineSlot(st.stmt);
        if (slot !== lastSlot && slot >= 0) this.out.push(`COV[${slot}] = 1;`);
        lastSlot = slot;
      }
      if (st.type === 'MakeObjectStmt') {
        const t = st.stmt.target;
        const parts: string[] = [];
        let j = i + 1;
        for (; j < stmts.length; j++) {
          const n = stmts[j] as Stmt;
          if (n.type !== 'ObjectInsertStmt' || n.stmt.object !== t || n.stmt.key.type !== 'string_index') break;
          // `"__proto__": v` in a literal would set the prototype; a computed key defines an own
          // property. Other keys stay static so that V8 can build the object from a boilerplate.
          const k = this.str(n.stmt.key.value);
          parts.push(`${k === '"__proto__"' ? `[${k}]` : k}: ${this.op(n.stmt.value)}`);
        }
        if (parts.length > 0) {
          this.out.push(`${this.local(t)} = { ${parts.join(', ')} };`);
          i = j - 1;
          continue;
        }
      } else if (st.type === 'MakeArrayStmt') {
        const t = st.stmt.target;
        const parts: string[] = [];
        let j = i + 1;
        for (; j < stmts.length; j++) {
          const n = stmts[j] as Stmt;
          if (n.type !== 'ArrayAppendStmt' || n.stmt.array !== t) break;
          parts.push(this.op(n.stmt.value));
        }
        if (parts.length > 0) {
          this.out.push(`${this.local(t)} = [${parts.join(', ')}];`);
          i = j - 1;
          continue;
        }
      }
      // `not x` is planned as a block that sets a local when x holds, then IsUndefinedStmt on it:
      // a failure inside that block is x failing, which the negation needs (traced as such)
      const negation = this.trace && st.type === 'BlockStmt' && stmts[i + 1]?.type === 'IsUndefinedStmt';
      if (negation) this.negated++;
      this.genStmt(st);
      if (negation) this.negated--;
    }
  }

  cur(): string {
    return this.labels[this.labels.length - 1] as string;
  }

  breakTarget(index: number): string {
    const l = this.labels[this.labels.length - 1 - index];
    if (l === undefined) throw invalidPlan(`BreakStmt index ${index} leaves the function (depth ${this.labels.length})`);
    return l;
  }

  local(n: number): string {
    this.locals.add(n);
    return `l${n}`;
  }

  str(i: number): string {
    const s = this.strings[i];
    if (s === undefined) throw invalidPlan(`string index ${i} out of range`);
    return JSON.stringify(s);
  }

  op(o: Operand): string {
    switch (o.type) {
      case 'local':
        return this.local(o.value);
      case 'bool':
        return o.value ? 'true' : 'false';
      case 'string_index':
        return this.str(o.value);
      default:
        throw invalidPlan(`unknown operand type ${JSON.stringify((o as { type: unknown }).type)}`);
    }
  }

  loc(s: { file: number; row: number; col: number }): string {
    this.locations.push({ file: this.files[s.file] ?? `file${s.file}`, line: s.row, col: s.col });
    return `LOC[${this.locations.length - 1}]`;
  }

  /** The coverage slot of a statement's line; -1 for a statement without one (row 0). */
  private lineSlot(p: { file: number; row: number }): number {
    if (!(p.row > 0)) return -1;
    const file = this.files[p.file] ?? `file${p.file}`;
    const key = `${p.row}:${file}`;
    let slot = this.lineSlots.get(key);
    if (slot === undefined) {
      slot = this.lines.length;
      this.lines.push({ file, row: p.row });
      this.lineSlots.set(key, slot);
    }
    return slot;
  }

  fail(at: { file: number; row: number; col: number }, label = this.cur()): string {
    // a statement without a line is bookkeeping (an else branch's guard), no expression OPA traces
    if (!this.trace || !(at.row > 0)) return `break ${label};`;
    return `{ TR.fail(${this.loc(at)}${this.negated > 0 ? ', true' : ''}); break ${label}; }`;
  }

  builtin(name: string): string {
    let i = this.builtinIndex.get(name);
    if (i === undefined) {
      const def = this.registry.get(name) ?? engineBuiltin(name);
      if (!def) throw invalidPlan(`unknown builtin function ${name}`, 'REGO_ERR_UNKNOWN_BUILTIN');
      i = this.builtins.length;
      this.builtins.push(def);
      this.builtinIndex.set(name, i);
    }
    return `B${i}`;
  }

  private genStmt(st: Stmt): void {
    emitStmt(this, st);
  }
}

/** Generates the evaluator source for a policy; throws RegoError for plans it cannot run. */
export function generatePolicy(policy: Policy, registry: BuiltinRegistry, opts: GenerateOptions = {}): GeneratedPolicy {
  if (!policy || typeof policy !== 'object' || !policy.static || !policy.plans) throw new TypeError('not an ir.Policy');
  return new Generator(policy, registry, opts.coverage === true, opts.trace === true).generate();
}

/** A rule's path as OPA prints it: `data.p.allow`, `data.p["a-b"]` (the func path starts with the group, g0). */
function rulePath(path: readonly string[]): string {
  return ['data', ...path.slice(1)].map((k, i) => (i === 0 ? k : /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`)).join('');
}

/**
 * Where a block that is one definition of a rule starts, OPA's rule location: the first source
 * position among its statements in the file of its last one (the head writes the value last,
 * and a head always comes before its body). A block of only bookkeeping (making the empty set
 * of a partial rule, returning the value) is no rule body.
 */
function ruleHead(b: Block): Stmt['stmt'] | undefined {
  const last = b.stmts[b.stmts.length - 1];
  if (last === undefined || b.stmts.every((s) => BOOKKEEPING.has(s.type))) return undefined;
  // the earliest located statement, also inside nested blocks: an else chain's top level is
  // bookkeeping without a line, its branches are nested; a body whose last literal has a `with`
  // (or is a scan or `not`) holds the head's statement inside that literal's block
  let first: Stmt['stmt'] | undefined;
  const scan = (stmts: readonly Stmt[]): void => {
    for (const st of stmts) {
      const stmt = st.stmt;
      if (stmt.row > 0 && (first === undefined || (stmt.file === first.file && (stmt.row < first.row || (stmt.row === first.row && stmt.col < first.col))))) first = stmt;
      const nested = stmt as { block?: Block; blocks?: Block[] };
      if (nested.block !== undefined) scan(nested.block.stmts);
      for (const nb of nested.blocks ?? []) scan(nb.stmts);
    }
  };
  scan(b.stmts);
  return first ?? last.stmt;
}

const BOOKKEEPING = new Set<Stmt['type']>(['MakeSetStmt', 'MakeObjectStmt', 'MakeArrayStmt', 'ReturnLocalStmt', 'AssignVarStmt', 'ResetLocalStmt', 'NopStmt']);
