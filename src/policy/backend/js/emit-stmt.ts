/**
 * Emission of single IR statements as JS (see codegen.ts for the overall scheme). Each case
 * follows the statement's semantics in OPA's WASM compiler (v1/internal/compiler/wasm):
 * "undefined" means `break` out of the innermost block.
 */
import { RegoError } from '../../errors.js';
import type { Block, Operand, Stmt } from '../../ir/types.js';
import { RNumber, RObject, RSet } from '../../value/index.js';
import { parseNumberText } from './runtime.js';

/** What statement emission needs from the function being generated. */
export interface Emitter {
  readonly out: string[];
  readonly labels: string[];
  readonly strings: readonly string[];
  readonly hoisted: string[];
  readonly funcIndex: ReadonlyMap<string, number>;
  readonly voidBuiltins: ReadonlySet<string>;
  /** the function is a Rego function (more than input, data), not a rule: conflict wording */
  readonly isFunction: boolean;
  /** memo slot of a rule function, else -1 */
  readonly memoSlot: number;
  nextId(): number;
  label(prefix: string): string;
  genLabelled(b: Block, label: string, trailer?: string): void;
  cur(): string;
  breakTarget(index: number): string;
  local(n: number): string;
  str(i: number): string;
  op(o: Operand): string;
  loc(s: { file: number; row: number; col: number }): string;
  builtin(name: string): string;
  /**
   * Leaving the block because the statement at `at` is undefined or false: `break <label>;`,
   * which code generated for tracing precedes with the Fail event (backend/trace.ts).
   */
  fail(at: { file: number; row: number; col: number }, label?: string): string;
  /** code generated for tracing (GenerateOptions.trace) */
  readonly trace: boolean;
  /** how many NotStmt blocks enclose the statement being emitted (a failure there is the negation's success) */
  negated: number;
}

/** Thrown at construction for a plan the back end cannot run (malformed IR, unknown builtin). */
export function invalidPlan(message: string, code: 'REGO_ERR_IR_INVALID' | 'REGO_ERR_UNKNOWN_BUILTIN' = 'REGO_ERR_IR_INVALID'): RegoError {
  return new RegoError(code, message);
}

/** One step of the evaluation budget (eval-budget.ts), at every loop iteration and call. */
export const STEP = 'if (--steps === 0) tick();';

export function numberLiteral(n: number | bigint | RNumber): string {
  if (n instanceof RNumber) return `new RNumber(${JSON.stringify(n.text)})`;
  if (typeof n === 'bigint') return `${n}n`;
  return Object.is(n, -0) ? '-0' : String(n);
}

