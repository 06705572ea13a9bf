// End-to-end checks of compileWasm's modules through the unmodified SDK (loadPolicy), plus
// createWasmEvaluator and buildBundle. Plans are written by hand so each test pins one
// statement or ABI behaviour.
import t from 'tap';
import { gunzipSync } from 'node:zlib';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { WasmModule } from '../../../helpers/wasm-module.js';
import type { Operand, Policy, Stmt } from '../../../../src/policy/ir/types.js';
import { compileWasm, createWasmEvaluator, buildBundle } from '../../../../src/policy/backend/wasm/index.js';
import { createRegistry } from '../../../../src/policy/builtins/registry.js';
import { RSet, RObject, type Value } from '../../../../src/policy/value/index.js';

const pos = { file: 0, row: 1, col: 1 };
const L = (value: number): Operand => ({ type: 'local', value });
const S = (value: number): Operand => ({ type: 'string_index', value });
const st = <T extends Stmt['type']>(type: T, stmt: Record<string, unknown>): Stmt => ({ type, stmt: { ...stmt, ...pos } }) as Stmt;

/** A policy with one plan "p" whose body is `stmts`, returning local `resultLocal` as {"result": …}. */
function plan(strings: string[], stmts: Stmt[], resultLocal: number, extra: Partial<Policy> = {}): Policy {
  const all = [...strings, 'result'];
  const ri = all.length - 1;
  return {
    static: { strings: all.map((value) => ({ value })), builtin_funcs: extra.static?.builtin_funcs ?? [] },
    plans: {
      plans: [
        {
          name: 'p',
          blocks: [
            {
              stmts: [
                ...stmts,
                st('MakeObjectStmt', { target: 90 }),
                st('ObjectInsertStmt', { key: S(ri), value: L(resultLocal), object: 90 }),
                st('ResultSetAddStmt', { value: 90 }),
              ],
            },
          ],
        },
      ],
    },
    funcs: extra.funcs ?? { funcs: [] },
  };
}

async function sdk(p: Policy, data?: unknown): Promise<Awaited<ReturnType<typeof loadPolicy>>> {
  const wasm = await compileWasm(p, { validate: true });
  const loaded = await loadPolicy(wasm);
  if (data !== undefined) loaded.setData(data as object);
  return loaded;
}

t.test('module exports the ABI the SDK expects', async (t) => {
  const wasm = await compileWasm(plan([], [st('MakeNullStmt', { target: 2 })], 2), { validate: true });
  const mod = new WasmModule(wasm);
  const exports = new Set(WasmModule.exports(mod).map((e) => e.name));
  for (const name of ['opa_wasm_abi_version', 'opa_wasm_abi_minor_version', 'builtins', 'entrypoints', 'opa_malloc', 'opa_free', 'opa_json_parse', 'opa_value_parse', 'opa_json_dump', 'opa_value_dump', 'opa_heap_ptr_get', 'opa_heap_ptr_set', 'opa_eval_ctx_new', 'opa_eval_ctx_set_input', 'opa_eval_ctx_set_data', 'opa_eval_ctx_set_entrypoint', 'opa_eval_ctx_get_result', 'eval', 'opa_eval', 'opa_value_add_path', 'opa_value_remove_path']) {
    t.ok(exports.has(name), name);
  }
  t.notOk([...exports].some((e) => e.startsWith('rt_')), 'runtime helpers are not exported');
  const imports = WasmModule.imports(mod).map((i) => `${i.module}.${i.name}`).sort();
  t.same(imports, ['env.memory', 'env.opa_abort', 'env.opa_builtin0', 'env.opa_builtin1', 'env.opa_builtin2', 'env.opa_builtin3', 'env.opa_builtin4', 'env.opa_println'].sort());
  const loaded = await loadPolicy(wasm);
  t.equal(loaded.minorVersion, 2);
  t.same(loaded.entrypoints, { p: 0 });
  t.same(loaded.evaluate(undefined, 'p'), [{ result: null }]);
});

