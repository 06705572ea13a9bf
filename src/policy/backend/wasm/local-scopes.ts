/**
 * Where each IR local of a function lives: the innermost ir.Block that holds every statement
 * reading or writing it. The wasm back end gives most functions one wasm local per IR local, but
 * V8 refuses a function with more than 50,000 locals ("local count too large"), and a rule that
 * iterates `with` over a large data tree plans to one function with far more (elastic's
 * csp-security-policies `main.findings`: 192,025). For such a function the code generator shares
 * wasm locals between IR locals whose blocks do not overlap (FunctionGen's scoped mode): a local is
 * given a slot when its block is entered (zeroed, as a fresh local is: 0 is "undefined") and the
 * slot is free again when the block is left, since nothing outside the block refers to it.
 *
 * @example
 *   const homes = localHomes(func.blocks); // Map<Block, Local[]>; locals used at the top level are absent
 */
import type { Block, Local, Operand, Stmt } from '../../ir/types.js';

/** The locals one statement names itself (not those of its nested blocks). */
export function stmtLocals(s: Stmt): Local[] {
  const op = (o: Operand | undefined | null): Local[] => (o && o.type === 'local' ? [o.value] : []);
  const x = s.stmt;
  switch (s.type) {
    case 'ArrayAppendStmt':
      return [s.stmt.array, ...op(s.stmt.value)];
    case 'AssignIntStmt':
    case 'MakeArrayStmt':
    case 'MakeNullStmt':
    case 'MakeNumberIntStmt':
    case 'MakeNumberRefStmt':
    case 'MakeObjectStmt':
    case 'MakeSetStmt':
    case 'ResetLocalStmt':
      return [s.stmt.target];
    case 'AssignVarOnceStmt':
    case 'AssignVarStmt':
      return [s.stmt.target, ...op(s.stmt.source)];
    case 'CallDynamicStmt':
      return [...s.stmt.args, ...s.stmt.path.flatMap(op), s.stmt.result];
    case 'CallStmt':
      return [...(s.stmt.args ?? []).flatMap(op), s.stmt.result];
    case 'DotStmt':
      return [...op(s.stmt.source), ...op(s.stmt.key), s.stmt.target];
    case 'EqualStmt':
    case 'NotEqualStmt':
      return [...op(s.stmt.a), ...op(s.stmt.b)];
    case 'IsArrayStmt':
    case 'IsObjectStmt':
    case 'IsSetStmt':
      return op(s.stmt.source);
    case 'IsDefinedStmt':
    case 'IsUndefinedStmt':
    case 'ReturnLocalStmt':
      return [s.stmt.source];
    case 'LenStmt':
      return [...op(s.stmt.source), s.stmt.target];
    case 'ObjectInsertOnceStmt':
    case 'ObjectInsertStmt':
      return [...op(s.stmt.key), ...op(s.stmt.value), s.stmt.object];
    case 'ObjectMergeStmt':
      return [s.stmt.a, s.stmt.b, s.stmt.target];
    case 'ResultSetAddStmt':
      return [s.stmt.value];
    case 'ScanStmt':
      return [s.stmt.source, s.stmt.key, s.stmt.value];
    case 'SetAddStmt':
      return [...op(s.stmt.value), s.stmt.set];
    case 'WithStmt':
      return [s.stmt.local, ...op(s.stmt.value)];
    case 'BlockStmt':
    case 'BreakStmt':
    case 'NopStmt':
    case 'NotStmt':
      return [];
    default:
      void x;
      return [];
  }
}

/** The blocks nested directly in a statement. */
function nestedBlocks(s: Stmt): Block[] {
  switch (s.type) {
    case 'BlockStmt':
      return s.stmt.blocks ?? [];
    case 'NotStmt':
    case 'ScanStmt':
    case 'WithStmt':
      return [s.stmt.block];
    default:
      return [];
  }
}

/** How many distinct locals the blocks name (with nested blocks). */
export function countLocals(blocks: readonly Block[]): number {
  const seen = new Set<Local>();
  const visit = (b: Block): void => {
    for (const s of b.stmts) {
      for (const l of stmtLocals(s)) seen.add(l);
      nestedBlocks(s).forEach(visit);
    }
  };
  blocks.forEach(visit);
  return seen.size;
}

/**
 * Each local's home block: the deepest block whose statements (nested ones included) hold every
 * reference to it. A local named in two top-level blocks, or in `fixed`, has no home (it lives
 * for the whole function) and is left out.
 */
export function localHomes(blocks: readonly Block[], fixed: ReadonlySet<Local>): Map<Block, Local[]> {
  // the chain of blocks from the top level down to each local's home so far
  const home = new Map<Local, Block[]>();
  const visit = (b: Block, path: Block[]): void => {
    for (const s of b.stmts) {
      for (const l of stmtLocals(s)) {
        if (fixed.has(l)) continue;
        const h = home.get(l);
        if (h === undefined) {
          home.set(l, path);
          continue;
        }
        let n = 0;
        while (n < h.length && n < path.length && h[n] === path[n]) n++;
        if (n < h.length) home.set(l, h.slice(0, n));
      }
      for (const nb of nestedBlocks(s)) visit(nb, [...path, nb]);
    }
  };
  for (const b of blocks) visit(b, [b]);
  const out = new Map<Block, Local[]>();
  for (const [l, path] of home) {
    const b = path[path.length - 1];
    if (b === undefined) continue; // used in more than one top-level block
    const list = out.get(b);
    if (list === undefined) out.set(b, [l]);
    else list.push(l);
  }
  return out;
}
