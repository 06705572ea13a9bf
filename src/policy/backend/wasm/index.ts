/**
 * The WASM back end: IR plans → modules implementing OPA's Wasm ABI 1.2, evaluated through the
 * unmodified @open-policy-agent/opa-wasm SDK (which also runs modules from a real `opa build`).
 *
 * @example
 *   const wasm = await compileWasm(plan);
 *   const ev = await createWasmEvaluator(wasm, { data: {} });
 *   ev.evaluate('eval', { user: 'alice' });
 */
export { compileWasm, type CompileWasmOptions } from './compile.js';
export { createWasmEvaluator, toRegoError } from './evaluator.js';
export { buildBundle, writeTar, type BundleInput } from './bundle.js';
