/**
 * IR → WebAssembly function bodies (binaryen expressions) for one plan or function.
 *
 * The control flow follows OPA's own Wasm compiler (internal/compiler/wasm): every ir.Block is
 * a wasm `block`; a statement that is undefined/false branches out of the innermost one;
 * `BreakStmt{index}` branches out of `index + 1` enclosing levels; a ScanStmt's body is inlined
 * into a `loop` (so "undefined" there means "next element", and break 1 leaves the scan);
 * NotStmt and WithStmt wrap their block in one extra level. IR locals are wasm i32 locals
 * holding value pointers, 0 meaning undefined. With the evaluation budget on (compile.ts), each
 * scan iteration and function entry decrements a step counter (CodegenEnv.step).
 */
import binaryen from 'binaryen';
import type { Block, Local, Operand, Stmt } from '../../ir/types.js';
import { RegoError } from '../../errors.js';
import { exceedsExponentLimit } from '../../value/index.js';
import { T_ARRAY, T_OBJECT, T_SET, type StaticData } from './static-data.js';
import { countLocals, localHomes } from './local-scopes.js';

const i32 = binaryen.i32;

/**
 * Above this many IR locals a function shares wasm locals between blocks (local-scopes.ts): V8
 * compiles no function with more than 50,000 locals, and the code generator adds temporaries.
 */
export const SCOPED_LOCALS = 30000;

/** What generated code needs from the module being built. */
export interface CodegenEnv {
  readonly mod: binaryen.Module;
  readonly data: StaticData;
  /** internal name of a runtime export (`rt_dot` → its binaryen name) */
  rt(name: string): string;
  /** static.strings[i] */
  staticString(i: number): string;
  /** IR function name → generated wasm function name and arity */
  func(name: string): { wasm: string; arity: number } | undefined;
  /** functions with a data path (CallDynamicStmt targets) */
  readonly dynamicTargets: readonly { path: readonly string[]; wasm: string; arity: number }[];
  /** builtin name → id in the module's `builtins` map (allocating one) */
  builtinId(name: string): number;
  /** a statement's source location → its index in the `regate.locations` table (0 = none) */
  location(s: { file: number; row: number; col: number }): number;
  /** one step of the evaluation budget (compile.ts), or undefined when the module counts none */
  step(): binaryen.ExpressionRef | undefined;
  /**
   * The globals of the memo generation (compile.ts), when the module memoizes functions: `gen`
   * is the current frame's, `next` the last one handed out. A `with` runs its block in a new one.
   */
  readonly memo?: { gen: string; next: string };
}

/**
 * Host-call ids carry the call's location index above this many bits (runtime/abi.as,
 * LOC_SHIFT); locations past MAX_LOCATION are reported without one.
 */
export const LOC_SHIFT = 12;
export const MAX_LOCATION = (1 << (31 - LOC_SHIFT)) - 1;

/**
 * Builtins with a native fast path in the runtime: [runtime function, arity]. Each takes the
 * host id as its last operand and defers to the host for any case it does not handle itself.
 */
const NATIVE: Record<string, [string, number]> = {
  equal: ['rt_b_equal', 2],
  neq: ['rt_b_neq', 2],
  lt: ['rt_b_lt', 2],
  lte: ['rt_b_lte', 2],
  gt: ['rt_b_gt', 2],
  gte: ['rt_b_gte', 2],
  count: ['rt_b_count', 1],
  plus: ['rt_b_plus', 2],
  minus: ['rt_b_minus', 2],
  mul: ['rt_b_mul', 2],
  startswith: ['rt_b_startswith', 2],
  endswith: ['rt_b_endswith', 2],
  contains: ['rt_b_contains', 2],
  'internal.member_2': ['rt_b_member2', 2],
  is_string: ['rt_b_is_string', 1],
  is_number: ['rt_b_is_number', 1],
  is_boolean: ['rt_b_is_boolean', 1],
  is_array: ['rt_b_is_array', 1],
  is_object: ['rt_b_is_object', 1],
  is_set: ['rt_b_is_set', 1],
  is_null: ['rt_b_is_null', 1],
  sprintf: ['rt_b_sprintf', 2],
  'object.get': ['rt_b_object_get', 3],
  concat: ['rt_b_concat', 2],
  sort: ['rt_b_sort', 1],
  lower: ['rt_b_lower', 1],
  upper: ['rt_b_upper', 1],
  walk: ['rt_b_walk', 1],
};

