/**
 * IR → JavaScript source. Every plan and function of an `ir.Policy` becomes one JS function:
 * IR locals are JS `let` variables (undefined = the IR's "unset"), every IR block a labelled JS
 * block, so "a statement is undefined → leave the block" is `break <label>`, `BreakStmt{index}`
 * is `break` to the label `index` levels out, and scans are `for` loops whose body is a labelled
 * block (leaving it continues with the next element, as in OPA's WASM compiler, where the scan
 * body sits directly inside the `loop`).
 *
 * The generated code is compiled once per policy with `new Function`; an evaluation then runs
 * plain JS with no interpretation overhead, no per-statement closures and no JSON crossing.
 *
 * Example (one IR block):
 * ```
 * { DotStmt{source: l0, key: "user", target: l2}; EqualStmt{a: l2, b: "alice"}; ResultSetAddStmt{l2} }
 * →  b0: { l2 = dotS(l0, "user"); if (l2 === undefined) break b0;
 *          if (l2 !== "alice" && !equal(l2, "alice")) break b0; rs.push(l2); }
 * ```
 */
import { RegoError, type SourceLocation } from '../../errors.js';
import type { BuiltinDef, BuiltinRegistry } from '../../builtins/registry.js';
import type { Block, Func, Operand, Policy, Stmt } from '../../ir/types.js';
import { RObject, RSet } from '../../value/index.js';
import { parseNumberText } from './runtime.js';

export interface GeneratedPolicy {
  /** body of `new Function('rt', 'B', 'LOC', body)`, which returns `run(planIndex, input, data, ctx)` */
  source: string;
  builtins: BuiltinDef[];
  locations: SourceLocation[];
  planNames: string[];
}

/** Thrown at construction for a plan the back end cannot run (malformed IR, unknown builtin). */
export function invalidPlan(message: string, code = 'REGO_ERR_IR_INVALID'): RegoError {
  return new RegoError(code, message);
}

function numberLiteral(n: number | bigint): string {
  if (typeof n === 'bigint') return `${n}n`;
  return Object.is(n, -0) ? '-0' : String(n);
}

class Generator {
  private readonly strings: string[];
  private readonly files: string[];
  private readonly funcIndex = new Map<string, number>();
  private readonly builtinIndex = new Map<string, number>();
  private readonly voidBuiltins = new Set<string>();
  readonly builtins: BuiltinDef[] = [];
  readonly locations: SourceLocation[] = [];
  private readonly hoisted: string[] = [];
  private uid = 0;

  // per-function state
  private out: string[] = [];
  private labels: string[] = [];
  private locals = new Set<number>();
  private isFunction = false;
  private memoSlot = -1;

  constructor(
    private readonly policy: Policy,
    private readonly registry: BuiltinRegistry,
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
      'const { dot, dotS, len, scanPairs, objInsert, objInsertOnce, conflict, merge, upsert, dynKey, callBuiltin, equal, isObj, RSet } = rt;',
      'const isArray = Array.isArray;',
      'let ctx = null, memoGen = 0, memoCounter = 0;',
      `const memoG = new Float64Array(${funcs.length}), memoV = new Array(${funcs.length});`,
      ...this.builtins.map((_, i) => `const B${i} = B[${i}];`),
      ...this.hoisted,
      ...bodies,
      `const DYN = new Map([${dyn.join(', ')}]);`,
      `const PLANS = [${plans.map((_, i) => `p${i}`).join(', ')}];`,
      'return function run(i, input, data, c) {',
      '  const pc = ctx, pg = memoGen;',
      '  ctx = c; memoGen = ++memoCounter;',
      '  try { return PLANS[i](input, data); } finally { ctx = pc; memoGen = pg; }',
      '};',
    ].join('\n');
    return { source: src, builtins: this.builtins, locations: this.locations, planNames };
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
    for (const b of f.blocks) this.genTopBlock(b);
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

  private label(prefix: string): string {
    return `${prefix}${this.uid++}`;
  }

