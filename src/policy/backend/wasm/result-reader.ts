/**
 * Reads an evaluation's result set from the module's memory as regate's own Value, numbers
 * kept as their text: the SDK's evaluate() hands the JSON text that `opa_eval` writes to
 * JSON.parse, which turns a result `1.0` into `1` and rounds integers beyond 2^53; regate's
 * parseJson keeps both (value/json.ts; issue #16). Where nothing is to keep it costs nothing:
 * one native regex (MAY_NEED_TEXT) decides, and a result without such a number is JSON.parse'd.
 * Measured with callgrind, per read of the insurance decision's result (172 characters):
 * the SDK's read 21 500 instructions, this one 20 600 (parseJson's own character loop instead of
 * the regex: 25 700); the shared TextDecoder and the native NUL search pay for the regex.
 *
 * The call is the SDK's own ABI 1.2 fast path (`opa_eval` with input copied to the heap after
 * the data), done here on the LoadedPolicy's public fields, the package left unmodified; a
 * module of an older ABI, or an SDK without those fields, keeps the SDK's evaluate().
 *
 * @example
 *   const run = createResultReader(loaded);
 *   run?.(toBuffer('{"x": 1}'), 0); // [{ result: RNumber("1.0") }] for `r := 1.0`
 */
import { parseJson, type Value } from '../../value/index.js';

/** What evaluate() uses of the SDK's LoadedPolicy (@open-policy-agent/opa-wasm src/opa.js). */
interface SdkPolicy {
  readonly minorVersion: number;
  /** a WebAssembly.Memory (the type is not in this project's TS lib) */
  readonly mem: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  readonly dataAddr: number;
  readonly dataHeapPtr: number;
  readonly wasmInstance: { exports: Record<string, unknown> } | { instance: { exports: Record<string, unknown> } };
}

type OpaEval = (reserved: number, entrypoint: number, data: number, input: number, inputLen: number, heap: number, format: number) => number;

const PAGE = 64 * 1024;
const decoder = new TextDecoder();

/**
 * Can the text hold a number JSON.parse would change: 16 digits (a dot between them allowed:
 * significant digits beyond a double's) or a number with an exponent, a fraction ending in 0 or
 * starting with six zeros (value/json.ts FLOAT_FORM)? Every such number token matches; a match
 * inside a string only costs the exact parse.
 */
const MAY_NEED_TEXT = /\d(?:\.?\d){15}|(?:^|[:,[])\s*-?\d+(?:\.\d*0(?!\d)|(?:\.\d+)?[eE]|\.0{6})/;

function exportsOf(p: SdkPolicy): Record<string, unknown> | undefined {
  const w = p.wasmInstance as { exports?: Record<string, unknown>; instance?: { exports?: Record<string, unknown> } };
  return w.exports ?? w.instance?.exports;
}

/** A runner for the loaded policy, or undefined when it is not an ABI ≥ 1.2 module as the SDK holds it. */
export function createResultReader(loaded: unknown): ((input: ArrayBuffer | undefined, entrypoint: number) => unknown) | undefined {
  const p = loaded as Partial<SdkPolicy> | undefined;
  if (p === undefined || typeof p.minorVersion !== 'number' || p.minorVersion < 2 || typeof p.mem?.grow !== 'function') return undefined;
  if (typeof p.dataAddr !== 'number' || typeof p.dataHeapPtr !== 'number' || p.wasmInstance === undefined) return undefined;
  const opaEval = exportsOf(p as SdkPolicy)?.['opa_eval'];
  if (typeof opaEval !== 'function') return undefined;
  const policy = p as SdkPolicy;
  return (input, entrypoint) => {
    const mem = policy.mem;
    // setData moves dataAddr and dataHeapPtr: read them per call, as the SDK does
    const inputAddr = policy.dataHeapPtr;
    let inputLen = 0;
    if (input !== undefined) {
      inputLen = input.byteLength;
      const delta = inputAddr + inputLen - mem.buffer.byteLength;
      if (delta > 0) mem.grow(Math.ceil(delta / PAGE));
      new Uint8Array(mem.buffer).set(new Uint8Array(input), inputAddr);
    }
    const ret = (opaEval as OpaEval)(0, entrypoint, policy.dataAddr, input === undefined ? 0 : inputAddr, inputLen, inputAddr + inputLen, 0);
    // the result set is NUL-terminated JSON text at `ret`
    const bytes = new Uint8Array(mem.buffer);
    const end = bytes.indexOf(0, ret);
    const text = decoder.decode(bytes.subarray(ret, end < 0 ? bytes.length : end));
    // a string's raw bytes come as `\udcXX` (runtime/json.as), kept as value/go-bytes.ts escapes
    return MAY_NEED_TEXT.test(text) ? parseJson(text, { rawByteEscapes: true }) : (JSON.parse(text) as Value);
  };
}
