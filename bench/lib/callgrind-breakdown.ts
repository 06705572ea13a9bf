/**
 * Where a callgrind dump's instructions went, by part of the process: regate's own modules (one
 * row per gateway folder), each npm package (ioredis, bullmq, …), Node's JS internals (timers,
 * streams, the microtask queue), V8's builtins by kind (promises and async functions apart), the
 * interpreter, the collector and allocator, V8's compiler, Node's C++, libuv, uWebSockets.js and
 * the C libraries. bench/instructions.ts `--breakdown` uses it to account for the instructions
 * between passthrough and the full pipeline.
 *
 * Each instruction's *self* cost is assigned to one row, so the rows add up to the dump's total.
 * Native code is named from the binaries' symbols (callgrind's `ob=`/`fn=`). JIT-compiled JS has
 * no symbols: V8 writes each code object's address, size and function (with its script) to
 * /tmp/perf-<pid>.map under `--perf-basic-prof`, and instructions inside one are charged to that
 * script's module. What JS calls (a builtin, the runtime, the collector) stays in those rows: a
 * self-cost table shows what kind of work the instructions were, not which caller asked for it;
 * JS that still runs in the interpreter shows up as "V8 interpreter", not as its module.
 */
import { readFileSync } from 'node:fs';

/** One JIT code object from a perf map. */
interface CodeRange {
  start: number;
  end: number;
  name: string;
}

/**
 * The code objects of `/tmp/perf-<pid>.map` text ("<hex start> <hex size> <name>" per line),
 * sorted by start; where V8 reused an address, the later entry wins (the map is append-only and
 * the measured code is the code after the warm-up).
 * @example
 * const ranges = parsePerfMap(readFileSync(`/tmp/perf-${pid}.map`, 'utf8'));
 */
export function parsePerfMap(text: string): CodeRange[] {
  const byStart = new Map<number, CodeRange>();
  for (const line of text.split('\n')) {
    const m = /^([0-9a-fA-F]+) ([0-9a-fA-F]+) (.*)$/.exec(line);
    if (!m) continue;
    const start = parseInt(m[1] as string, 16);
    byStart.set(start, { start, end: start + parseInt(m[2] as string, 16), name: m[3] as string });
  }
  return [...byStart.values()].sort((a, b) => a.start - b.start);
}

function findRange(ranges: CodeRange[], addr: number): CodeRange | null {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = ranges[mid] as CodeRange;
    if (addr < r.start) hi = mid - 1;
    else if (addr >= r.end) lo = mid + 1;
    else return r;
  }
  return null;
}

/**
 * The row of a JS function from its perf-map name ("JS:*handle file:///…/dist/gateway/server/x.js:3:9",
 * older V8 "LazyCompile:~f /…/x.js:3"), by the module its script belongs to.
 * @example
 * jsModuleRow('JS:*send file:///w/node_modules/ioredis/built/Redis.js:1:2'); // 'JS: ioredis'
 */
export function jsModuleRow(name: string): string {
  if (/^(Builtin|BytecodeHandler|Stub|Handler|RegExp|Function|Script|Eval)?:?\s*RegExp/i.test(name) || name.startsWith('RegExp:')) return 'V8: regular expressions (compiled)';
  if (/^(Builtin|BytecodeHandler|Stub|Handler):/.test(name)) return 'V8: builtins (other)';
  const script = /\s(\S+?)(?::\d+){0,2}$/.exec(name)?.[1] ?? '';
  if (script.startsWith('node:')) {
    const parts = script.slice(5).split('/');
    return `JS: node:${parts[0] === 'internal' ? parts.slice(0, Math.min(parts.length, 3)).join('/').replace(/\.js$/, '') : parts[0]}`;
  }
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(script);
  if (nm) return `JS: ${nm[1]}`;
  const own = /\/dist\/(?:src\/)?(gateway\/[^/]+|policy|cli|devtools|consumer|[^/]+\.js)/.exec(script);
  if (own) return `JS: regate ${(own[1] as string).replace(/\.js$/, '')}`;
  return script === '' ? 'JS: no script (generated code, eval)' : 'JS: other scripts';
}

