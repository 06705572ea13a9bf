import t from 'tap';
import { createJsEvaluator } from '../../../../src/policy/backend/js/index.js';
import { createRegistry, type BuiltinDef } from '../../../../src/policy/builtins/registry.js';
import { BuiltinError, BuiltinTypeError, RegoError } from '../../../../src/policy/errors.js';
import { RNumber, RObject, RSet, stringifyJson, type Value } from '../../../../src/policy/value/index.js';
import { B, IR, L, emit, st } from './ir-builder.js';

const noBuiltins = createRegistry([]);

function run(ir: IR, input?: Value, data?: Value, plan = 'eval'): Value[] {
  return createJsEvaluator(ir.build(), { builtins: noBuiltins, ...(data !== undefined ? { data } : {}) }).evaluate(plan, input);
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof RegoError ? e.code : `not a RegoError: ${String(e)}`;
  }
  return undefined;
}

t.test('an undefined statement ends only its own block; BreakStmt leaves index enclosing blocks', async (t) => {
  const ir = new IR();
  // l2 collects markers; break 1 from the inner block skips the rest of the outer block.
  ir.plan(
    'eval',
    [
      st('MakeArrayStmt', { capacity: 0, target: 2 }),
      st('BlockStmt', {
        blocks: [
          {
            stmts: [
              st('BlockStmt', { blocks: [{ stmts: [st('ArrayAppendStmt', { array: 2, value: ir.s('a') }), st('BreakStmt', { index: 1 })] }] }),
              st('ArrayAppendStmt', { array: 2, value: ir.s('skipped-by-break-1') }),
            ],
          },
          { stmts: [st('ArrayAppendStmt', { array: 2, value: ir.s('b') }), st('BreakStmt', { index: 0 }), st('ArrayAppendStmt', { array: 2, value: ir.s('skipped-by-break-0') })] },
          { stmts: [st('DotStmt', { source: L(0), key: ir.s('missing'), target: 3 }), st('ArrayAppendStmt', { array: 2, value: ir.s('skipped-undefined') })] },
          { stmts: [st('EqualStmt', { a: ir.s('x'), b: ir.s('y') }), st('ArrayAppendStmt', { array: 2, value: ir.s('skipped-false') })] },
          { stmts: [st('ArrayAppendStmt', { array: 2, value: ir.s('c') })] },
        ],
      }),
      ...emit(ir, 2),
    ],
    // A second top-level block still runs after the first one's statements failed.
    [st('DotStmt', { source: L(0), key: ir.s('missing'), target: 4 }), ...emit(ir, 4, 'never')],
    [st('MakeNullStmt', { target: 5 }), ...emit(ir, 5, 'last')],
  );
  t.same(run(ir, {}), [{ x: ['a', 'b', 'c'] }, { last: null }]);
});

t.test('AssignVarOnceStmt conflicts raise eval_conflict_error; equal values do not', async (t) => {
  const mk = (a: string, b: string, params: number[]): IR => {
    const ir = new IR();
    const args = params.map((p, i) => (i < 2 ? L(p) : ir.s('arg')));
    ir.func('g0.data.p', params, 2, [[st('AssignVarOnceStmt', { source: ir.s(a), target: 2 })], [st('AssignVarOnceStmt', { source: ir.s(b), target: 2 })], [st('ReturnLocalStmt', { source: 2 })]]);
    ir.plan('eval', [st('CallStmt', { func: 'g0.data.p', args, result: 3 }), ...emit(ir, 3)]);
    return ir;
  };
  t.same(run(mk('v', 'v', [0, 1])), [{ x: 'v' }]);
  try {
    run(mk('v', 'w', [0, 1]));
    t.fail('no conflict');
  } catch (e) {
    t.equal((e as RegoError).code, 'REGO_ERR_CONFLICT');
    t.equal((e as RegoError).opaCode, 'eval_conflict_error');
    t.match((e as RegoError).message, /complete rules/);
    t.equal((e as RegoError).location?.file, 'test.rego');
  }
  try {
    run(mk('v', 'w', [0, 1, 4]));
    t.fail('no conflict');
  } catch (e) {
    t.match((e as RegoError).message, /functions must not produce multiple outputs/);
  }
});