/** Host calls go through opa_builtin0..4, so a builtin may take at most four operands. */
const MAX_HOST_ARITY = 4;

export function unsupported(what: string): never {
  throw new RegoError('REGO_ERR_WASM_UNSUPPORTED', `wasm back end: ${what}`);
}

/**
 * Generates one function. `params` are the IR locals bound to the wasm parameters (in order);
 * `rsParam` is the wasm index of the result-set parameter for plans, or -1 for functions.
 */
export class FunctionGen {
  private readonly locals = new Map<Local, number>();
  private readonly vars: binaryen.Type[] = [];
  private readonly labels: string[] = [];
  private nextLabel = 0;
  private readonly nparams: number;

  constructor(
    private readonly env: CodegenEnv,
    params: readonly Local[],
    extraParams: number,
    /** a Rego function (takes arguments beyond input and data): conflicts are worded for functions */
    private readonly isUserFunction = false,
  ) {
    params.forEach((p, i) => this.locals.set(p, i));
    this.nparams = params.length + extraParams;
  }

  get varTypes(): binaryen.Type[] {
    return this.vars;
  }

  /**
   * Called before generating `blocks` (a function's or plan's body): with more than
   * SCOPED_LOCALS locals, each local gets a wasm local only while its home block runs
   * (local-scopes.ts). `fixed` are locals read outside the blocks (the function's result).
   */
  prepare(blocks: readonly Block[], fixed: readonly Local[] = [], threshold = SCOPED_LOCALS): void {
    if (countLocals(blocks) <= threshold) return;
    this.homes = localHomes(blocks, new Set([...this.locals.keys(), ...fixed]));
  }

  local(l: Local): number {
    let i = this.locals.get(l);
    if (i === undefined) {
      i = this.fresh();
      this.locals.set(l, i);
    }
    return i;
  }

  /** A wasm local for generated code: set before it is read, so a freed one may be reused. */
  temp(): number {
    const frame = this.frames[this.frames.length - 1];
    if (frame === undefined) return this.fresh();
    const i = this.free.pop() ?? this.fresh();
    frame.slots.push(i);
    return i;
  }

  private fresh(): number {
    this.vars.push(i32);
    return this.nparams + this.vars.length - 1;
  }

  // scoped mode (prepare): the locals whose home each block is, the slots free for reuse, and
  // for each block being generated, the locals and temporaries it holds
  private homes: Map<Block, Local[]> | undefined;
  private readonly free: number[] = [];
  private readonly frames: { locals: Local[]; slots: number[] }[] = [];

  /** Enter a block: its locals get slots, zeroed (undefined) each time the block starts. */
  private enter(b: Block): binaryen.ExpressionRef[] {
    if (this.homes === undefined) return [];
    const locals = this.homes.get(b) ?? [];
    const frame = { locals, slots: [] as number[] };
    const resets: binaryen.ExpressionRef[] = [];
    for (const l of locals) {
      const i = this.free.pop() ?? this.fresh();
      this.locals.set(l, i);
      frame.slots.push(i);
      resets.push(this.mod.local.set(i, this.konst(0)));
    }
    this.frames.push(frame);
    return resets;
  }

  /** Leave a block: nothing outside it names its locals or temporaries, so their slots are free. */
  private leave(): void {
    if (this.homes === undefined) return;
    const frame = this.frames.pop();
    if (frame === undefined) return;
    for (const l of frame.locals) this.locals.delete(l);
    this.free.push(...frame.slots);
  }

  private get mod(): binaryen.Module {
    return this.env.mod;
  }

  private get(l: Local): binaryen.ExpressionRef {
    return this.mod.local.get(this.local(l), i32);
  }

  private set(l: Local, v: binaryen.ExpressionRef): binaryen.ExpressionRef {
    return this.mod.local.set(this.local(l), v);
  }

  private call(rt: string, args: binaryen.ExpressionRef[], ret: binaryen.Type = i32): binaryen.ExpressionRef {
    return this.mod.call(this.env.rt(rt), args, ret);
  }

  private konst(n: number): binaryen.ExpressionRef {
    return this.mod.i32.const(n);
  }

