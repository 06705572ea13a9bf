/**
 * compileWasm: IR plan → a module implementing OPA's Wasm ABI 1.2.
 *
 * The prebuilt runtime (runtime/*.as, compiled once by runtime/build.ts) already exports every
 * ABI function; it imports three placeholders from module "regate" (plan dispatch, builtins,
 * entrypoints). Per policy we read the runtime with binaryen, replace the placeholders with
 * generated functions, add one data segment with the plan's constants right after the
 * runtime's own data, move the heap start past it, and drop the `rt_*` helper exports.
 * That keeps policy builds in the millisecond range (no AssemblyScript compile per policy).
 */
import binaryen from 'binaryen';
import type { Policy } from '../../ir/types.js';
import type { BuiltinRegistry } from '../../builtins/registry.js';
import { RegoError } from '../../errors.js';
import { FunctionGen, LOC_SHIFT, MAX_LOCATION, unsupported, type CodegenEnv } from './codegen.js';
import { FIRST_CHECK, STEP_INTERVAL } from '../eval-budget.js';
import { StaticData } from './static-data.js';
import { projectInputOf, projectionToJson } from './input-projection.js';
import { runtimeWasmBase64 } from './runtime-wasm.generated.js';
import { engineBuiltin } from '../with-bad-path.js';

let runtimeBytes: Uint8Array | undefined;

/** Builtins that the SDK implements itself and would shadow regate's own (see host-bridge.ts). */
export const SDK_SHADOWED = new Set(['sprintf', 'json.is_valid', 'regex.split', 'yaml.is_valid', 'yaml.marshal', 'yaml.unmarshal']);
/** The name a regate module uses for a shadowed builtin so the SDK falls through to customBuiltins. */
export const shadowAlias = (name: string): string => `${name}@regate`;

/** Custom section marking a module built here (the host bridge then speaks tagged JSON). */
export const REGATE_SECTION = 'regate.tagged-json';

/** Does a module binary carry a custom section with this name? */
export function hasCustomSection(wasm: Uint8Array, name: string): boolean {
  return readCustomSection(wasm, name) !== undefined;
}

/** The payload of the first custom section with this name (a walk over section headers). */
export function readCustomSection(wasm: Uint8Array, name: string): Uint8Array | undefined {
  const leb = (at: number): [number, number] => {
    let r = 0;
    let shift = 0;
    for (let i = at; i < wasm.length && shift < 35; i++, shift += 7) {
      const b = wasm[i] as number;
      r |= (b & 0x7f) << shift;
      if (b < 0x80) return [r >>> 0, i + 1];
    }
    return [-1, wasm.length];
  };
  const want = new TextEncoder().encode(name);
  for (let p = 8; p < wasm.length; ) {
    const id = wasm[p] as number;
    const [size, body] = leb(p + 1);
    if (size < 0) return undefined;
    if (id === 0) {
      const [n, at] = leb(body);
      if (n === want.length && want.every((b, i) => wasm[at + i] === b)) return wasm.subarray(at + n, body + size);
    }
    p = body + size;
  }
  return undefined;
}

/**
 * Custom section with the input projection (input-projection.ts) as JSON: regate's evaluator
 * sends the module only the parts of input the plans can observe. Absent = whole input.
 */
export const PROJECTION_SECTION = 'regate.input-projection';

/**
 * Custom section with the source locations generated code refers to (codegen.ts, location):
 * JSON `{"files": [name…], "locs": [file, row, col, …]}`, location index i ≥ 1 at
 * locs[3(i-1)…]. The evaluator turns `regate_err_loc()` into `file:row` for errors (OPA's form).
 */
export const LOCATIONS_SECTION = 'regate.locations';

/**
 * The host function a module compiled with `evalBudget` calls every so many steps (through
 * opa_builtin0, the only way out of a module the unmodified SDK offers): listed in the module's
 * `builtins` map under this name, which no Rego builtin has; createWasmEvaluator provides it.
 */
export const EVAL_BUDGET_BUILTIN = 'regate.eval_budget';

export interface CompileWasmOptions {
  /** plan names to include (default: all plans) */
  entrypoints?: string[];
  /** run binaryen's validator on the result (tests do; a bug in codegen then fails loudly) */
  validate?: boolean;
  /**
   * the builtins the module will be run with: a call to any other builtin is refused at build
   * time (RegoError REGO_ERR_UNKNOWN_BUILTIN, as the JS back end does). Without it, any name is
   * accepted and left to the host (a module may target a host with its own builtins).
   */
  registry?: BuiltinRegistry;
  /**
   * count steps for the evaluation budget (eval-budget.ts): one per loop iteration and function
   * call, a host call to EVAL_BUDGET_BUILTIN every STEP_INTERVAL. Off by default: a host that
   * does not provide that builtin (any other SDK user) could not run the module.
   */
  evalBudget?: boolean;
  /**
   * share wasm locals between the blocks of a function or plan with more than this many IR
   * locals (codegen.ts SCOPED_LOCALS by default; V8 refuses a function of over 50,000 locals).
   * Tests lower it to run small policies that way.
   */
  scopedLocals?: number;
}

