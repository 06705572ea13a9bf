/**
 * createWasmEvaluator: the PlanEvaluator contract on top of the unmodified
 * @open-policy-agent/opa-wasm SDK, for modules from compileWasm or from a real `opa build`.
 */
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import type { Policy } from '../../ir/types.js';
import { isOpaErrorCode, type OpaErrorCode } from '../../error-codes.js';
import { ConflictError, RegoError, type SourceLocation } from '../../errors.js';
import { defaultRegistry } from '../../builtins/index.js';
import { stringifyJson, type Value } from '../../value/index.js';
import type { EvalOptions, EvaluatorOptions, PlanEvaluator } from '../evaluator.js';
import { compileWasm, hasCustomSection, readCustomSection, PROJECTION_SECTION, REGATE_SECTION } from './compile.js';
import { projectionFromJson, type Projection } from './input-projection.js';
import { applyProjection, projectedJson } from './apply-projection.js';
import { createErrorLocator } from './error-location.js';
import { createCustomBuiltins, encodeTagged, needsTags, type HostState } from './host-bridge.js';
import { budgetOf } from '../eval-budget.js';
import { createResultReader } from './result-reader.js';

const encoder = new TextEncoder();

/**
 * UTF-8 bytes of text as an ArrayBuffer of exactly that length (the SDK copies the whole
 * buffer into the module). TextEncoder.encode already returns an exact, unshared buffer on
 * Node, so the copy (an extra ArrayBuffer allocation, ~1 µs per decision) is only a fallback.
 */