/**
 * The row of a native function (callgrind's object and demangled function name).
 * @example
 * nativeRow('/usr/bin/node', 'Builtins_PromiseThen'); // 'V8: promises, async functions, microtasks'
 */
export function nativeRow(ob: string, fn: string): string {
  if (/uws_|uWebSockets/i.test(ob)) return 'uWebSockets.js (C++)';
  if (/libcrypto|libssl/.test(ob)) return 'OpenSSL';
  if (/\/libc[.-]|libc\.so|libm[.-]|libstdc\+\+|libgcc/.test(ob)) return /malloc|free|calloc|realloc|_int_|tcache/.test(fn) ? 'libc: malloc/free' : 'libc and libstdc++ (memcpy, syscall wrappers, …)';
  if (/ld-linux|vgpreload|valgrind/.test(ob)) return 'loader / valgrind preload';
  if (fn.startsWith('Builtins_')) {
    const b = fn.slice(9);
    if (/Promise|Async|Await|Microtask|Generator/.test(b)) return 'V8: promises, async functions, microtasks';
    if (/Handler$|Handler_|InterpreterEntry|InterpreterEnter|InterpreterPush|BaselineOutOfLine|Baseline/.test(b)) return 'V8: interpreter and baseline glue (cold JS)';
    if (/^(JSEntry|JSConstructEntry|JSRunMicrotasksEntry|CEntry|CallApiCallback|CallApiGetter|CallFunction|Call_|CallVarargs|CallWithSpread|Construct|ArgumentsAdaptor|Call$|CallProxy|CallBound)/.test(b)) return 'V8: calls between JS and C++';
    if (/String|RegExp|StringAdd|Utf8|TypedArray|ArrayBuffer|DataView/.test(b)) return 'V8: builtins (strings, regexps, typed arrays)';
    if (/IC|Load|Store|Keyed|Property|Object|Array|Map|Set|Clone|Create|Allocate|Fast|Has|Delete|Lookup/.test(b)) return 'V8: builtins (property access, objects, arrays)';
    return 'V8: builtins (other)';
  }
  if (
    /^v8::internal::(Heap|Scaveng|.*Marking|MarkCompact|Sweep|.*Evacuat|MemoryAllocator|MemoryChunk|Page|.*RememberedSet|SlotSet|.*GC|LocalHeap|Factory::New|.*Allocat|ArrayBufferSweeper|ConcurrentMarking|GlobalHandles|.*Weak)/.test(fn) ||
    /Scavenge|GarbageCollect|IterateObjectCache|RootVisitor|ObjectVisitor|Evacuat/.test(fn)
  ) {
    return 'V8: collector and allocation (C++)';
  }
  // a native addon (uWS) or Node's C++ calling into JS and back: handles, contexts, Function::Call
  if (/^v8::(?!internal::)|^v8::internal::(\(anonymous namespace\)::Invoke|FunctionCallbackArguments|Builtin_HandleApiCall|.*HandleApiCallHelper|SaveContext|HandleScope)/.test(fn)) return 'V8: API crossings (addon and bindings ↔ JS)';
  if (/^v8::internal::.*(String|Utf8|StringTable|StringSearch)/.test(fn)) return 'V8: runtime strings (hashing, UTF-8, search)';
  if (/^v8::internal::(compiler|maglev|baseline|Compiler|OptimizingCompile|Turbo|wasm)|^v8::internal::.*Compil/.test(fn)) return 'V8: compilers on the main thread';
  if (/^v8::|^Builtins_|^v8_|^cppgc::/.test(fn)) return 'V8: runtime (C++)';
  if (/^node::crypto|^node::.*Hash|EVP_|SHA/.test(fn)) return 'Node C++: crypto';
  if (/^node::/.test(fn)) return 'Node C++ (bindings, buffers, streams)';
  if (/^uv_|^uv__/.test(fn)) return 'libuv';
  if (ob.endsWith('/node') || ob.endsWith('/nodejs')) return 'Node binary (other native code)';
  return ob === '???' || ob === '' ? 'unknown native code' : `native: ${ob.split('/').pop()}`;
}