  read(op: Operand): binaryen.ExpressionRef {
    switch (op.type) {
      case 'local':
        return this.get(op.value);
      case 'bool':
        return this.konst(this.env.data.bool(op.value));
      case 'string_index':
        return this.konst(this.env.data.string(this.env.staticString(op.value)));
    }
  }

  /** Branch out of the innermost level ("this statement is undefined"). */
  private undef(cond: binaryen.ExpressionRef): binaryen.ExpressionRef {
    return this.mod.br(this.labels[this.labels.length - 1] as string, cond);
  }

  private isZero(e: binaryen.ExpressionRef): binaryen.ExpressionRef {
    return this.mod.i32.eqz(e);
  }

  /** A labelled wasm block for one ir.Block. */
  block(b: Block, extra: binaryen.ExpressionRef[] = []): binaryen.ExpressionRef {
    const label = `L${this.nextLabel++}`;
    this.labels.push(label);
    const resets = this.enter(b);
    const body = b.stmts.map((s) => this.stmt(s));
    this.leave();
    this.labels.pop();
    return this.mod.block(label, [...resets, ...body, ...extra], binaryen.none);
  }

  private setAndCheck(target: Local, value: binaryen.ExpressionRef): binaryen.ExpressionRef {
    return this.mod.block(null, [this.set(target, value), this.undef(this.isZero(this.get(target)))], binaryen.none);
  }