t.test('ObjectInsertOnceStmt: same value is fine, a different one conflicts', async (t) => {
  const mk = (v2: string): IR => {
    const ir = new IR();
    ir.plan('eval', [
      st('MakeObjectStmt', { target: 2 }),
      st('ObjectInsertOnceStmt', { key: ir.s('k'), value: ir.s('v'), object: 2 }),
      st('ObjectInsertOnceStmt', { key: ir.s('k'), value: ir.s(v2), object: 2 }),
      ...emit(ir, 2),
    ]);
    return ir;
  };
  t.same(run(mk('v')), [{ x: { k: 'v' } }]);
  t.equal(codeOf(() => run(mk('w'))), 'REGO_ERR_CONFLICT');
});

t.test('ScanStmt visits arrays by index, objects by sorted key, sets in Rego order', async (t) => {
  const ir = new IR();
  // collect [key, value] pairs of input.c into l2
  ir.plan('eval', [
    st('MakeArrayStmt', { capacity: 0, target: 2 }),
    st('DotStmt', { source: L(0), key: ir.s('c'), target: 3 }),
    st('ScanStmt', {
      source: 3,
      key: 4,
      value: 5,
      block: {
        stmts: [
          st('MakeArrayStmt', { capacity: 2, target: 6 }),
          st('ArrayAppendStmt', { array: 6, value: L(4) }),
          st('ArrayAppendStmt', { array: 6, value: L(5) }),
          st('ArrayAppendStmt', { array: 2, value: L(6) }),
        ],
      },
    }),
    ...emit(ir, 2),
  ]);
  const ev = createJsEvaluator(ir.build(), { builtins: noBuiltins });
  t.same(ev.evaluate('eval', { c: ['x', 'y'] }), [{ x: [[0, 'x'], [1, 'y']] }]);
  t.same(ev.evaluate('eval', { c: { b: 2, a: 1, '\u{1F600}': 3, '\uFFFD': 4 } }), [{ x: [['a', 1], ['b', 2], ['\uFFFD', 4], ['\u{1F600}', 3]] }]);
  t.same(ev.evaluate('eval', { c: RSet.of(['b', 1, null, 'a', [1]]) }), [{ x: [[null, null], [1, 1], ['a', 'a'], ['b', 'b'], [[1], [1]]] }]);
  t.same(ev.evaluate('eval', { c: 'scalar' }), [{ x: [] }]);
  // break 0 inside the body continues with the next element
  const ir2 = new IR();
  ir2.plan('eval', [
    st('MakeArrayStmt', { capacity: 0, target: 2 }),
    st('ScanStmt', {
      source: 0,
      key: 4,
      value: 5,
      block: { stmts: [st('EqualStmt', { a: L(5), b: ir2.s('skip') }), st('ArrayAppendStmt', { array: 2, value: L(5) })] },
    }),
    ...emit(ir2, 2),
  ]);
  // the EqualStmt keeps only "skip"s, everything else continues the loop
  t.same(run(ir2, ['a', 'skip', 'b', 'skip']), [{ x: ['skip', 'skip'] }]);
});

