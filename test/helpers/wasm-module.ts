/**
 * WebAssembly.Module, typed for the tests that read a compiled module's imports and exports.
 * The WebAssembly namespace is declared by TypeScript's DOM lib only; the project's lib is
 * ES2023 with Node's types (no DOM), so the global is taken here with the few members used.
 *
 * @example const names = WasmModule.exports(new WasmModule(bytes)).map((e) => e.name);
 */
export interface WasmModuleDescriptor {
  module?: string;
  name: string;
  kind: 'function' | 'global' | 'memory' | 'table' | 'tag';
}

export interface WasmModuleConstructor {
  new (bytes: Uint8Array): object;
  exports(module: object): WasmModuleDescriptor[];
  imports(module: object): (WasmModuleDescriptor & { module: string })[];
}

export const WasmModule = (globalThis as unknown as { WebAssembly: { Module: WasmModuleConstructor } }).WebAssembly.Module;