  stmt(s: Stmt): binaryen.ExpressionRef {
    const m = this.mod;
    switch (s.type) {
      case 'AssignVarStmt':
        return this.set(s.stmt.target, this.read(s.stmt.source));
      case 'AssignVarOnceStmt': {
        // OPA: a second assignment of a different value to a complete rule's result is a conflict.
        const t = s.stmt.target;
        return m.block(null, [
          m.if(
            m.i32.and(m.i32.ne(this.get(t), this.konst(0)), m.i32.ne(this.call('rt_compare', [this.get(t), this.read(s.stmt.source)]), this.konst(0))),
            this.call('rt_conflict_var', [this.konst((this.env.location(s.stmt) << 1) | (this.isUserFunction ? 1 : 0))], binaryen.none),
          ),
          this.set(t, this.read(s.stmt.source)),
        ]);
      }
      case 'AssignIntStmt':
        return this.set(s.stmt.target, this.konst(this.env.data.number(String(s.stmt.value))));
      case 'MakeNumberIntStmt':
        return this.set(s.stmt.target, this.konst(this.env.data.number(String(s.stmt.value))));
      case 'MakeNumberRefStmt': {
        const text = this.env.staticString(s.stmt.Index);
        // Same rule as the JS back end: only an exponent beyond OPA's parser limit is refused;
        // the module keeps any other literal as its text (1.0, 1e400) and compares it exactly.
        if (exceedsExponentLimit(text)) {
          throw new RegoError('REGO_ERR_NUMBER_RANGE', `number ${text} is out of range`, { opaCode: 'eval_internal_error' });
        }
        return this.set(s.stmt.target, this.konst(this.env.data.number(text)));
      }
      case 'MakeNullStmt':
        return this.set(s.stmt.target, this.konst(this.env.data.null()));
      case 'MakeArrayStmt':
        return this.set(s.stmt.target, this.call('rt_make_array', [this.konst(s.stmt.capacity)]));
      case 'MakeObjectStmt':
        return this.set(s.stmt.target, this.call('rt_make_object', []));
      case 'MakeSetStmt':
        return this.set(s.stmt.target, this.call('rt_make_set', []));
      case 'ArrayAppendStmt':
        return this.call('rt_array_append', [this.get(s.stmt.array), this.read(s.stmt.value)], binaryen.none);
      case 'SetAddStmt':
        return this.call('rt_set_add', [this.get(s.stmt.set), this.read(s.stmt.value)], binaryen.none);
      case 'ObjectInsertStmt':
        return this.call('rt_object_insert', [this.get(s.stmt.object), this.read(s.stmt.key), this.read(s.stmt.value)], binaryen.none);
      case 'ObjectInsertOnceStmt':
        return this.call('rt_object_insert_once', [this.get(s.stmt.object), this.read(s.stmt.key), this.read(s.stmt.value), this.konst(this.env.location(s.stmt))], binaryen.none);
      case 'ObjectMergeStmt':
        return this.setAndCheck(s.stmt.target, this.call('rt_merge', [this.get(s.stmt.a), this.get(s.stmt.b)]));
      case 'BlockStmt':
        return m.block(null, (s.stmt.blocks ?? []).map((b) => this.block(b)), binaryen.none);
      case 'BreakStmt': {
        const label = this.labels[this.labels.length - 1 - s.stmt.index];
        if (label === undefined) unsupported(`break index ${s.stmt.index} out of range`);
        return m.br(label);
      }
      case 'CallStmt':
        return this.callStmt(s.stmt.func, s.stmt.args ?? [], s.stmt.result, s.stmt);
      case 'CallDynamicStmt':
        return this.callDynamic(s.stmt.path, s.stmt.args, s.stmt.result);
      case 'DotStmt':
        return this.setAndCheck(s.stmt.target, this.call('rt_dot', [this.read(s.stmt.source), this.read(s.stmt.key)]));
      case 'EqualStmt':
        return this.undef(m.i32.ne(this.call('rt_compare', [this.read(s.stmt.a), this.read(s.stmt.b)]), this.konst(0)));
      case 'NotEqualStmt':
        return this.undef(this.isZero(this.call('rt_compare', [this.read(s.stmt.a), this.read(s.stmt.b)])));
      case 'IsArrayStmt':
        return this.undef(m.i32.ne(this.call('rt_type', [this.read(s.stmt.source)]), this.konst(T_ARRAY)));
      case 'IsObjectStmt':
        return this.undef(m.i32.ne(this.call('rt_type', [this.read(s.stmt.source)]), this.konst(T_OBJECT)));
      case 'IsSetStmt':
        return this.undef(m.i32.ne(this.call('rt_type', [this.read(s.stmt.source)]), this.konst(T_SET)));
      case 'IsDefinedStmt':
        return this.undef(this.isZero(this.get(s.stmt.source)));
      case 'IsUndefinedStmt':
        return this.undef(m.i32.ne(this.get(s.stmt.source), this.konst(0)));
      case 'LenStmt':
        return this.setAndCheck(s.stmt.target, this.call('rt_len', [this.read(s.stmt.source)]));
      case 'NopStmt':
        return m.nop();
      case 'NotStmt': {
        // cond stays 1 only if the negated block is undefined; otherwise `not` fails.
        const cond = this.temp();
        return m.block(null, [
          m.local.set(cond, this.konst(1)),
          this.block(s.stmt.block, [m.local.set(cond, this.konst(0))]),
          this.undef(this.isZero(m.local.get(cond, i32))),
        ]);
      }
      case 'ResetLocalStmt':
        return this.set(s.stmt.target, this.konst(0));
      case 'ResultSetAddStmt':
        return this.call('rt_rs_add', [m.local.get(this.rsIndex(), i32), this.get(s.stmt.value)], binaryen.none);
      case 'ReturnLocalStmt':
        return m.return(this.get(s.stmt.source));
      case 'ScanStmt':
        return this.scan(s.stmt.source, s.stmt.key, s.stmt.value, s.stmt.block);
      case 'WithStmt':
        return this.withStmt(s.stmt.local, s.stmt.path ?? null, s.stmt.value, s.stmt.block);
      default:
        return unsupported(`statement ${(s as { type: string }).type}`);
    }
  }

  /** Plans get the result set as the wasm parameter right after input and data. */
  private rsIndex(): number {
    return 2;
  }

  private callStmt(name: string, args: readonly Operand[], result: Local, at: { file: number; row: number; col: number }): binaryen.ExpressionRef {
    const env = this.env;
    const fn = env.func(name);
    const ops = args.map((a) => this.read(a));
    if (fn) {
      if (fn.arity !== ops.length) unsupported(`call of ${name} with ${ops.length} operands, it takes ${fn.arity}`);
      return this.setAndCheck(result, this.mod.call(fn.wasm, ops, i32));
    }
    // The location rides in the id's high bits (a constant either way; see runtime/abi.as).
    const builtinId = env.builtinId(name);
    if (builtinId >= 1 << LOC_SHIFT) unsupported(`more than ${1 << LOC_SHIFT} distinct builtins`);
    const id = builtinId | (env.location(at) << LOC_SHIFT);
    const native = NATIVE[name];
    if (native && native[1] === ops.length) {
      return this.setAndCheck(result, this.call(native[0], [...ops, this.konst(id)]));
    }
    if (ops.length > MAX_HOST_ARITY) unsupported(`builtin ${name} with ${ops.length} operands (host calls take at most ${MAX_HOST_ARITY})`);
    return this.setAndCheck(result, this.call(`rt_host${ops.length}`, [this.konst(id), ...ops]));
  }

