/** A tiny builder for hand-written IR in tests (not a test file itself). */
import type { Block, Func, Operand, Policy, Stmt } from '../../../../src/policy/ir/types.js';

export const L = (value: number): Operand => ({ type: 'local', value });
export const B = (value: boolean): Operand => ({ type: 'bool', value });

/** Interns strings while a test writes statements; `s('x')` is the operand for "x". */
export class IR {
  readonly strings: string[] = [];
  readonly funcs: Func[] = [];
  readonly plans: { name: string; blocks: Block[] }[] = [];
  builtins: { name: string; decl: unknown }[] = [];

  idx(v: string): number {
    let i = this.strings.indexOf(v);
    if (i < 0) i = this.strings.push(v) - 1;
    return i;
  }

  s(v: string): Operand {
    return { type: 'string_index', value: this.idx(v) };
  }

  plan(name: string, ...blocks: Stmt[][]): this {
    this.plans.push({ name, blocks: blocks.map((stmts) => ({ stmts })) });
    return this;
  }

  func(name: string, params: number[], ret: number, blocks: Stmt[][], path?: string[]): this {
    this.funcs.push({ name, params, return: ret, blocks: blocks.map((stmts) => ({ stmts })), ...(path ? { path } : {}) });
    return this;
  }

  build(): Policy {
    return {
      static: { strings: this.strings.map((value) => ({ value })), builtin_funcs: this.builtins, files: [{ value: 'test.rego' }] },
      plans: { plans: this.plans },
      funcs: { funcs: this.funcs },
    };
  }
}

const pos = { file: 0, row: 1, col: 1 };

/** `st('DotStmt', {source, key, target})` with a dummy position. */
export function st<T extends Stmt['type']>(type: T, stmt: Omit<Extract<Stmt, { type: T }>['stmt'], 'file' | 'row' | 'col'>): Stmt {
  return { type, stmt: { ...stmt, ...pos } } as Stmt;
}

export const blk = (...stmts: Stmt[]): Block => ({ stmts });
/** Plan epilogue: `{ "x": l<n> }` added to the result set, using scratch locals 90/91. */
export function emit(ir: IR, local: number, name = 'x'): Stmt[] {
  return [st('MakeObjectStmt', { target: 90 }), st('ObjectInsertStmt', { key: ir.s(name), value: L(local), object: 90 }), st('ResultSetAddStmt', { value: 90 })];
}