t.test('input and data: dot, equality, repeated evaluations reuse the heap', async (t) => {
  // x := input.user; data.admins[x] == true
  const p = plan(
    ['user', 'admins'],
    [
      st('DotStmt', { source: L(0), key: S(0), target: 2 }),
      st('DotStmt', { source: L(1), key: S(1), target: 3 }),
      st('DotStmt', { source: L(3), key: L(2), target: 4 }),
      st('EqualStmt', { a: L(4), b: { type: 'bool', value: true } }),
    ],
    2,
  );
  const loaded = await sdk(p, { admins: { alice: true, bob: false } });
  t.same(loaded.evaluate({ user: 'alice' }, 'p'), [{ result: 'alice' }]);
  t.same(loaded.evaluate({ user: 'bob' }, 'p'), [], 'false is undefined');
  t.same(loaded.evaluate({ user: 'carol' }, 'p'), []);
  const heap = (loaded as unknown as { dataHeapPtr: number }).dataHeapPtr;
  for (let i = 0; i < 200; i++) loaded.evaluate({ user: 'alice', pad: 'x'.repeat(1000) }, 'p');
  t.equal((loaded as unknown as { dataHeapPtr: number }).dataHeapPtr, heap, 'the data heap pointer does not move between evaluations');
  t.same(loaded.evaluate({ user: 'alice' }, 'p'), [{ result: 'alice' }]);
  loaded.setData({ admins: { bob: true } });
  t.same(loaded.evaluate({ user: 'bob' }, 'p'), [{ result: 'bob' }], 'setData replaces data');
});

t.test('scan, set/array/object construction and Rego ordering', async (t) => {
  // s := {v | v := input.xs[_]}; o := {k: v | input.o[k] = v}; arr := [count-ish]
  const p = plan(
    ['xs', 'o'],
    [
      st('MakeSetStmt', { target: 2 }),
      st('DotStmt', { source: L(0), key: S(0), target: 3 }),
      st('ScanStmt', { source: 3, key: 4, value: 5, block: { stmts: [st('SetAddStmt', { value: L(5), set: 2 })] } }),
      st('MakeObjectStmt', { target: 6 }),
      st('DotStmt', { source: L(0), key: S(1), target: 7 }),
      st('ScanStmt', { source: 7, key: 8, value: 9, block: { stmts: [st('ObjectInsertStmt', { key: L(9), value: L(8), object: 6 })] } }),
      st('MakeArrayStmt', { capacity: 2, target: 10 }),
      st('ArrayAppendStmt', { array: 10, value: L(2) }),
      st('ArrayAppendStmt', { array: 10, value: L(6) }),
    ],
    10,
  );
  const loaded = await sdk(p);
  const out = loaded.evaluate({ xs: ['b', 3, 'a', 1.5, null, 3, [1], { z: 1 }, false], o: { k1: 1, k2: 'x', k3: 1 } }, 'p');
  // Set elements in Rego order: null < false < numbers < strings < arrays < objects.
  t.same(out, [{ result: [[null, false, 1.5, 3, 'a', 'b', [1], { z: 1 }], { '1': 'k3', x: 'k2' }] }]);
});

t.test('big integers and floats keep their exact text', async (t) => {
  const p = plan(['n'], [st('DotStmt', { source: L(0), key: S(0), target: 2 })], 2);
  const loaded = await sdk(p);
  const wasm = await compileWasm(p);
  const ev = await createWasmEvaluator(wasm, {});
  t.equal((ev.evaluate('p', { n: 12345678901234567890n })[0] as { result: unknown }).result, 12345678901234567890n, 'the module kept the digits, and regate reads them (result-reader.ts)');
  t.same(loaded.evaluate(new TextEncoder().encode('{"n": 12345678901234567890}').buffer, 'p'), [{ result: 12345678901234567000 }], "the SDK's own evaluate() rounds in JSON.parse");
  t.same(loaded.evaluate({ n: 0.1 }, 'p'), [{ result: 0.1 }]);
});

t.test('not, with, break, conflicts', async (t) => {
  // not input.deny; with input.role as "admin" { r := input.role }; conflict via AssignVarOnce
  const p = plan(
    ['deny', 'role', 'admin'],
    [
      st('NotStmt', { block: { stmts: [st('DotStmt', { source: L(0), key: S(0), target: 2 }), st('EqualStmt', { a: L(2), b: { type: 'bool', value: true } })] } }),
      st('WithStmt', { local: 0, path: [1], value: S(2), block: { stmts: [st('DotStmt', { source: L(0), key: S(1), target: 3 })] } }),
      st('DotStmt', { source: L(0), key: S(1), target: 4 }),
      st('BlockStmt', { blocks: [{ stmts: [st('BreakStmt', { index: 0 }), st('MakeNullStmt', { target: 3 })] }] }),
    ],
    3,
  );
  const loaded = await sdk(p);
  t.same(loaded.evaluate({ role: 'user' }, 'p'), [{ result: 'admin' }], 'with replaced input.role inside its block only');
  t.same(loaded.evaluate({ role: 'user', deny: true }, 'p'), [], 'not fails when the negated block holds');
  t.same(loaded.evaluate({}, 'p'), [], 'input.role undefined after the with block');

  const conflict = plan(
    ['a', 'b'],
    [st('AssignVarOnceStmt', { source: S(0), target: 2 }), st('AssignVarOnceStmt', { source: S(1), target: 2 })],
    2,
  );
  const ev = await createWasmEvaluator(conflict, {});
  try {
    ev.evaluate('p', {});
    t.fail('expected a conflict');
  } catch (e) {
    t.match(e, { code: 'REGO_ERR_CONFLICT', opaCode: 'eval_conflict_error' });
  }
});