  private callDynamic(path: readonly Operand[], args: readonly Local[], result: Local): binaryen.ExpressionRef {
    const m = this.mod;
    const p = this.temp();
    const body: binaryen.ExpressionRef[] = [m.local.set(p, this.call('rt_make_array', [this.konst(path.length)]))];
    for (const op of path) body.push(this.call('rt_array_append', [m.local.get(p, i32), this.read(op)], binaryen.none));
    body.push(this.set(result, this.konst(0)));
    // A chain of path comparisons; plans rarely have more than a handful of dynamic targets.
    for (const t of this.env.dynamicTargets) {
      if (t.arity !== args.length || t.path.length !== path.length) continue;
      const staticPath = this.env.data.array(t.path.map((s) => this.env.data.string(s)));
      body.push(
        m.if(
          m.i32.and(this.isZero(this.get(result)), this.isZero(this.call('rt_compare', [m.local.get(p, i32), this.konst(staticPath)]))),
          this.set(result, m.call(t.wasm, args.map((a) => this.get(a)), i32)),
        ),
      );
    }
    body.push(this.undef(this.isZero(this.get(result))));
    return m.block(null, body);
  }

  private scan(source: Local, key: Local, value: Local, body: Block): binaryen.ExpressionRef {
    const m = this.mod;
    const idx = this.temp();
    const out = `L${this.nextLabel++}`;
    const loop = `L${this.nextLabel++}`;
    this.labels.push(out, loop);
    const resets = this.enter(body);
    const stmts = body.stmts.map((s) => this.stmt(s));
    this.leave();
    this.labels.pop();
    this.labels.pop();
    const step = this.env.step();
    return m.block(null, [
      m.local.set(idx, this.konst(-1)),
      m.block(out, [
        m.loop(
          loop,
          m.block(null, [
            ...(step !== undefined ? [step] : []),
            m.local.set(idx, m.i32.add(m.local.get(idx, i32), this.konst(1))),
            m.br(out, m.i32.ge_u(m.local.get(idx, i32), this.call('rt_iter_len', [this.get(source)]))),
            this.set(key, this.call('rt_iter_key', [this.get(source), m.local.get(idx, i32)])),
            this.set(value, this.call('rt_iter_val', [this.get(source), m.local.get(idx, i32)])),
            ...resets,
            ...stmts,
            m.br(loop),
          ]),
        ),
      ]),
    ]);
  }

  private withStmt(local: Local, path: readonly number[] | null, value: Operand, body: Block): binaryen.ExpressionRef {
    const m = this.mod;
    const save = this.temp();
    const undefinedFlag = this.temp();
    let replacement = this.read(value);
    if (path && path.length > 0) {
      const staticPath = this.env.data.array(path.map((i) => this.env.data.string(this.env.staticString(i))));
      replacement = this.call('rt_upsert', [this.get(local), this.konst(staticPath), this.konst(0), replacement]);
    }
    // memoized values of the outer frame were computed from the input/data being replaced
    const memo = this.env.memo;
    const saveGen = memo ? this.temp() : -1;
    const enter = memo
      ? [
          m.local.set(saveGen, m.global.get(memo.gen, i32)),
          m.global.set(memo.next, m.i32.add(m.global.get(memo.next, i32), this.konst(1))),
          m.global.set(memo.gen, m.global.get(memo.next, i32)),
        ]
      : [];
    const leave = memo ? [m.global.set(memo.gen, m.local.get(saveGen, i32))] : [];
    return m.block(null, [
      m.local.set(save, this.get(local)),
      this.set(local, replacement),
      ...enter,
      m.local.set(undefinedFlag, this.konst(1)),
      this.block(body, [m.local.set(undefinedFlag, this.konst(0))]),
      ...leave,
      this.set(local, m.local.get(save, i32)),
      this.undef(m.local.get(undefinedFlag, i32)),
    ]);
  }
}