  /** Emits `label: { stmts }` with `label` as the innermost break target. */
  private genLabelled(b: Block, label: string, trailer = ''): void {
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
    for (let i = 0; i < stmts.length; i++) {
      const st = stmts[i] as Stmt;
      if (st.type === 'MakeObjectStmt') {
        const t = st.stmt.target;
        const parts: string[] = [];
        let j = i + 1;
        for (; j < stmts.length; j++) {
          const n = stmts[j] as Stmt;
          if (n.type !== 'ObjectInsertStmt' || n.stmt.object !== t || n.stmt.key.type !== 'string_index') break;
          // A computed key always defines an own property, even for "__proto__".
          parts.push(`[${this.str(n.stmt.key.value)}]: ${this.op(n.stmt.value)}`);
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
      this.genStmt(st);
    }
  }

  private cur(): string {
    return this.labels[this.labels.length - 1] as string;
  }

  private breakTarget(index: number): string {
    const l = this.labels[this.labels.length - 1 - index];
    if (l === undefined) throw invalidPlan(`BreakStmt index ${index} leaves the function (depth ${this.labels.length})`);
    return l;
  }

  private local(n: number): string {
    this.locals.add(n);
    return `l${n}`;
  }

  private str(i: number): string {
    const s = this.strings[i];
    if (s === undefined) throw invalidPlan(`string index ${i} out of range`);
    return JSON.stringify(s);
  }

  private op(o: Operand): string {
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

  private loc(s: { file: number; row: number; col: number }): string {
    this.locations.push({ file: this.files[s.file] ?? `file${s.file}`, line: s.row, col: s.col });
    return `LOC[${this.locations.length - 1}]`;
  }

  private builtin(name: string): string {
    let i = this.builtinIndex.get(name);
    if (i === undefined) {
      const def = this.registry.get(name);
      if (!def) throw invalidPlan(`unknown builtin function ${name}`, 'REGO_ERR_UNKNOWN_BUILTIN');
      i = this.builtins.length;
      this.builtins.push(def);
      this.builtinIndex.set(name, i);
    }
    return `B${i}`;
  }

  private genStmt(st: Stmt): void {
    const o = this.out;
    const cur = this.cur();
    switch (st.type) {
      case 'ArrayAppendStmt':
        o.push(`${this.local(st.stmt.array)}.push(${this.op(st.stmt.value)});`);
        return;
      case 'AssignIntStmt':
      case 'MakeNumberIntStmt':
        o.push(`${this.local(st.stmt.target)} = ${numberLiteral(st.stmt.value)};`);
        return;
      case 'AssignVarOnceStmt': {
        const t = this.local(st.stmt.target);
        const s = this.op(st.stmt.source);
        o.push(`if (${t} === undefined) ${t} = ${s}; else if (${t} !== ${s} && !equal(${t}, ${s})) throw conflict(${this.isFunction}, ${this.loc(st.stmt)});`);
        return;
      }
      case 'AssignVarStmt':
        o.push(`${this.local(st.stmt.target)} = ${this.op(st.stmt.source)};`);
        return;
      case 'BlockStmt':
        for (const b of st.stmt.blocks ?? []) this.genLabelled(b, this.label('b'));
        return;
      case 'BreakStmt':
        o.push(`break ${this.breakTarget(st.stmt.index)};`);
        return;
      case 'CallDynamicStmt': {
        const r = this.local(st.stmt.result);
        const path = st.stmt.path.map((p) => this.op(p)).join(', ');
        const args = st.stmt.args.map((a) => this.local(a)).join(', ');
        // Not found: try the next alternative (base data). Found but undefined: the whole
        // expression is undefined — OPA's WASM compiler breaks 3 levels out (br 3).
        const outer = this.labels[this.labels.length - 4] ?? (this.labels[0] as string);
        o.push(`{ const fn = DYN.get(dynKey([${path}])); if (fn === undefined) break ${cur}; ${r} = fn(${args}); if (${r} === undefined) break ${outer}; }`);
        return;
      }
      case 'CallStmt': {
        const r = this.local(st.stmt.result);
        const args = (st.stmt.args ?? []).map((a) => this.op(a));
        const fi = this.funcIndex.get(st.stmt.func);
        if (fi !== undefined) {
          o.push(`${r} = f${fi}(${args.join(', ')}); if (${r} === undefined) break ${cur};`);
          return;
        }
        const b = this.builtin(st.stmt.func);
        const call = `callBuiltin(${b}, [${args.join(', ')}], ctx, ${this.loc(st.stmt)})`;
        if (this.voidBuiltins.has(st.stmt.func)) o.push(`${call};`);
        else o.push(`${r} = ${call}; if (${r} === undefined) break ${cur};`);
        return;
      }
      case 'DotStmt': {
        const { source, key } = st.stmt;
        if (source.type !== 'local') {
          o.push(`break ${cur};`); // scalars have no members
          return;
        }
        const t = this.local(st.stmt.target);
        const src = this.local(source.value);
        if (key.type === 'string_index' && isInlineKey(this.strings[key.value] as string)) {
          // Plain objects answer with their own property (the key names nothing inherited);
          // anything else (sets, composite-keyed objects, scalars) goes through dotS.
          const k = this.str(key.value);
          o.push(`${t} = ${src} == null ? undefined : ${src}[${k}]; if (${t} === undefined && (${t} = dotS(${src}, ${k})) === undefined) break ${cur};`);
          return;
        }
        const call = key.type === 'string_index' ? `dotS(${src}, ${this.str(key.value)})` : `dot(${src}, ${this.op(key)})`;
        o.push(`${t} = ${call}; if (${t} === undefined) break ${cur};`);
        return;
      }
      case 'EqualStmt': {
        if (sameOperand(st.stmt.a, st.stmt.b)) return;
        const a = this.op(st.stmt.a);
        const b = this.op(st.stmt.b);
        // A string or boolean constant equals only itself: identity is the whole test.
        if (st.stmt.a.type !== 'local' || st.stmt.b.type !== 'local') o.push(`if (${a} !== ${b}) break ${cur};`);
        else o.push(`if (${a} !== ${b} && !equal(${a}, ${b})) break ${cur};`);
        return;
      }
      case 'NotEqualStmt': {
        const { a: A, b: B } = st.stmt;
        if (sameOperand(A, B)) {
          o.push(`break ${cur};`);
          return;
        }
        if (A.type !== 'local' && A.type === B.type) return; // distinct constants of one kind
        const a = this.op(A);
        const b = this.op(B);
        if (A.type !== 'local' || B.type !== 'local') o.push(`if (${a} === ${b}) break ${cur};`);
        else o.push(`if (${a} === ${b} || equal(${a}, ${b})) break ${cur};`);
        return;
      }
      case 'IsArrayStmt':
        if (st.stmt.source.type !== 'local') o.push(`break ${cur};`);
        else o.push(`if (!isArray(${this.op(st.stmt.source)})) break ${cur};`);
        return;
      case 'IsObjectStmt':
        if (st.stmt.source.type !== 'local') o.push(`break ${cur};`);
        else o.push(`if (!isObj(${this.op(st.stmt.source)})) break ${cur};`);
        return;
      case 'IsSetStmt':
        if (st.stmt.source.type !== 'local') o.push(`break ${cur};`);
        else o.push(`if (!(${this.op(st.stmt.source)} instanceof RSet)) break ${cur};`);
        return;
      case 'IsDefinedStmt':
        o.push(`if (${this.local(st.stmt.source)} === undefined) break ${cur};`);
        return;
      case 'IsUndefinedStmt':
        o.push(`if (${this.local(st.stmt.source)} !== undefined) break ${cur};`);
        return;
      case 'LenStmt':
        o.push(`${this.local(st.stmt.target)} = len(${this.op(st.stmt.source)});`);
        return;
      case 'MakeArrayStmt':
        o.push(`${this.local(st.stmt.target)} = [];`);
        return;
      case 'MakeNullStmt':
        o.push(`${this.local(st.stmt.target)} = null;`);
        return;
      case 'MakeNumberRefStmt': {
        const text = this.strings[st.stmt.Index];
        if (text === undefined) throw invalidPlan(`number string index ${st.stmt.Index} out of range`);
        o.push(`${this.local(st.stmt.target)} = ${numberLiteral(parseNumberText(text))};`);
        return;
      }
      case 'MakeObjectStmt':
        o.push(`${this.local(st.stmt.target)} = {};`);
        return;
      case 'MakeSetStmt':
        o.push(`${this.local(st.stmt.target)} = new RSet();`);
        return;
      case 'NopStmt':
        return;
      case 'NotStmt':
        // Reaching the end of the negated block means the negation fails: leave the outer block.
        this.genLabelled(st.stmt.block, this.label('n'), `break ${cur};`);
        return;
      case 'ObjectInsertOnceStmt': {
        const obj = this.local(st.stmt.object);
        o.push(`${obj} = objInsertOnce(${obj}, ${this.op(st.stmt.key)}, ${this.op(st.stmt.value)}, ${this.loc(st.stmt)});`);
        return;
      }
      case 'ObjectInsertStmt': {
        const obj = this.local(st.stmt.object);
        o.push(`${obj} = objInsert(${obj}, ${this.op(st.stmt.key)}, ${this.op(st.stmt.value)});`);
        return;
      }
      case 'ObjectMergeStmt':
        o.push(`${this.local(st.stmt.target)} = merge(${this.local(st.stmt.a)}, ${this.local(st.stmt.b)});`);
        return;
      case 'ResetLocalStmt':
        o.push(`${this.local(st.stmt.target)} = undefined;`);
        return;
      case 'ResultSetAddStmt':
        o.push(`rs.push(${this.local(st.stmt.value)});`);
        return;
      case 'ReturnLocalStmt': {
        const s = this.local(st.stmt.source);
        if (this.memoSlot >= 0) o.push(`memoG[${this.memoSlot}] = memoGen; return (memoV[${this.memoSlot}] = ${s});`);
        else o.push(`return ${s};`);
        return;
      }
      case 'ScanStmt': {
        const u = this.uid++;
        const src = this.local(st.stmt.source);
        const k = this.local(st.stmt.key);
        const v = this.local(st.stmt.value);
        o.push(`{ const s${u} = ${src}; const kv${u} = isArray(s${u}) ? null : scanPairs(s${u});`);
        o.push(`for (let i${u} = 0, n${u} = kv${u} === null ? s${u}.length : kv${u}.length; i${u} < n${u}; i${u} += kv${u} === null ? 1 : 2) {`);
        o.push(`if (kv${u} === null) { ${k} = i${u}; ${v} = s${u}[i${u}]; } else { ${k} = kv${u}[i${u}]; ${v} = kv${u}[i${u} + 1]; }`);
        this.genLabelled(st.stmt.block, this.label('s'));
        o.push('} }');
        return;
      }
      case 'SetAddStmt':
        o.push(`${this.local(st.stmt.set)}.add(${this.op(st.stmt.value)});`);
        return;
      case 'WithStmt': {
        const u = this.uid++;
        const l = this.local(st.stmt.local);
        const val = this.op(st.stmt.value);
        const path = (st.stmt.path ?? []).map((i) => this.strings[i]);
        if (path.some((p) => p === undefined)) throw invalidPlan('WithStmt path index out of range');
        let assign: string;
        if (path.length === 0) assign = `${l} = ${val};`;
        else {
          this.hoisted.push(`const P${u} = ${JSON.stringify(path)};`);
          assign = `${l} = upsert(${l}, P${u}, ${val});`;
        }
        // A `with` changes input/data, so memoized rule values of the outer frame do not apply.
        o.push(`{ const sv${u} = ${l}, mg${u} = memoGen; memoGen = ++memoCounter; ${assign} let u${u} = true;`);
        this.genLabelled(st.stmt.block, this.label('w'), `u${u} = false;`);
        o.push(`${l} = sv${u}; memoGen = mg${u}; if (u${u}) break ${cur}; }`);
        return;
      }
      default:
        throw invalidPlan(`unknown statement ${JSON.stringify((st as { type: unknown }).type)}`);
    }
  }
}

/**
 * Property names that reading `x[key]` could find on something other than a plain object's own
 * properties: anything inherited by objects, arrays, strings, numbers, booleans, bigints and
 * the value model's classes (incl. their instance fields), plus index-like keys.
 */
const UNSAFE_KEYS = new Set<string>();
for (const proto of [Object.prototype, Array.prototype, String.prototype, Number.prototype, Boolean.prototype, BigInt.prototype, RSet.prototype, RObject.prototype, Function.prototype]) {
  for (let p: object | null = proto; p !== null; p = Object.getPrototypeOf(p) as object | null) for (const k of Object.getOwnPropertyNames(p)) UNSAFE_KEYS.add(k);
}
for (const k of [...Object.getOwnPropertyNames(new RSet()), ...Object.getOwnPropertyNames(new RObject()), '__proto__']) UNSAFE_KEYS.add(k);

function isInlineKey(k: string): boolean {
  return !UNSAFE_KEYS.has(k) && !/^\d/.test(k);
}

function sameOperand(a: Operand, b: Operand): boolean {
  return a.type === b.type && a.value === b.value;
}

/** Generates the evaluator source for a policy; throws RegoError for plans it cannot run. */
export function generatePolicy(policy: Policy, registry: BuiltinRegistry): GeneratedPolicy {
  if (!policy || typeof policy !== 'object' || !policy.static || !policy.plans) throw new TypeError('not an ir.Policy');
  return new Generator(policy, registry).generate();
}
