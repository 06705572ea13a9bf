// bench/lib/callgrind-breakdown.ts: a callgrind dump (--dump-instr=yes) and a V8 perf map become
// instructions by part of the process. The dump below is in callgrind's compressed format, as
// valgrind 3.19 writes it: name ids defined once and reused, relative positions, and the line
// after `calls=` carrying the callee's inclusive cost, which must not count as the caller's own.
import t from 'tap';
import { breakdownDump, jsModuleRow, nativeRow, parsePerfMap } from '../../bench/lib/callgrind-breakdown.js';

const MAP = [
  '7f0000001000 100 JS:*send file:///w/node_modules/ioredis/built/Redis.js:10:3',
  '7f0000002000 80 JS:*run file:///w/dist/gateway/authz/evaluate.js:1:1',
  '7f0000003000 40 JS:~old file:///w/dist/gateway/proxy/pool.js:5:5',
  // the address of `old` reused later by another code object: the later one wins
  '7f0000003000 40 JS:*processTicksAndRejections node:internal/process/task_queues:67:34',
].join('\n');

const DUMP = `version: 1
creator: callgrind-3.19.0
positions: instr line
events: Ir
summary: 1000

ob=(1) /usr/bin/node
fl=(1) ???
fn=(1) Builtins_PromiseThen
0x1000 0 100
+4 * 50

fn=(2) v8::internal::Scavenger::ScavengeObject(v8::internal::HeapObject)
0x2000 0 200
cfn=(1)
calls=3 0x1000 0
* * 150

ob=(2) ???
fl=(1)
fn=(3) 0x00007f0000001010
0x7f0000001010 0 300
+8 0 20
cob=(1)
cfn=(1)
calls=1 0x1000 0
+2 0 999
fn=(4) 0x00007f0000002000
0x7f0000002010 0 80
fn=(5) 0x00007f0000003008
0x7f0000003008 0 30
fn=(6) 0x00007f0000009000
0x7f0000009000 0 20
ob=(3) /usr/lib/x86_64-linux-gnu/libc.so.6
fn=(7) memcpy
0x5000 0 0
0x5004 0 0
`;

t.test('self cost by row; inclusive call costs left out; the rows add up to the self total', async (t) => {
  const { rows, total } = breakdownDump(DUMP, parsePerfMap(MAP));
  t.same(Object.fromEntries(rows), {
    'V8: promises, async functions, microtasks': 150,
    'V8: collector and allocation (C++)': 200,
    'JS: ioredis': 320,
    'JS: regate gateway/authz': 80,
    'JS: node:internal/process/task_queues': 30,
    'JIT code not in the perf map': 20,
  });
  t.equal(total, 800, '150 + 200 + 320 + 80 + 30 + 20: the 150 and 999 after calls= are inclusive costs');
});

t.test('module rows from perf-map names', async (t) => {
  t.equal(jsModuleRow('JS:*x file:///w/node_modules/@opentelemetry/api/build/x.js:1:2'), 'JS: @opentelemetry/api');
  t.equal(jsModuleRow('LazyCompile:~f /w/node_modules/bullmq/dist/esm/classes/queue.js:3'), 'JS: bullmq');
  t.equal(jsModuleRow('JS:*emit node:events:513:28'), 'JS: node:events');
  t.equal(jsModuleRow('JS:*listOnTimeout node:internal/timers:512:25'), 'JS: node:internal/timers');
  t.equal(jsModuleRow('JS:*stage file:///w/dist/gateway/ratelimit/stage.js:4:1'), 'JS: regate gateway/ratelimit');
  t.equal(jsModuleRow('JS:*eval file:///w/dist/policy/backend/js/compile.js:4:1'), 'JS: regate policy');
  t.equal(jsModuleRow('JS:*anonymous'), 'JS: no script (generated code, eval)');
});

t.test('native rows from object and symbol', async (t) => {
  t.equal(nativeRow('/usr/bin/node', 'Builtins_AsyncFunctionAwaitResolveClosure'), 'V8: promises, async functions, microtasks');
  t.equal(nativeRow('/usr/bin/node', 'Builtins_LdaNamedPropertyHandler'), 'V8: interpreter and baseline glue (cold JS)');
  t.equal(nativeRow('/usr/bin/node', 'Builtins_KeyedLoadIC_Megamorphic'), 'V8: builtins (property access, objects, arrays)');
  t.equal(nativeRow('/usr/bin/node', 'v8::internal::MarkCompactCollector::CollectGarbage()'), 'V8: collector and allocation (C++)');
  t.equal(nativeRow('/usr/bin/node', 'node::StreamBase::WriteString<(node::encoding)1>(v8::FunctionCallbackInfo<v8::Value> const&)'), 'Node C++ (bindings, buffers, streams)');
  t.equal(nativeRow('/usr/bin/node', 'uv__io_poll'), 'libuv');
  t.equal(nativeRow('/usr/bin/node', 'v8::Function::Call(v8::Local<v8::Context>, v8::Local<v8::Value>, int, v8::Local<v8::Value>*)'), 'V8: API crossings (addon and bindings ↔ JS)');
  t.equal(nativeRow('/usr/bin/node', 'v8::internal::String::ComputeAndSetRawHash(v8::internal::SharedStringAccessGuardIfNeeded const&)'), 'V8: runtime strings (hashing, UTF-8, search)');
  t.equal(nativeRow('/usr/bin/node', 'v8::internal::(anonymous namespace)::IterateObjectCache(v8::internal::Isolate*)'), 'V8: collector and allocation (C++)');
  t.equal(nativeRow('/w/node_modules/uWebSockets.js/uws_linux_x64_115.node', 'uWS::HttpParser::consumePostPadded'), 'uWebSockets.js (C++)');
  t.equal(nativeRow('/usr/lib/x86_64-linux-gnu/libc.so.6', '_int_malloc'), 'libc: malloc/free');
});

t.test("a recursive JIT function (callgrind's 'N suffix on its inner calls) is named from the perf map", async (t) => {
  // callgrind names a re-entered function `0x…'2`; those costs were "unknown native code" when
  // only a bare hex name counted as JIT code (the audit result's recursive `match`, 2.4 k per request)
  const dump = `version: 1
creator: callgrind-3.19.0
positions: instr line
events: Ir
summary: 100

ob=(1) ???
fl=(1) ???
fn=(1) 0x00007f0000002000
0x7f0000002010 0 60
fn=(2) 0x00007f0000002000'2
0x7f0000002020 0 40
`;
  const { rows, functions } = breakdownDump(dump, parsePerfMap(MAP));
  t.same(Object.fromEntries(rows), { 'JS: regate gateway/authz': 100 });
  t.equal(functions.get('JS:*run file:///w/dist/gateway/authz/evaluate.js:1:1')?.ir, 100);
});