t.test('functions, native builtins and host builtins with sets and composite keys', async (t) => {
  const seen: Value[][] = [];
  const registry = createRegistry([
    {
      name: 'test.echo',
      arity: 2,
      impl: (args) => {
        seen.push([...args]);
        const o = new RObject();
        o.set(1, RSet.of(['x']));
        return [args[0] as Value, o];
      },
    },
    { name: 'plus', arity: 2, impl: ([a, b]) => (a as number) + (b as number) },
  ]);
  const p: Policy = plan(
    ['n'],
    [
      st('DotStmt', { source: L(0), key: S(0), target: 2 }),
      st('CallStmt', { func: 'f', args: [L(0), L(1), L(2)], result: 3 }),
      st('MakeSetStmt', { target: 4 }),
      st('SetAddStmt', { value: L(3), set: 4 }),
      st('CallStmt', { func: 'test.echo', args: [L(4), L(3)], result: 5 }),
    ],
    5,
    {
      static: { builtin_funcs: [{ name: 'plus', decl: {} }, { name: 'test.echo', decl: {} }] },
      funcs: {
        funcs: [
          {
            name: 'f',
            params: [0, 1, 2],
            return: 3,
            blocks: [{ stmts: [st('CallStmt', { func: 'plus', args: [L(2), L(2)], result: 3 }), st('ReturnLocalStmt', { source: 3 })] }],
          },
        ],
      },
    },
  );
  const ev = await createWasmEvaluator(p, { builtins: registry });
  t.same(ev.evaluate('p', { n: 2 }), [{ result: [[4], { '1': ['x'] }] }], 'native plus for ints');
  t.ok(seen[0]?.[0] instanceof RSet, 'the host builtin received a set, not an array');
  t.same(ev.evaluate('p', { n: 0.5 }), [{ result: [[1], { '1': ['x'] }] }], 'float arithmetic is delegated to the host');
});

t.test('buildBundle writes OPA bundle layout', async (t) => {
  const wasm = await compileWasm(plan([], [st('MakeNullStmt', { target: 2 })], 2));
  const tgz = buildBundle({ wasm, entrypoints: ['p'], data: { a: 1 } });
  const tar = gunzipSync(tgz);
  const files = new Map<string, Buffer>();
  for (let off = 0; off + 512 <= tar.length; ) {
    const name = tar.subarray(off, off + 100).toString('utf8').replace(/\0.*$/s, '');
    if (!name) break;
    const size = parseInt(tar.subarray(off + 124, off + 136).toString('utf8'), 8);
    files.set(name, tar.subarray(off + 512, off + 512 + size));
    off += 512 + Math.ceil(size / 512) * 512;
  }
  t.same([...files.keys()].sort(), ['/.manifest', '/data.json', '/policy.wasm']);
  t.same(JSON.parse(files.get('/.manifest')!.toString()).wasm, [{ entrypoint: 'p', module: '/policy.wasm' }]);
  t.same(JSON.parse(files.get('/data.json')!.toString()), { a: 1 });
  t.same(new Uint8Array(files.get('/policy.wasm')!), wasm);
});

