/**
 * Input projection: which parts of `input` a plan can observe, found from the IR, so that the
 * evaluator sends the module only those parts.
 *
 * Every decision through the SDK pays per input byte three times (JSON.stringify, UTF-8
 * encoding and the module's JSON parser), and gateway inputs carry far more than a policy
 * reads: the insurance example reads input.request.method/path and input.token.sub/claims
 * out of ~1 KB. A plan can only look into input through DotStmt with a constant key
 * (`input.token.sub`); any other use of an input-derived value (comparison, scan, builtin
 * argument, result, …) observes that whole value. So a key never selected by a constant-key
 * DotStmt on a tracked value, under a value that is never used whole, is unobservable and can
 * be dropped. The analysis is flow-insensitive and conservative: anything it does not
 * understand (dynamic calls, `with` on input, unknown statements) keeps the input whole.
 *
 * The evaluator applies the result per decision (apply-projection.ts); compile.ts stores it in
 * the module (PROJECTION_SECTION) in the JSON form of projectionToJson.
 *
 * @example
 *   const p = projectInputOf(plan); // for `allow if input.request.path == "/x"`
 *   projectionToJson(p);           // { request: { path: 1 } }
 */
import type { Block, Local, Operand, Policy, Stmt } from '../../ir/types.js';

/** A projection node: either the whole value (`full`) or only the listed keys of an object. */
export interface Projection {
  full: boolean;
  kids: Map<string, Projection>;
  /** kids as parallel arrays, for the per-decision walks (set by compact()) */
  keys?: string[];
  nodes?: Projection[];
  /** JSON text of each key in `keys`, quoted and escaped */
  quoted?: string[];
}

/** Fixpoint bound (each round only adds nodes or marks them whole; real plans settle in 2–3). */
const MAX_ROUNDS = 50;

class GiveUp extends Error {}

function node(): Projection {
  return { full: false, kids: new Map() };
}

function child(n: Projection, k: string): Projection {
  let c = n.kids.get(k);
  if (!c) n.kids.set(k, (c = node()));
  return c;
}

/**
 * The projection of `input` for the given plans (default: all) and every function; `undefined`
 * when the whole input is observable (nothing to gain).
 */