/**
 * Instructions by row from a callgrind dump (`--dump-instr=yes`; events Ir first) and the
 * process's perf map (empty: JIT code goes to one row). Returns the total too, to check that the
 * rows add up to the dump's summary.
 * @example
 * const { rows, total } = breakdownDump(readFileSync(dump, 'utf8'), parsePerfMap(readFileSync(map, 'utf8')));
 */
export function breakdownDump(text: string, ranges: CodeRange[]): { rows: Map<string, number>; total: number; functions: Map<string, { row: string; ir: number }> } {
  const rows = new Map<string, number>();
  // the same instructions by function (native symbol or JS function from the perf map), to see inside a row
  const functions = new Map<string, { row: string; ir: number }>();
  const names = new Map<string, string>(); // "(kind)(id)" → name, per name kind (ob/fn share ids with cob/cfn)
  const nameOf = (kind: string, spec: string): string => {
    const m = /^\((\d+)\)(?:\s(.*))?$/.exec(spec);
    if (!m) return spec;
    const key = `${kind}${m[1]}`;
    if (m[2] !== undefined) names.set(key, m[2]);
    return names.get(key) ?? spec;
  };
  let positions = 2; // "instr line"
  let ob = '';
  let fn = '';
  let fnRow: string | null = null; // the row of a native function, cached per fn= line
  let addr = 0;
  let skipNext = false; // the line after calls= is the call's inclusive cost
  let total = 0;
  const jitCache = new Map<number, [row: string, name: string]>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const c = line.charCodeAt(0);
    // cost lines start with a position: 0x…, a digit, +, - or *
    if (c === 48 /* 0 */ || (c >= 49 && c <= 57) || c === 43 || c === 45 || c === 42) {
      const f = line.split(' ');
      const a = f[0] as string;
      let at: number;
      if (a.startsWith('0x')) at = parseInt(a, 16);
      else if (a.startsWith('+')) at = addr + Number(a.slice(1));
      else if (a.startsWith('-')) at = addr - Number(a.slice(1));
      else if (a === '*') at = addr;
      else at = Number(a);
      addr = at;
      if (skipNext) {
        skipNext = false;
        continue;
      }
      const ir = Number(f[positions] ?? 0);
      if (!ir) continue;
      total += ir;
      let row = fnRow;
      let fname = fn;
      if (row === null) {
        let hit = jitCache.get(at);
        if (hit === undefined) {
          const r = findRange(ranges, at);
          hit = r ? [jsModuleRow(r.name), r.name] : ['JIT code not in the perf map', '(unnamed JIT code)'];
          jitCache.set(at, hit);
        }
        [row, fname] = hit;
      }
      rows.set(row, (rows.get(row) ?? 0) + ir);
      const fe = functions.get(fname);
      if (fe) fe.ir += ir;
      else functions.set(fname, { row, ir });
      continue;
    }
    const eq = line.indexOf('=');
    const colon = line.indexOf(':');
    if (eq > 0 && (colon < 0 || eq < colon)) {
      const key = line.slice(0, eq);
      const value = line.slice(eq + 1);
      if (key === 'ob') ob = nameOf('ob', value);
      else if (key === 'fn') {
        fn = nameOf('fn', value);
        // JIT code: no object (or ???) and a hex name — with callgrind's `'2` suffix when the
        // function is re-entered (a recursive JS function: without the suffix in the test, its
        // inner calls were "unknown native code"); everything else is named by its symbols
        fnRow = (ob === '???' || ob === '') && /^0x[0-9a-f]+(?:'\d+)?$/i.test(fn) ? null : nativeRow(ob, fn);
      } else if (key === 'cob') nameOf('ob', value);
      else if (key === 'cfn' || key === 'cfi' || key === 'cfl') nameOf(key === 'cfn' ? 'fn' : 'fl', value);
      else if (key === 'fl' || key === 'fi' || key === 'fe') nameOf('fl', value);
      else if (key === 'calls') skipNext = true;
      continue;
    }
    if (line.startsWith('positions:')) positions = line.slice(10).trim().split(/\s+/).length;
  }
  return { rows, total, functions };
}