t.test('DotStmt on arrays (integers; not 1.0 written as a float), composite keys, sets, scalars', async (t) => {
  const ir = new IR();
  ir.plan('eval', [st('DotStmt', { source: L(0), key: L(1), target: 2 }), ...emit(ir, 2)]);
  const p = ir.build();
  const dot = (src: Value, key: Value): Value[] => createJsEvaluator(p, { builtins: noBuiltins, data: key }).evaluate('eval', src);
  t.same(dot(['a', 'b'], 1), [{ x: 'b' }]);
  t.same(dot(['a', 'b'], 1.0), [{ x: 'b' }]);
  t.same(dot(['a', 'b'], 1.5), []);
  // OPA's Array.Get parses the index's text as an integer: a float literal selects nothing
  t.same(dot(['a', 'b'], new RNumber('1.0')), []);
  t.same(dot(['a', 'b'], new RNumber('1e0')), []);
  t.same(dot(['a', 'b'], new RNumber('1')), [{ x: 'b' }], 'integer text (a computed RNumber) indexes');
  t.same(dot(['a', 'b'], -1), []);
  t.same(dot(['a', 'b'], '1'), []);
  t.same(dot({ a: 1 }, 'a'), [{ x: 1 }]);
  t.same(dot({ a: 1 }, 'toString'), [], 'no prototype lookups');
  t.same(dot(new RObject().set(1, 'one').set([1, 2], 'pair'), [1, 2]), [{ x: 'pair' }]);
  t.same(dot(new RObject().set(1, 'one'), 1.0), [{ x: 'one' }]);
  t.same(dot(RSet.of(['m', 2]), 2), [{ x: 2 }]);
  t.same(dot(RSet.of(['m', 2]), 3), []);
  t.same(dot('str', 0), []);
  t.same(dot(null, 'a'), []);
});

t.test('MakeNumberRefStmt parses number text exactly (bigint beyond 2^53, the text of 1e3 kept)', async (t) => {
  const ir = new IR();
  const nums = ['1', '1.5', '-7', '12345678901234567890', '9007199254740993', '1e3', '0.1'];
  ir.plan('eval', [
    st('MakeArrayStmt', { capacity: 0, target: 2 }),
    ...nums.flatMap((n, i) => [st('MakeNumberRefStmt', { Index: ir.idx(n), target: 10 + i }), st('ArrayAppendStmt', { array: 2, value: L(10 + i) })]),
    st('MakeNumberIntStmt', { value: 42, target: 3 }),
    st('ArrayAppendStmt', { array: 2, value: L(3) }),
    ...emit(ir, 2),
  ]);
  t.same(run(ir), [{ x: [1, 1.5, -7, 12345678901234567890n, 9007199254740993n, new RNumber('1e3'), 0.1, 42] }]);
  t.equal(stringifyJson(run(ir)[0] as Value), '{"x":[1,1.5,-7,12345678901234567890,9007199254740993,1e3,0.1,42]}', 'as OPA prints it');
  // big numbers compare exactly: 9007199254740993 != 9007199254740992
  const ir2 = new IR();
  ir2.plan('eval', [
    st('MakeNumberRefStmt', { Index: ir2.idx('9007199254740993'), target: 2 }),
    st('MakeNumberRefStmt', { Index: ir2.idx('9007199254740992'), target: 3 }),
    st('NotEqualStmt', { a: L(2), b: L(3) }),
    ...emit(ir2, 2),
  ]);
  t.same(run(ir2), [{ x: 9007199254740993n }]);
});

t.test('WithStmt replaces input at a path for its block, restores it, and invalidates memoized rules', async (t) => {
  const ir = new IR();
  // rule p = input.a.b (memoized: params [0, 1])
  ir.func('g0.data.p', [0, 1], 2, [
    [st('DotStmt', { source: L(0), key: ir.s('a'), target: 3 }), st('DotStmt', { source: L(3), key: ir.s('b'), target: 4 }), st('AssignVarOnceStmt', { source: L(4), target: 2 })],
    [st('ReturnLocalStmt', { source: 2 })],
  ]);
  const call = (r: number) => st('CallStmt', { func: 'g0.data.p', args: [L(0), L(1)], result: r });
  ir.plan('eval', [
    st('MakeArrayStmt', { capacity: 0, target: 10 }),
    call(11),
    st('ArrayAppendStmt', { array: 10, value: L(11) }),
    st('WithStmt', {
      local: 0,
      path: [ir.idx('a'), ir.idx('b')],
      value: ir.s('mocked'),
      block: { stmts: [call(12), st('ArrayAppendStmt', { array: 10, value: L(12) }), st('ArrayAppendStmt', { array: 10, value: L(0) })] },
    }),
    call(13),
    st('ArrayAppendStmt', { array: 10, value: L(13) }),
    st('ArrayAppendStmt', { array: 10, value: L(0) }),
    ...emit(ir, 10),
  ]);
  const input = { a: { b: 'orig', c: 1 }, z: true };
  t.same(run(ir, input), [{ x: ['orig', 'mocked', { a: { b: 'mocked', c: 1 }, z: true }, 'orig', { a: { b: 'orig', c: 1 }, z: true }] }]);
  t.same(input, { a: { b: 'orig', c: 1 }, z: true }, 'the caller input is never mutated');

  // an undefined with-block makes the enclosing block undefined; a non-object node is replaced
  const ir2 = new IR();
  ir2.plan(
    'eval',
    [st('WithStmt', { local: 0, path: [ir2.idx('a'), ir2.idx('b')], value: B(true), block: { stmts: [st('DotStmt', { source: L(0), key: ir2.s('nope'), target: 2 })] } }), ...emit(ir2, 0, 'reached')],
    [st('WithStmt', { local: 0, path: [ir2.idx('a'), ir2.idx('b')], value: B(true), block: { stmts: [st('AssignVarStmt', { source: L(0), target: 3 })] } }), ...emit(ir2, 3)],
  );
  t.same(run(ir2, { a: 'scalar' }), [{ x: { a: { b: true } } }]);
  t.same(run(ir2, undefined), [{ x: { a: { b: true } } }]);
});