export function emitStmt(g: Emitter, st: Stmt): void {
  const o = g.out;
  const cur = g.cur();
  switch (st.type) {
    case 'ArrayAppendStmt':
      o.push(`${g.local(st.stmt.array)}.push(${g.op(st.stmt.value)});`);
      return;
    case 'AssignIntStmt':
    case 'MakeNumberIntStmt':
      o.push(`${g.local(st.stmt.target)} = ${numberLiteral(st.stmt.value)};`);
      return;
    case 'AssignVarOnceStmt': {
      const t = g.local(st.stmt.target);
      const s = g.op(st.stmt.source);
      o.push(`if (${t} === undefined) ${t} = ${s}; else if (${t} !== ${s} && !equal(${t}, ${s})) throw conflict(${g.isFunction}, ${g.loc(st.stmt)});`);
      return;
    }
    case 'AssignVarStmt':
      o.push(`${g.local(st.stmt.target)} = ${g.op(st.stmt.source)};`);
      return;
    case 'BlockStmt':
      for (const b of st.stmt.blocks ?? []) g.genLabelled(b, g.label('b'));
      return;
    case 'BreakStmt':
      o.push(`break ${g.breakTarget(st.stmt.index)};`);
      return;
    case 'CallDynamicStmt': {
      const r = g.local(st.stmt.result);
      const path = st.stmt.path.map((p) => g.op(p)).join(', ');
      const args = st.stmt.args.map((a) => g.local(a)).join(', ');
      // Not found: try the next alternative (base data). Found but undefined: the whole
      // expression is undefined — OPA's WASM compiler breaks 3 levels out (br 3).
      const outer = g.labels[g.labels.length - 4] ?? (g.labels[0] as string);
      o.push(`{ const fn = DYN.get(dynKey([${path}])); if (fn === undefined) break ${cur}; ${r} = fn(${args}); if (${r} === undefined) break ${outer}; }`);
      return;
    }
    case 'CallStmt': {
      const r = g.local(st.stmt.result);
      const args = (st.stmt.args ?? []).map((a) => g.op(a));
      const fi = g.funcIndex.get(st.stmt.func);
      if (fi !== undefined) {
        o.push(`${r} = f${fi}(${args.join(', ')}); if (${r} === undefined) ${g.fail(st.stmt)}`);
        return;
      }
      const b = g.builtin(st.stmt.func);
      const call = `callBuiltin(${b}, [${args.join(', ')}], ctx, ${g.loc(st.stmt)})`;
      if (g.voidBuiltins.has(st.stmt.func)) o.push(`${call};`);
      else o.push(`${r} = ${call}; if (${r} === undefined) ${g.fail(st.stmt)}`);
      // trace(msg) is a Note in a traced evaluation (OPA's builtinTrace), after its operand passed the check
      if (g.trace && st.stmt.func === 'trace' && args[0] !== undefined) o.push(`TR.note(${args[0]}, ${g.loc(st.stmt)});`);
      return;
    }
    case 'DotStmt': {
      const { source, key } = st.stmt;
      if (source.type !== 'local') {
        o.push(g.fail(st.stmt)); // scalars have no members
        return;
      }
      const t = g.local(st.stmt.target);
      const src = g.local(source.value);
      if (key.type === 'string_index' && isInlineKey(g.strings[key.value] as string)) {
        // Plain objects answer with their own property (the key names nothing inherited);
        // anything else (sets, composite-keyed objects) goes through dotMiss.
        const k = g.str(key.value);
        o.push(`${t} = ${src} == null ? undefined : ${src}[${k}]; if (${t} === undefined && (${t} = dotMiss(${src}, ${k})) === undefined) ${g.fail(st.stmt)}`);
        return;
      }
      const call = key.type === 'string_index' ? `dotS(${src}, ${g.str(key.value)})` : `dot(${src}, ${g.op(key)})`;
      o.push(`${t} = ${call}; if (${t} === undefined) ${g.fail(st.stmt)}`);
      return;
    }
    case 'EqualStmt': {
      if (sameOperand(st.stmt.a, st.stmt.b)) return;
      const a = g.op(st.stmt.a);
      const b = g.op(st.stmt.b);
      // A string or boolean constant equals only itself: identity is the whole test.
      if (st.stmt.a.type !== 'local' || st.stmt.b.type !== 'local') o.push(`if (${a} !== ${b}) ${g.fail(st.stmt)}`);
      else o.push(`if (${a} !== ${b} && !equal(${a}, ${b})) ${g.fail(st.stmt)}`);
      return;
    }
    case 'NotEqualStmt': {
      const { a: A, b: B } = st.stmt;
      if (sameOperand(A, B)) {
        o.push(g.fail(st.stmt));
        return;
      }
      if (A.type !== 'local' && A.type === B.type) return; // distinct constants of one kind
      const a = g.op(A);
      const b = g.op(B);
      if (A.type !== 'local' || B.type !== 'local') o.push(`if (${a} === ${b}) ${g.fail(st.stmt)}`);
      else o.push(`if (${a} === ${b} || equal(${a}, ${b})) ${g.fail(st.stmt)}`);
      return;
    }
    case 'IsArrayStmt':
      if (st.stmt.source.type !== 'local') o.push(g.fail(st.stmt));
      else o.push(`if (!isArray(${g.op(st.stmt.source)})) ${g.fail(st.stmt)}`);
      return;
    case 'IsObjectStmt':
      if (st.stmt.source.type !== 'local') o.push(g.fail(st.stmt));
      else o.push(`if (!isObj(${g.op(st.stmt.source)})) ${g.fail(st.stmt)}`);
      return;
    case 'IsSetStmt':
      if (st.stmt.source.type !== 'local') o.push(g.fail(st.stmt));
      else o.push(`if (!(${g.op(st.stmt.source)} instanceof RSet)) ${g.fail(st.stmt)}`);
      return;
    case 'IsDefinedStmt':
      o.push(`if (${g.local(st.stmt.source)} === undefined) ${g.fail(st.stmt)}`);
      return;
    case 'IsUndefinedStmt':
      o.push(`if (${g.local(st.stmt.source)} !== undefined) ${g.fail(st.stmt)}`);
      return;
    case 'LenStmt':
      o.push(`${g.local(st.stmt.target)} = len(${g.op(st.stmt.source)});`);
      return;
    case 'MakeArrayStmt':
      o.push(`${g.local(st.stmt.target)} = [];`);
      return;
    case 'MakeNullStmt':
      o.push(`${g.local(st.stmt.target)} = null;`);
      return;
    case 'MakeNumberRefStmt': {
      const text = g.strings[st.stmt.Index];
      if (text === undefined) throw invalidPlan(`number string index ${st.stmt.Index} out of range`);
      const n = parseNumberText(text);
      if (n instanceof RNumber) {
        // One instance per literal: the text is kept, and building it per evaluation would cost.
        const u = g.nextId();
        g.hoisted.push(`const N${u} = ${numberLiteral(n)};`);
        o.push(`${g.local(st.stmt.target)} = N${u};`);
      } else o.push(`${g.local(st.stmt.target)} = ${numberLiteral(n)};`);
      return;
    }
    case 'MakeObjectStmt':
      o.push(`${g.local(st.stmt.target)} = {};`);
      return;
    case 'MakeSetStmt':
      o.push(`${g.local(st.stmt.target)} = new RSet();`);
      return;
    case 'NopStmt':
      return;
    case 'NotStmt':
      // Reaching the end of the negated block means the negation fails: leave the outer block.
      {
        const trailer = g.fail(st.stmt, cur);
        g.negated++;
        g.genLabelled(st.stmt.block, g.label('n'), trailer);
        g.negated--;
      }
      return;
    case 'ObjectInsertOnceStmt': {
      const obj = g.local(st.stmt.object);
      o.push(`${obj} = objInsertOnce(${obj}, ${g.op(st.stmt.key)}, ${g.op(st.stmt.value)}, ${g.loc(st.stmt)});`);
      return;
    }
    case 'ObjectInsertStmt': {
      const obj = g.local(st.stmt.object);
      o.push(`${obj} = objInsert(${obj}, ${g.op(st.stmt.key)}, ${g.op(st.stmt.value)});`);
      return;
    }
    case 'ObjectMergeStmt':
      o.push(`${g.local(st.stmt.target)} = merge(${g.local(st.stmt.a)}, ${g.local(st.stmt.b)});`);
      return;
    case 'ResetLocalStmt':
      o.push(`${g.local(st.stmt.target)} = undefined;`);
      return;
    case 'ResultSetAddStmt':
      o.push(`rs.push(${g.local(st.stmt.value)});`);
      return;
    case 'ReturnLocalStmt': {
      const s = g.local(st.stmt.source);
      if (g.memoSlot >= 0) o.push(`memoG[${g.memoSlot}] = memoGen; return (memoV[${g.memoSlot}] = ${s});`);
      else o.push(`return ${s};`);
      return;
    }
    case 'ScanStmt': {
      const u = g.nextId();
      const src = g.local(st.stmt.source);
      const k = g.local(st.stmt.key);
      const v = g.local(st.stmt.value);
      o.push(`{ const s${u} = ${src}; const kv${u} = isArray(s${u}) ? null : scanPairs(s${u});`);
      o.push(`for (let i${u} = 0, n${u} = kv${u} === null ? s${u}.length : kv${u}.length; i${u} < n${u}; i${u} += kv${u} === null ? 1 : 2) {`);
      o.push(`${STEP} if (kv${u} === null) { ${k} = i${u}; ${v} = s${u}[i${u}]; } else { ${k} = kv${u}[i${u}]; ${v} = kv${u}[i${u} + 1]; }`);
      g.genLabelled(st.stmt.block, g.label('s'));
      o.push('} }');
      return;
    }
    case 'SetAddStmt':
      o.push(`${g.local(st.stmt.set)}.add(${g.op(st.stmt.value)});`);
      return;
    case 'WithStmt': {
      const u = g.nextId();
      const l = g.local(st.stmt.local);
      const val = g.op(st.stmt.value);
      const path = (st.stmt.path ?? []).map((i) => g.strings[i]);
      if (path.some((p) => p === undefined)) throw invalidPlan('WithStmt path index out of range');
      let assign: string;
      if (path.length === 0) assign = `${l} = ${val};`;
      else {
        g.hoisted.push(`const P${u} = ${JSON.stringify(path)};`);
        assign = `${l} = upsert(${l}, P${u}, ${val});`;
      }
      // A `with` changes input/data, so memoized rule values of the outer frame do not apply.
      o.push(`{ const sv${u} = ${l}, mg${u} = memoGen; memoGen = ++memoCounter; ${assign} let u${u} = true;`);
      g.genLabelled(st.stmt.block, g.label('w'), `u${u} = false;`);
      o.push(`${l} = sv${u}; memoGen = mg${u}; if (u${u}) break ${cur}; }`);
      return;
    }
    default:
      throw invalidPlan(`unknown statement ${JSON.stringify((st as { type: unknown }).type)}`);
  }
  }

/**
 * Property names that reading `x[key]` could find on something other than a plain object's own
 * properties: anything inherited by objects, arrays, strings, numbers, booleans, bigints and
 * the value model's classes (incl. their instance fields), plus index-like keys.
 */
const UNSAFE_KEYS = new Set<string>();
for (const proto of [Object.prototype, Array.prototype, String.prototype, Number.prototype, Boolean.prototype, BigInt.prototype, RSet.prototype, RObject.prototype, RNumber.prototype, Function.prototype]) {
  for (let p: object | null = proto; p !== null; p = Object.getPrototypeOf(p) as object | null) for (const k of Object.getOwnPropertyNames(p)) UNSAFE_KEYS.add(k);
}
for (const k of [...Object.getOwnPropertyNames(new RSet()), ...Object.getOwnPropertyNames(new RObject()), ...Object.getOwnPropertyNames(new RNumber('1.0')), '__proto__']) UNSAFE_KEYS.add(k);

function isInlineKey(k: string): boolean {
  return !UNSAFE_KEYS.has(k) && !/^\d/.test(k);
}

function sameOperand(a: Operand, b: Operand): boolean {
  return a.type === b.type && a.value === b.value;
}