t.test('ABI 1.1 path (eval ctx), value dump, add/remove path', async (t) => {
  const p = plan(['k'], [st('DotStmt', { source: L(0), key: S(0), target: 2 }), st('MakeSetStmt', { target: 3 }), st('SetAddStmt', { value: L(2), set: 3 })], 3);
  const loaded = await sdk(p);
  const x = (loaded as unknown as { wasmInstance: { exports: Record<string, (...a: number[]) => number> } }).wasmInstance.exports;
  const mem = (loaded as unknown as { mem: { buffer: ArrayBuffer } }).mem;
  const write = (s: string): [number, number] => {
    const b = new TextEncoder().encode(s);
    const at = x.opa_malloc!(b.length);
    new Uint8Array(mem.buffer).set(b, at);
    return [at, b.length];
  };
  const read = (addr: number): string => {
    const u = new Uint8Array(mem.buffer);
    let e = addr;
    while (u[e] !== 0) e++;
    return new TextDecoder().decode(u.subarray(addr, e));
  };
  const input = x.opa_json_parse!(...write('{"k": "v"}'));
  const ctx = x.opa_eval_ctx_new!();
  x.opa_eval_ctx_set_input!(ctx, input);
  x.opa_eval_ctx_set_data!(ctx, x.opa_json_parse!(...write('{}')));
  x.opa_eval_ctx_set_entrypoint!(ctx, 0);
  x.eval!(ctx);
  const result = x.opa_eval_ctx_get_result!(ctx);
  t.equal(read(x.opa_json_dump!(result)), '[{"result":["v"]}]');
  t.equal(read(x.opa_value_dump!(result)), '[{"result": {"v"}}]', 'value dump keeps the set');
  t.equal(read(x.opa_value_dump!(x.opa_json_parse!(...write('{"s": []}')))), '{"s": []}');

  const base = x.opa_json_parse!(...write('{"a": {"b": 1}}'));
  t.equal(x.opa_value_add_path!(base, x.opa_json_parse!(...write('["a", "c", "d"]')), x.opa_json_parse!(...write('true'))), 0);
  t.equal(read(x.opa_json_dump!(base)), '{"a":{"b":1,"c":{"d":true}}}');
  t.equal(x.opa_value_remove_path!(base, x.opa_json_parse!(...write('["a", "b"]'))), 0);
  t.equal(read(x.opa_json_dump!(base)), '{"a":{"c":{"d":true}}}');
  t.equal(x.opa_json_parse!(...write('{"a": ')), 0, 'malformed JSON parses to 0');
});

t.test('large unsorted objects and sets from JSON are ordered and deduplicated', async (t) => {
  // r := input.big[input.k]
  const p = plan(['big', 'k'], [st('DotStmt', { source: L(0), key: S(0), target: 2 }), st('DotStmt', { source: L(0), key: S(1), target: 3 }), st('DotStmt', { source: L(2), key: L(3), target: 4 })], 4);
  const loaded = await sdk(p);
  const keys = Array.from({ length: 3000 }, (_, i) => `key${(i * 7919) % 3000}`);
  const text = '{"k":"key1234","big":{' + keys.map((k, i) => `"${k}":${i}`).join(',') + ',"key1234":"last"}}';
  const buf = new TextEncoder().encode(text);
  t.same(loaded.evaluate(buf.buffer.slice(0) as ArrayBuffer, 'p'), [{ result: 'last' }], 'duplicate key: the last value wins');
  const q = plan(['big'], [st('DotStmt', { source: L(0), key: S(0), target: 2 })], 2);
  const l2 = await sdk(q);
  const out = l2.evaluate({ big: Object.fromEntries(keys.map((k, i) => [k, i])) }, 'p') as { result: Record<string, number> }[];
  const got = Object.keys(out[0]!.result);
  t.equal(got.length, 3000);
  t.same(got, [...got].sort(), 'keys come out in sorted order');
});

t.test('build-time refusals carry stable codes', async (t) => {
  const unknown = plan([], [st('CallStmt', { func: 'no.such.builtin', args: [], result: 2 })], 2);
  await t.rejects(createWasmEvaluator(unknown, { builtins: createRegistry([]) }), { code: 'REGO_ERR_UNKNOWN_BUILTIN' });
  t.ok((await compileWasm(unknown)).length > 0, 'without a registry the builtin is left to the host');
  // Beyond float64 is a value (kept as text); only OPA's parser limit on exponents is refused.
  t.ok((await compileWasm(plan(['1e400'], [st('MakeNumberRefStmt', { Index: 0, target: 2 })], 2))).length > 0);
  const huge = plan(['1e40000'], [st('MakeNumberRefStmt', { Index: 0, target: 2 })], 2);
  await t.rejects(compileWasm(huge), { code: 'REGO_ERR_NUMBER_RANGE' });
  await t.rejects(compileWasm(unknown, { entrypoints: ['nope'] }), { code: 'REGO_ERR_WASM_ENTRYPOINT' });
});