t.test('NotStmt, IsDefined/IsUndefined, ResetLocal, LenStmt, type checks', async (t) => {
  const ir = new IR();
  ir.plan(
    'eval',
    [st('NotStmt', { block: { stmts: [st('DotStmt', { source: L(0), key: ir.s('deny'), target: 2 })] } }), ...emit(ir, 0, 'not')],
    [st('DotStmt', { source: L(0), key: ir.s('s'), target: 3 }), st('LenStmt', { source: L(3), target: 4 }), ...emit(ir, 4, 'len')],
    [st('MakeNullStmt', { target: 5 }), st('ResetLocalStmt', { target: 5 }), st('IsUndefinedStmt', { source: 5 }), ...emit(ir, 0, 'reset')],
    [st('IsDefinedStmt', { source: 5 }), ...emit(ir, 0, 'never')],
    [st('IsObjectStmt', { source: L(0) }), st('IsArrayStmt', { source: ir.s('x') }), ...emit(ir, 0, 'never2')],
  );
  const r = run(ir, { s: 'h\u{1F600}llo' });
  t.same(r.map((x) => Object.keys(x as object)[0]), ['not', 'len', 'reset']);
  t.same((r[1] as { len: number }).len, 5, 'code points, not UTF-16 units');
  t.same(run(ir, { deny: true, s: [1, 2] }).map((x) => Object.keys(x as object)[0]), ['len', 'reset']);
});

t.test('builtins: errors are undefined unless strict; type errors too (OPA topdown); ctx.nowNs is fixed per evaluation', async (t) => {
  const defs: BuiltinDef[] = [
    { name: 'fail', arity: 1, impl: () => { throw new BuiltinError('fail', 'boom'); } },
    { name: 'typefail', arity: 1, impl: () => { throw new BuiltinTypeError('typefail', 'operand 1 must be string but got number'); } },
    { name: 'buggy', arity: 1, impl: () => { throw new Error('bug'); } },
    { name: 'now', arity: 0, nondeterministic: true, impl: (_a, ctx) => ctx.nowNs },
    { name: 'echo', arity: 1, impl: (a) => a[0] as Value },
  ];
  const reg = createRegistry(defs);
  const mk = (fn: string, args: number): IR => {
    const ir = new IR();
    ir.plan('eval', [st('CallStmt', { func: fn, args: args ? [ir.s('a')] : [], result: 2 }), ...emit(ir, 2)]);
    return ir;
  };
  const ev = (fn: string, strict: boolean): Value[] => createJsEvaluator(mk(fn, 1).build(), { builtins: reg }).evaluate('eval', null, { strictBuiltinErrors: strict });
  t.same(ev('echo', false), [{ x: 'a' }]);
  t.same(ev('fail', false), []);
  t.same(ev('typefail', false), []);
  for (const [fn, code, opa] of [['fail', 'REGO_ERR_BUILTIN', 'eval_builtin_error'], ['typefail', 'REGO_ERR_BUILTIN_TYPE', 'eval_type_error']] as const) {
    try {
      ev(fn, true);
      t.fail('no error');
    } catch (e) {
      t.equal((e as RegoError).code, code);
      t.equal((e as RegoError).opaCode, opa);
      t.equal((e as RegoError).location?.file, 'test.rego', 'call site attached');
    }
  }
  t.equal(codeOf(() => ev('buggy', false)), 'REGO_ERR_BUILTIN_INTERNAL');
  t.equal(codeOf(() => createJsEvaluator(mk('nope', 1).build(), { builtins: reg })), 'REGO_ERR_UNKNOWN_BUILTIN');

  const ir = new IR();
  ir.plan('eval', [st('CallStmt', { func: 'now', args: [], result: 2 }), st('CallStmt', { func: 'now', args: [], result: 3 }), st('EqualStmt', { a: L(2), b: L(3) }), ...emit(ir, 2)]);
  const nowEv = createJsEvaluator(ir.build(), { builtins: reg });
  t.same(nowEv.evaluate('eval', null, { nowNs: 123n }), [{ x: 123n }]);
  const r = nowEv.evaluate('eval', null) as { x: bigint }[];
  t.equal(r.length, 1, 'two reads in one evaluation agree');
  t.equal(typeof r[0]?.x, 'bigint');
});

