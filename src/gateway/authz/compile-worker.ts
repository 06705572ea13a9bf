/**
 * Entry of the policy compile thread (compile-thread.ts): compiles the policy set its spec names
 * each time it is asked, and posts back the CompiledPolicySet or the error, serialised. A WASM
 * module is transferred, not copied.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { policyLoadConfig, serializeCompileError, type CompileReply, type PolicyCompileSpec } from './compile-thread.js';
import { createPolicyCompiler } from './load.js';

const { spec } = workerData as { spec: PolicyCompileSpec };
const compile = createPolicyCompiler(policyLoadConfig(spec));

parentPort?.on('message', ({ id }: { id: number }) => {
  compile().then(
    (value) => {
      const code = value.policy.code;
      const transfer = code.kind === 'wasm' && code.wasm.byteOffset === 0 && code.wasm.byteLength === code.wasm.buffer.byteLength ? [code.wasm.buffer as ArrayBuffer] : [];
      parentPort?.postMessage({ id, ok: true, value } satisfies CompileReply, transfer);
    },
    (err: unknown) => parentPort?.postMessage({ id, ok: false, error: serializeCompileError(err) } satisfies CompileReply),
  );
});