export function projectInputOf(policy: Policy, planNames?: readonly string[]): Projection | undefined {
  const root = node();
  const strings = (policy.static.strings ?? []).map((s) => s.value);
  const funcs = new Map((policy.funcs?.funcs ?? []).map((f) => [f.name, f]));
  // Tracked locals: body id (plan:/func:) → local → projection nodes it may hold.
  const env = new Map<string, Map<Local, Set<Projection>>>();
  let changed = true;
  const nodesOf = (body: string, l: Local): Set<Projection> => {
    let m = env.get(body);
    if (!m) env.set(body, (m = new Map()));
    let s = m.get(l);
    if (!s) m.set(l, (s = new Set()));
    return s;
  };
  const flow = (body: string, l: Local, from: Iterable<Projection>): void => {
    const s = nodesOf(body, l);
    for (const n of from) {
      if (!s.has(n)) {
        s.add(n);
        changed = true;
      }
    }
  };
  const whole = (ns: Iterable<Projection>): void => {
    for (const n of ns) {
      if (!n.full) {
        n.full = true;
        changed = true;
      }
    }
  };
  const local = (body: string, op: Operand | null | undefined): Set<Projection> | undefined =>
    op && op.type === 'local' ? env.get(body)?.get(op.value) : undefined;
  const use = (body: string, op: Operand | null | undefined): void => {
    const s = local(body, op);
    if (s) whole(s);
  };
  const useLocal = (body: string, l: Local): void => {
    const s = env.get(body)?.get(l);
    if (s) whole(s);
  };

  const walk = (body: string, blocks: readonly Block[] | null | undefined): void => {
    for (const b of blocks ?? []) for (const s of b.stmts) stmt(body, s);
  };
  const stmt = (body: string, s: Stmt): void => {
    switch (s.type) {
      case 'DotStmt': {
        const src = local(body, s.stmt.source);
        use(body, s.stmt.key);
        if (!src || src.size === 0) return;
        if (s.stmt.key.type === 'string_index') {
          const k = strings[s.stmt.key.value];
          if (k === undefined) throw new GiveUp();
          flow(body, s.stmt.target, [...src].map((n) => child(n, k)));
        } else whole(src);
        return;
      }
      case 'AssignVarStmt':
      case 'AssignVarOnceStmt': {
        const src = local(body, s.stmt.source);
        if (src) flow(body, s.stmt.target, src);
        return;
      }
      case 'CallStmt': {
        const f = funcs.get(s.stmt.func);
        const args = s.stmt.args ?? [];
        if (!f) {
          for (const a of args) use(body, a); // a builtin sees its operands whole
          return;
        }
        args.forEach((a, i) => {
          const src = local(body, a);
          const p = f.params[i];
          if (src && p !== undefined) flow(`f:${f.name}`, p, src);
        });
        // What the function returns may be (part of) input: the caller's result tracks it.
        const ret = env.get(`f:${f.name}`)?.get(f.return);
        if (ret) flow(body, s.stmt.result, ret);
        return;
      }
      case 'ScanStmt':
        useLocal(body, s.stmt.source);
        walk(body, [s.stmt.block]);
        return;
      case 'NotStmt':
        walk(body, [s.stmt.block]);
        return;
      case 'BlockStmt':
        walk(body, s.stmt.blocks);
        return;
      case 'WithStmt':
        // `with input.x as …` rebuilds input along the path: keep it simple and whole.
        useLocal(body, s.stmt.local);
        use(body, s.stmt.value);
        walk(body, [s.stmt.block]);
        return;
      // Definedness and type tests: a projected value keeps both (objects stay objects).
      case 'IsDefinedStmt':
      case 'IsUndefinedStmt':
      case 'IsArrayStmt':
      case 'IsObjectStmt':
      case 'IsSetStmt':
      // Returns flow through Func.return (see CallStmt).
      case 'ReturnLocalStmt':
      case 'AssignIntStmt':
      case 'BreakStmt':
      case 'MakeArrayStmt':
      case 'MakeNullStmt':
      case 'MakeNumberIntStmt':
      case 'MakeNumberRefStmt':
      case 'MakeObjectStmt':
      case 'MakeSetStmt':
      case 'NopStmt':
      case 'ResetLocalStmt':
        return;
      case 'EqualStmt':
      case 'NotEqualStmt':
        use(body, s.stmt.a);
        use(body, s.stmt.b);
        return;
      case 'LenStmt':
        use(body, s.stmt.source);
        return;
      case 'ArrayAppendStmt':
        useLocal(body, s.stmt.array);
        use(body, s.stmt.value);
        return;
      case 'SetAddStmt':
        useLocal(body, s.stmt.set);
        use(body, s.stmt.value);
        return;
      case 'ObjectInsertStmt':
      case 'ObjectInsertOnceStmt':
        useLocal(body, s.stmt.object);
        use(body, s.stmt.key);
        use(body, s.stmt.value);
        return;
      case 'ObjectMergeStmt':
        useLocal(body, s.stmt.a);
        useLocal(body, s.stmt.b);
        return;
      case 'ResultSetAddStmt':
        useLocal(body, s.stmt.value);
        return;
      default:
        // CallDynamicStmt (targets chosen at run time) and anything newer than this analysis.
        throw new GiveUp();
    }
  };

  try {
    const plans = (policy.plans.plans ?? []).filter((p) => !planNames || planNames.includes(p.name));
    for (const p of plans) nodesOf(`p:${p.name}`, 0).add(root);
    let rounds = 0;
    while (changed) {
      if (++rounds > MAX_ROUNDS) return undefined;
      changed = false;
      for (const p of plans) walk(`p:${p.name}`, p.blocks);
      for (const f of funcs.values()) walk(`f:${f.name}`, f.blocks);
    }
  } catch (e) {
    if (e instanceof GiveUp) return undefined;
    throw e;
  }
  return root.full ? undefined : compact(root);
}

/** Fills the array form of every node's kids (Map iteration is the slow part of a small walk). */
function compact(p: Projection): Projection {
  p.keys = [...p.kids.keys()];
  p.nodes = [...p.kids.values()].map(compact);
  p.quoted = p.keys.map((k) => JSON.stringify(k));
  return p;
}

/** JSON form for the module's custom section: `1` for a whole value, else {key: form}. */
export function projectionToJson(p: Projection): unknown {
  if (p.full) return 1;
  const o: Record<string, unknown> = {};
  for (const [k, c] of p.kids) Object.defineProperty(o, k, { value: projectionToJson(c), enumerable: true, writable: true, configurable: true });
  return o;
}

/** Inverse of projectionToJson; undefined for anything malformed (then nothing is projected). */
export function projectionFromJson(x: unknown): Projection | undefined {
  if (x === 1) return { full: true, kids: new Map() };
  if (x === null || typeof x !== 'object' || Array.isArray(x)) return undefined;
  const p = node();
  for (const k of Object.keys(x)) {
    const c = projectionFromJson((x as Record<string, unknown>)[k]);
    if (!c) return undefined;
    p.kids.set(k, c);
  }
  return compact(p);
}
