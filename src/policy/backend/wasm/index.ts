/**
 * The WASM back end: IR plans → modules implementing OPA's Wasm ABI 1.2, evaluated through the
 * unmodified @open-policy-agent/opa-wasm SDK (which also runs modules from a real `opa build`).
 *
 * Layout: runtime/*.as is the AssemblyScript runtime (values, JSON, ABI exports, native
 * builtins), compiled once by runtime/build.ts into runtime-wasm.generated.ts (checked in; rerun
 * `npx tsx src/policy/backend/wasm/runtime/build.ts` after editing a .as file). Per policy,
 * compile.ts links generated code (codegen.ts) and constants (static-data.ts) into a copy of it
 * with binaryen; evaluator.ts runs it through the SDK with regate's builtins (host-bridge.ts).
 * input-projection.ts finds which parts of input the plans can observe (stored in the module);
 * the evaluator sends only those (apply-projection.ts).
 *
 * @example
 *   const wasm = await compileWasm(plan);
 *   const ev = await createWasmEvaluator(wasm, { data: {} });
 *   ev.evaluate('eval', { user: 'alice' });
 */
export { compileWasm, type CompileWasmOptions } from './compile.js';
export { createWasmEvaluator, toRegoError } from './evaluator.js';
export { buildBundle, writeTar, type BundleInput } from './bundle.js';