function toBuffer(text: string): ArrayBuffer {
  const b = encoder.encode(text);
  if (b.byteOffset === 0 && b.buffer.byteLength === b.byteLength) return b.buffer as ArrayBuffer;
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/** The module's input projection, if it carries a well-formed one. */
function readProjection(wasm: Uint8Array): Projection | undefined {
  const bytes = readCustomSection(wasm, PROJECTION_SECTION);
  if (!bytes) return undefined;
  try {
    return projectionFromJson(JSON.parse(new TextDecoder().decode(bytes)));
  } catch {
    return undefined;
  }
}

/**
 * Maps what escapes the SDK to a RegoError. opa_abort messages from regate's runtime start
 * with OPA's error kind ("eval_conflict_error: …"); a conflict becomes a ConflictError
 * (REGO_ERR_CONFLICT), as on the JS engine; the SDK throws strings and `{message}` objects;
 * builtin wrappers throw RegoErrors, which pass through unchanged.
 */
export function toRegoError(e: unknown): RegoError {
  if (e instanceof RegoError) return e;
  const text = typeof e === 'string' ? e : e instanceof Error ? e.message : typeof (e as { message?: unknown })?.message === 'string' ? (e as { message: string }).message : String(e);
  // The abort protocol of regate's runtime: the kind, a colon, the message.
  const m = /^(eval_[a-z_]+):\s*/.exec(text);
  // A conflict is the JS engine's error, code and OPA's message alike (a caller handles one
  // REGO_ERR_CONFLICT whichever engine runs the policy); the evaluator adds the location.
  if (m && m[1] === 'eval_conflict_error') return new ConflictError(text.slice(m[0].length));
  if (m && isOpaErrorCode(m[1] as string)) return new RegoError('REGO_ERR_WASM_ABORT', text.slice(m[0].length), { opaCode: m[1] as OpaErrorCode, cause: e });
  // OPA's own Wasm runtime (a module from `opa build -t wasm`) aborts a conflict with
  // "<file>:<row>:<col>: var assignment conflict" (or object insert / merge conflict:
  // internal/compiler/wasm errorMessages); OPA's topdown calls those eval_conflict_error.
  const c = /^(.*):(\d+):(\d+): ((?:var assignment|object insert|object merge) conflict)$/.exec(text);
  if (c) return new ConflictError(c[4]!, { file: c[1]!, line: Number(c[2]), col: Number(c[3]) });
  if (/^not implemented: built-in function/.test(text)) return new RegoError('REGO_ERR_WASM_BUILTIN_MISSING', text, { cause: e });
  // A trap (unreachable, out of bounds): WebAssembly.RuntimeError, not in this project's TS lib.
  if ((e as { constructor?: { name?: string } })?.constructor?.name === 'RuntimeError' || e instanceof RangeError) return new RegoError('REGO_ERR_WASM_TRAP', text, { opaCode: 'eval_internal_error', cause: e });
  return new RegoError('REGO_ERR_WASM_ABORT', text, { cause: e });
}

/** The WebAssembly.Instance behind a LoadedPolicy (the SDK keeps either it or {instance}). */
function instanceOf(loaded: { wasmInstance: unknown } | undefined): { exports?: unknown } | undefined {
  const w = loaded?.wasmInstance as { exports?: unknown; instance?: { exports?: unknown } } | undefined;
  return w?.exports !== undefined ? w : w?.instance;
}

/**
 * Loads a policy (compiling IR first) and evaluates its entrypoints through the SDK.
 *
 * @example
 *   const ev = await createWasmEvaluator(plan, { data: { roles: {} } });
 *   ev.evaluate('gateway/decision', { method: 'GET', path: ['orders'] }); // [{ result: … }]
 */
export async function createWasmEvaluator(policyOrWasm: Policy | Uint8Array, opts: EvaluatorOptions = {}): Promise<PlanEvaluator> {
  const registry = opts.builtins ?? defaultRegistry;
  // Modules compiled here count steps for the evaluation budget; ready modules run as built.
  const wasm = policyOrWasm instanceof Uint8Array ? policyOrWasm : await compileWasm(policyOrWasm, { registry, evalBudget: true });
  // Only our own modules understand tagged JSON in host calls and in the input.
  const tagged = hasCustomSection(wasm, REGATE_SECTION);
  const state: HostState = { opts: {}, ctx: undefined, budget: { budgetMs: Infinity, deadline: 0 } };
  const custom = createCustomBuiltins(registry, state, tagged);
  let loaded: Awaited<ReturnType<typeof loadPolicy>> | undefined;
  // Errors get `file:row` like the JS back end's (regate modules only; error-location.ts).
  const locate = tagged ? createErrorLocator(wasm, () => instanceOf(loaded)) : undefined;
  state.locate = locate;
  try {
    loaded = await loadPolicy(wasm, undefined, custom);
  } catch (e) {
    throw toRegoError(e);
  }
  const policy = loaded;
  const entrypoints = policy.entrypoints as Record<string, number>;
  const plans = Object.freeze(Object.keys(entrypoints));

  // Only the parts of input the plans can observe cross into the module (input-projection.ts).
  const projection = tagged ? readProjection(wasm) : undefined;
  // Plain JSON input (the gateway's case) needs no conversion at all: JSON.stringify is exact.
  const encode = (input: Value): ArrayBuffer => {
    if (projection) {
      const text = projectedJson(input, projection);
      if (typeof text === 'string') return toBuffer(text);
    }
    const v = projection ? applyProjection(input, projection) : input;
    return toBuffer(!needsTags(v) ? JSON.stringify(v) : tagged ? JSON.stringify(encodeTagged(v)) : stringifyJson(v));
  };

  // Results read as regate's Values (numbers keep their text: result-reader.ts), else through the SDK.
  const read = createResultReader(policy);

  const ev: PlanEvaluator = {
    plans,
    setData(data: Value) {
      try {
        policy.setData(toBuffer(stringifyJson(data)));
      } catch (e) {
        throw toRegoError(e);
      }
    },
    evaluate(plan: string, input: Value | undefined, evalOpts: EvalOptions = {}): Value[] {
      if (!Object.hasOwn(entrypoints, plan)) throw new RegoError('REGO_ERR_WASM_ENTRYPOINT', `no entrypoint ${plan}`);
      state.opts = evalOpts;
      state.ctx = undefined;
      state.budget.budgetMs = budgetOf(evalOpts);
      state.budget.deadline = 0;
      let rows: unknown;
      try {
        const buf = input === undefined ? undefined : encode(input);
        rows = read !== undefined ? read(buf, entrypoints[plan]!) : policy.evaluate(buf, plan);
      } catch (e) {
        const err = toRegoError(e);
        // Conflicts abort inside the module; the runtime recorded the statement (abi.as).
        if (locate && err.opaCode === 'eval_conflict_error' && err.location === undefined) {
          const loc = locate();
          if (loc) (err as { location: SourceLocation | undefined }).location = loc;
        }
        throw err;
      }
      // parseJson's (and the SDK's JSON.parse) output is already a valid Value.
      return Array.isArray(rows) ? (rows as Value[]) : [];
    },
  };
  if (opts.data !== undefined) ev.setData(opts.data);
  return ev;
}