t.test('CallDynamicStmt calls the function at a computed path, else falls through', async (t) => {
  const ir = new IR();
  ir.func('g0.data.animals.cat', [0, 1], 2, [[st('AssignVarOnceStmt', { source: ir.s('meow'), target: 2 })], [st('ReturnLocalStmt', { source: 2 })]], ['g0', 'animals', 'cat']);
  ir.func('g0.data.animals.dog', [0, 1], 2, [[st('DotStmt', { source: L(0), key: ir.s('never'), target: 3 }), st('AssignVarOnceStmt', { source: L(3), target: 2 })], [st('ReturnLocalStmt', { source: 2 })]], ['g0', 'animals', 'dog']);
  // The planner's shape for data.animals[x] (see OPA's plan for topdowndynamicdispatch):
  // top { C { B { A1 { call; break 1 } A2 { fallback; break 1 } break 2 } assign } emit }
  ir.plan('eval', [
    st('DotStmt', { source: L(0), key: ir.s('animal'), target: 5 }),
    st('BlockStmt', {
      blocks: [
        {
          stmts: [
            st('BlockStmt', {
              blocks: [
                {
                  stmts: [
                    st('BlockStmt', {
                      blocks: [
                        { stmts: [st('CallDynamicStmt', { path: [ir.s('g0'), ir.s('animals'), L(5)], args: [0, 1], result: 6 }), st('BreakStmt', { index: 1 })] },
                        { stmts: [st('AssignVarStmt', { source: ir.s('fallback'), target: 6 }), st('BreakStmt', { index: 1 })] },
                      ],
                    }),
                    st('BreakStmt', { index: 2 }),
                  ],
                },
              ],
            }),
            st('AssignVarStmt', { source: L(6), target: 9 }),
          ],
        },
      ],
    }),
    ...emit(ir, 9),
  ]);
  t.same(run(ir, { animal: 'cat' }), [{ x: 'meow' }]);
  t.same(run(ir, { animal: 'cow' }), [{ x: 'fallback' }]);
  t.same(run(ir, { animal: 'dog' }), [], 'found but undefined: the expression is undefined');
  t.same(run(ir, { animal: 7 }), [{ x: 'fallback' }]);
});

t.test('ObjectMergeStmt: recursive, base document (a) wins on scalar overlap', async (t) => {
  const ir = new IR();
  ir.plan('eval', [st('ObjectMergeStmt', { a: 1, b: 0, target: 2 }), ...emit(ir, 2)]);
  const ev = createJsEvaluator(ir.build(), { builtins: noBuiltins, data: { k: 'base', o: { a: 1 } } });
  t.same(ev.evaluate('eval', { k: 'virtual', o: { b: 2 }, n: 3 }), [{ x: { k: 'base', n: 3, o: { a: 1, b: 2 } } }]);
});