/**
 * Compiles an IR policy to a Wasm module the unmodified @open-policy-agent/opa-wasm SDK loads.
 *
 * @example
 *   const wasm = await compileWasm(plan, { entrypoints: ['gateway/decision'] });
 *   const policy = await loadPolicy(wasm);
 *   policy.evaluate({ method: 'GET' }, 'gateway/decision');
 */
export async function compileWasm(policy: Policy, opts: CompileWasmOptions = {}): Promise<Uint8Array> {
  runtimeBytes ??= Buffer.from(runtimeWasmBase64, 'base64');
  const mod = binaryen.readBinary(runtimeBytes);
  try {
    return build(mod, policy, opts);
  } finally {
    mod.dispose();
  }
}

function build(mod: binaryen.Module, policy: Policy, opts: CompileWasmOptions): Uint8Array {
  // Exactly what the runtime uses (memory.copy, sign extension); "All" would emit encodings V8 rejects.
  mod.setFeatures(binaryen.Features.MVP | binaryen.Features.MutableGlobals | binaryen.Features.BulkMemory | binaryen.Features.SignExt | binaryen.Features.NontrappingFPToInt | binaryen.Features.BulkMemoryOpt);
  const i32 = binaryen.i32;

  // External → internal names of the runtime's exports, and the placeholder imports.
  const internal = new Map<string, string>();
  for (let i = 0; i < mod.getNumExports(); i++) {
    const e = binaryen.getExportInfo(mod.getExportByIndex(i));
    internal.set(e.name, e.value);
  }
  const placeholders = new Map<string, string>();
  for (let i = 0; i < mod.getNumFunctions(); i++) {
    const f = binaryen.getFunctionInfo(mod.getFunctionByIndex(i));
    if (f.module === 'regate' && f.base) placeholders.set(f.base, f.name);
  }
  // The heap pointer global is whatever opa_heap_ptr_get reads (the runtime carries no names).
  let heapGlobal: string | undefined;
  let heapBase = 0;
  const getter = internal.get('opa_heap_ptr_get');
  if (getter !== undefined) {
    const body = binaryen.getFunctionInfo(mod.getFunction(getter)).body;
    const info = binaryen.getExpressionInfo(body) as binaryen.GlobalGetInfo;
    if (info.id === binaryen.GlobalGetId) heapGlobal = info.name;
  }
  // The runtime's static data ends where its last active segment ends.
  const segInfo = mod as unknown as {
    getNumDataSegments(): number;
    getDataSegmentInfo(ref: number): { offset: number | null; data: ArrayBuffer; passive: boolean };
  };
  const runtimeSegments: { offset: number; data: Uint8Array; passive: boolean }[] = [];
  for (let i = 0; i < segInfo.getNumDataSegments(); i++) {
    const info = segInfo.getDataSegmentInfo(mod.getDataSegmentByIndex(i));
    runtimeSegments.push({ offset: info.offset ?? 0, data: new Uint8Array(info.data), passive: info.passive });
    if (!info.passive) heapBase = Math.max(heapBase, (info.offset ?? 0) + info.data.byteLength);
  }
  if (!heapGlobal || placeholders.size !== 3) throw new RegoError('REGO_ERR_WASM_RUNTIME', 'wasm runtime is malformed (rebuild with runtime/build.ts)');

  const data = new StaticData((heapBase + 7) & ~7);
  const strings = (policy.static.strings ?? []).map((s) => s.value);
  const funcs = policy.funcs?.funcs ?? [];
  const allPlans = policy.plans.plans ?? [];
  const plans = opts.entrypoints ? allPlans.filter((p) => opts.entrypoints?.includes(p.name)) : allPlans;
  if (opts.entrypoints) {
    for (const e of opts.entrypoints) if (!plans.some((p) => p.name === e)) throw new RegoError('REGO_ERR_WASM_ENTRYPOINT', `no plan named ${e}`);
  }

  const funcNames = new Map<string, { wasm: string; arity: number }>();
  funcs.forEach((f, i) => funcNames.set(f.name, { wasm: `regate_f${i}`, arity: f.params.length }));
  const builtinIds = new Map<string, number>();
  for (const b of policy.static.builtin_funcs ?? []) if (!builtinIds.has(b.name)) builtinIds.set(b.name, builtinIds.size);

  // The evaluation budget: a step counter in a global; at zero, regate_tick refills it and
  // calls the host's check (which throws out of the module when the budget is spent).
  const STEPS = 'regate_steps';
  let budgetId = -1;
  if (opts.evalBudget) {
    budgetId = builtinIds.size;
    builtinIds.set(EVAL_BUDGET_BUILTIN, budgetId);
    mod.addGlobal(STEPS, i32, true, mod.i32.const(FIRST_CHECK));
  }
  const step = (): binaryen.ExpressionRef | undefined =>
    budgetId < 0
      ? undefined
      : mod.block(null, [
          mod.global.set(STEPS, mod.i32.sub(mod.global.get(STEPS, i32), mod.i32.const(1))),
          mod.if(mod.i32.eqz(mod.global.get(STEPS, i32)), mod.call('regate_tick', [], binaryen.none)),
        ]);

  // Memoized functions: every function of (input, data) alone — a rule without arguments, or a
  // comprehension index (ir/types.ts) — as OPA's wasm compiler does (compileFunc: `memoize :=
  // len(fn.Params) == 2`, opa_memoize_get/insert) and as the JS back end does. Without it a rule
  // referenced inside an iteration was evaluated again for every element (lakekeeper's batch
  // filter, 32 resources: its namespace probe ran per resource and per index lookup). A value
  // and its generation per function in globals; each evaluation and each `with` frame gets a new
  // generation, so a value of another evaluation (whose heap is gone) or frame is never read.
  const memoized = new Set(funcs.flatMap((f, i) => (f.params.length === 2 ? [i] : [])));
  const memo = memoized.size > 0 ? { gen: 'regate_memo_gen', next: 'regate_memo_next' } : undefined;
  if (memo) {
    mod.addGlobal(memo.gen, i32, true, mod.i32.const(0));
    mod.addGlobal(memo.next, i32, true, mod.i32.const(0));
  }

  // Location table (index 0 = none), deduplicated: many statements share a row.
  const locIndex = new Map<string, number>();
  const locs: number[] = [];

  const env: CodegenEnv = {
    mod,
    data,
    rt(name) {
      const n = internal.get(name);
      if (n === undefined) throw new RegoError('REGO_ERR_WASM_RUNTIME', `wasm runtime lacks ${name}`);
      return n;
    },
    staticString(i) {
      const s = strings[i];
      if (s === undefined) unsupported(`static string ${i} out of range`);
      return s;
    },
    func: (name) => funcNames.get(name),
    dynamicTargets: funcs.flatMap((f, i) => (f.path ? [{ path: f.path, wasm: `regate_f${i}`, arity: f.params.length }] : [])),
    builtinId(name) {
      if (opts.registry && !opts.registry.has(name) && engineBuiltin(name) === undefined) throw new RegoError('REGO_ERR_UNKNOWN_BUILTIN', `unknown builtin function ${name}`);
      let id = builtinIds.get(name);
      if (id === undefined) builtinIds.set(name, (id = builtinIds.size));
      return id;
    },
    location({ file, row, col }) {
      const key = `${file}:${row}:${col}`;
      let i = locIndex.get(key);
      if (i === undefined) {
        if (locIndex.size >= MAX_LOCATION) return 0;
        locs.push(file, row, col);
        locIndex.set(key, (i = locIndex.size + 1));
      }
      return i;
    },
    step,
    ...(memo ? { memo } : {}),
  };

  if (budgetId >= 0) {
    if (budgetId >= 1 << LOC_SHIFT) unsupported(`more than ${1 << LOC_SHIFT} distinct builtins`);
    mod.addFunction(
      'regate_tick',
      binaryen.none,
      binaryen.none,
      [],
      mod.block(null, [mod.global.set(STEPS, mod.i32.const(STEP_INTERVAL)), mod.drop(mod.call(env.rt('rt_host0'), [mod.i32.const(budgetId)], i32))]),
    );
  }

  // Functions first (plans call them by name; binaryen resolves names at emit time).
  funcs.forEach((f, i) => {
    const g = new FunctionGen(env, f.params, 0, f.params.length > 2);
    g.prepare(f.blocks, [f.return], opts.scopedLocals);
    const entry = step();
    const body = [...(entry !== undefined ? [entry] : []), ...f.blocks.map((b) => g.block(b))];
    body.push(mod.return(mod.local.get(g.local(f.return), i32)));
    if (!memo || !memoized.has(i)) {
      mod.addFunction(`regate_f${i}`, binaryen.createType(f.params.map(() => i32)), i32, g.varTypes, mod.block(null, body, binaryen.none));
      return;
    }
    // regate_f<i> answers from its globals when they are of this generation, else calls the body
    mod.addFunction(`regate_f${i}_body`, binaryen.createType([i32, i32]), i32, g.varTypes, mod.block(null, body, binaryen.none));
    const [mg, mv] = [`regate_memo_g${i}`, `regate_memo_v${i}`];
    mod.addGlobal(mg, i32, true, mod.i32.const(0));
    mod.addGlobal(mv, i32, true, mod.i32.const(0));
    mod.addFunction(
      `regate_f${i}`,
      binaryen.createType([i32, i32]),
      i32,
      [],
      mod.block(null, [
        mod.if(mod.i32.ne(mod.global.get(mg, i32), mod.global.get(memo.gen, i32)), mod.block(null, [
          mod.global.set(mv, mod.call(`regate_f${i}_body`, [mod.local.get(0, i32), mod.local.get(1, i32)], i32)),
          mod.global.set(mg, mod.global.get(memo.gen, i32)),
        ])),
        mod.return(mod.global.get(mv, i32)),
      ], binaryen.none),
    );
  });
  plans.forEach((p, i) => {
    const g = new FunctionGen(env, [0, 1], 1);
    g.prepare(p.blocks, [], opts.scopedLocals);
    const body = p.blocks.map((b) => g.block(b));
    mod.addFunction(`regate_p${i}`, binaryen.createType([i32, i32, i32]), binaryen.none, g.varTypes, mod.block(null, body, binaryen.none));
  });

  // Dispatch: regate.plan(ep, input, data, rs). An unknown entrypoint id yields an empty set.
  const planName = placeholders.get('plan') as string;
  mod.removeFunction(planName);
  const get = (i: number): binaryen.ExpressionRef => mod.local.get(i, i32);
  mod.addFunction(
    planName,
    binaryen.createType([i32, i32, i32, i32]),
    binaryen.none,
    [],
    mod.block(
      null,
      [
        ...(budgetId >= 0 ? [mod.global.set(STEPS, mod.i32.const(FIRST_CHECK))] : []),
        ...(memo
          ? [
              mod.global.set(memo.next, mod.i32.add(mod.global.get(memo.next, i32), mod.i32.const(1))),
              mod.global.set(memo.gen, mod.global.get(memo.next, i32)),
            ]
          : []),
        ...plans.map((_, i) => mod.if(mod.i32.eq(get(0), mod.i32.const(i)), mod.call(`regate_p${i}`, [get(1), get(2), get(3)], binaryen.none))),
      ],
      binaryen.none,
    ),
  );

  const builtinsObj = data.object([...builtinIds].map(([name, id]) => [SDK_SHADOWED.has(name) ? shadowAlias(name) : name, data.number(String(id))]));
  const entrypointsObj = data.object(plans.map((p, i) => [p.name, data.number(String(i))]));
  for (const [which, addr] of [['builtins', builtinsObj], ['entrypoints', entrypointsObj]] as const) {
    const name = placeholders.get(which) as string;
    mod.removeFunction(name);
    mod.addFunction(name, binaryen.none, i32, [], mod.i32.const(addr));
  }

  // The heap starts after the policy's constants.
  const heapStart = (data.end + 15) & ~15;
  mod.removeGlobal(heapGlobal);
  mod.addGlobal(heapGlobal, i32, true, mod.i32.const(heapStart));

  // Memory: keep the runtime's segments, add ours, and re-import env.memory.
  const segments: binaryen.MemorySegment[] = [];
  for (const r of runtimeSegments) segments.push({ offset: mod.i32.const(r.offset), data: r.data, passive: r.passive });
  segments.push({ offset: mod.i32.const(data.base), data: data.bytes(), passive: false });
  const pages = Math.ceil(heapStart / 65536) || 1;
  // binaryen names an imported memory read from a binary `mimport$0`; the runtime's loads and
  // stores refer to that name, so the re-created memory must keep it.
  mod.setMemory(pages, -1, null, segments, false, false, 'mimport$0');
  mod.addMemoryImport('mimport$0', 'env', 'memory');

  for (const name of internal.keys()) if (name.startsWith('rt_')) mod.removeExport(name);
  mod.addCustomSection(REGATE_SECTION, new Uint8Array([1]));
  if (locs.length > 0) {
    const files = (policy.static.files ?? []).map((f) => f.value);
    mod.addCustomSection(LOCATIONS_SECTION, new TextEncoder().encode(JSON.stringify({ files, locs })));
  }
  const projection = projectInputOf(policy, plans.map((p) => p.name));
  if (projection) mod.addCustomSection(PROJECTION_SECTION, new TextEncoder().encode(JSON.stringify(projectionToJson(projection))));

  // Validation costs as much as the rest of the build; tests turn it on.
  if (opts.validate && !mod.validate()) throw new RegoError('REGO_ERR_WASM_INVALID', 'generated module failed validation');
  return mod.emitBinary();
}