t.test('ObjectInsertStmt with a non-string key switches to an RObject; sets collect', async (t) => {
  const ir = new IR();
  ir.plan('eval', [
    st('MakeObjectStmt', { target: 2 }),
    st('ObjectInsertStmt', { key: ir.s('a'), value: B(true), object: 2 }),
    st('MakeNumberIntStmt', { value: 1, target: 3 }),
    st('ObjectInsertStmt', { key: L(3), value: B(false), object: 2 }),
    st('ObjectInsertStmt', { key: ir.s('__proto__'), value: B(true), object: 2 }),
    st('MakeSetStmt', { target: 4 }),
    st('SetAddStmt', { value: L(3), set: 4 }),
    st('SetAddStmt', { value: L(3), set: 4 }),
    st('SetAddStmt', { value: ir.s('z'), set: 4 }),
    st('MakeArrayStmt', { capacity: 2, target: 5 }),
    st('ArrayAppendStmt', { array: 5, value: L(2) }),
    st('ArrayAppendStmt', { array: 5, value: L(4) }),
    ...emit(ir, 5),
  ]);
  const [row] = run(ir) as [{ x: [RObject, RSet] }];
  t.ok(row.x[0] instanceof RObject);
  t.equal(row.x[0].get(1), false);
  t.equal(row.x[0].get('a'), true);
  t.equal(row.x[0].get('__proto__'), true);
  t.same(row.x[1].values(), [1, 'z']);
});

t.test('object and array literals built from consecutive inserts keep insert semantics', async (t) => {
  const ir = new IR();
  ir.plan('eval', [
    st('MakeObjectStmt', { target: 2 }),
    st('ObjectInsertStmt', { key: ir.s('__proto__'), value: ir.s('own'), object: 2 }),
    st('ObjectInsertStmt', { key: ir.s('k'), value: ir.s('first'), object: 2 }),
    st('ObjectInsertStmt', { key: ir.s('k'), value: ir.s('last'), object: 2 }),
    st('MakeArrayStmt', { capacity: 2, target: 3 }),
    st('ArrayAppendStmt', { array: 3, value: L(2) }),
    st('ArrayAppendStmt', { array: 3, value: B(false) }),
    ...emit(ir, 3),
  ]);
  const [row] = run(ir) as [{ x: [Record<string, unknown>, boolean] }];
  const o = row.x[0];
  t.equal(Object.getPrototypeOf(o), Object.prototype, 'the prototype is untouched');
  t.ok(Object.hasOwn(o, '__proto__'));
  t.same(Object.keys(o).sort(), ['__proto__', 'k']);
  t.equal(o.k, 'last', 'a later insert of the same key wins');
  t.equal(row.x[1], false);
});

t.test('misuse and bad plans have stable codes', async (t) => {
  const ir = new IR();
  ir.plan('eval', [st('BreakStmt', { index: 3 })]);
  t.equal(codeOf(() => createJsEvaluator(ir.build(), { builtins: noBuiltins })), 'REGO_ERR_IR_INVALID');
  const ok = new IR().plan('eval', []);
  const ev = createJsEvaluator(ok.build(), { builtins: noBuiltins });
  t.same(ev.plans, ['eval']);
  t.equal(codeOf(() => ev.evaluate('nope', null)), 'REGO_ERR_UNKNOWN_PLAN');
  t.throws(() => createJsEvaluator({} as never), TypeError);
});

t.test('setData replaces data for later evaluations', async (t) => {
  const ir = new IR();
  ir.plan('eval', [st('DotStmt', { source: L(1), key: ir.s('k'), target: 2 }), ...emit(ir, 2)]);
  const ev = createJsEvaluator(ir.build(), { builtins: noBuiltins, data: { k: 1 } });
  t.same(ev.evaluate('eval', null), [{ x: 1 }]);
  ev.setData({ k: 2 });
  t.same(ev.evaluate('eval', null), [{ x: 2 }]);
});
