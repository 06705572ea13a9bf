/**
 * Integer operands written as non-integer text (issue #16). OPA reads an integer operand one of
 * two ways (v1/topdown/builtins/builtins.go):
 * - IntOperand: json.Number.Int64, i.e. strconv.ParseInt of the number's TEXT — `1.0`, `1e0`
 *   and anything beyond int64 are "must be integer number but got floating-point number"
 *   (an ErrOperand, so eval_type_error) although 1.0 is integral;
 * - BigIntOperand / NumberToInt: the exact VALUE through big.Float — 1.0 is 1.
 * Operands come from the JSON input so that they reach the builtin at run time with their text
 * (parseJson keeps `1.0` as written), in both back ends; the WASM one calls the same builtins
 * through the host bridge, which carries the text too. Strict builtin errors, as OPA raises an
 * operand error only then at run time (otherwise the call is undefined).
 */
import t from 'tap';
import { compileToPlan } from '../../../../src/policy/compiler/index.js';
import { createEvaluator } from '../../../../src/policy/index.js';
import { RegoError } from '../../../../src/policy/errors.js';
import { parseJson, toJs } from '../../../../src/policy/value/index.js';

/** One rule per read; each is queried alone so an error names its call. */
const MOD = `package io

substring_ := substring("abcdef", input.n, 2)
slice_ := array.slice([10, 20, 30, 40], input.n, 3)
find_n := regex.find_n("a", "aaaa", input.n)
submatch_n := regex.find_all_string_submatch_n("a", "aaaa", input.n)
intn := rand.intn("k", input.n)
add_date := time.add_date(0, 0, input.n, 0)
format_base := format_int(255, input.n)
patch_index := json.patch([10, 20, 30], [{"op": "remove", "path": [input.n]}])

range_ := numbers.range(input.n, 3)
range_step := numbers.range_step(0, 6, input.n)
bits_and := bits.and(input.n, 3)
bits_lsh := bits.lsh(1, input.n)
format_value := format_int(input.n, 16)
modulo := input.n % 2
`;

type Outcome = { value: unknown } | { code: string };

async function outcomes(engine: 'js' | 'wasm', rule: string, inputs: readonly string[]): Promise<Outcome[]> {
  const policy = compileToPlan([{ file: 'io.rego', text: MOD }], { query: `x = data.io.${rule}` });
  const ev = await createEvaluator(policy, { engine });
  return inputs.map((n) => {
    try {
      const rs = ev.evaluate('eval', parseJson(`{"n": ${n}}`), { strictBuiltinErrors: true });
      return { value: rs.length === 0 ? undefined : toJs((rs[0] as { x: never }).x) };
    } catch (e) {
      if (!(e instanceof RegoError)) throw e;
      return { code: e.code };
    }
  });
}

const TYPE = { code: 'REGO_ERR_BUILTIN_TYPE' };

for (const engine of ['js', 'wasm'] as const) {
  t.test(`${engine}: IntOperand reads the text (1 ok; 1.0, 1e0, 2^63 refused)`, async (t) => {
    const texts = ['1', '1.0', '1e0', '9223372036854775808'];
    t.same(await outcomes(engine, 'substring_', texts), [{ value: 'bc' }, TYPE, TYPE, TYPE]);
    t.same(await outcomes(engine, 'slice_', texts), [{ value: [20, 30] }, TYPE, TYPE, TYPE]);
    t.same(await outcomes(engine, 'find_n', texts), [{ value: ['a'] }, TYPE, TYPE, TYPE]);
    t.same(await outcomes(engine, 'submatch_n', texts), [{ value: [['a']] }, TYPE, TYPE, TYPE]);
    t.same(await outcomes(engine, 'intn', texts), [{ value: 0 }, TYPE, TYPE, TYPE]);
    // 2^63 months: refused before any date arithmetic, as OPA's IntOperand does
    t.same(await outcomes(engine, 'add_date', texts), [{ value: 2678400000000000 }, TYPE, TYPE, TYPE]);
    // the largest int64 still is an integer operand
    t.same(await outcomes(engine, 'find_n', ['9223372036854775807']), [{ value: ['a', 'a', 'a', 'a'] }]);
  });

  t.test(`${engine}: json.patch's array index is Number.Int() too (edit tree toIndex): 1.0 fails the patch`, async (t) => {
    t.same(await outcomes(engine, 'patch_index', ['1', '1.0', '1e0']), [{ value: [10, 30] }, { value: undefined }, { value: undefined }]);
  });

  t.test(`${engine}: format_int's base is compared as text (OPA switches on ast.Number("16"))`, async (t) => {
    t.same(await outcomes(engine, 'format_base', ['16', '16.0', '1.6e1', '10', '10.0']), [{ value: 'ff' }, TYPE, TYPE, { value: '255' }, TYPE]);
  });

  t.test(`${engine}: BigIntOperand / NumberToInt read the value (1.0 is 1)`, async (t) => {
    t.same(await outcomes(engine, 'range_', ['1', '1.0', '1e0', '1.5']), [{ value: [1, 2, 3] }, { value: [1, 2, 3] }, { value: [1, 2, 3] }, TYPE]);
    t.same(await outcomes(engine, 'range_step', ['2', '2.0', '2e0']), [{ value: [0, 2, 4, 6] }, { value: [0, 2, 4, 6] }, { value: [0, 2, 4, 6] }]);
    t.same(await outcomes(engine, 'bits_and', ['1', '1.0', '1e0', '1.5']), [{ value: 1 }, { value: 1 }, { value: 1 }, TYPE]);
    t.same(await outcomes(engine, 'bits_lsh', ['2', '2.0']), [{ value: 4 }, { value: 4 }]);
    // format_int truncates its input through big.Float whatever its text
    t.same(await outcomes(engine, 'format_value', ['255', '255.0', '2.55e2', '255.9']), [{ value: 'ff' }, { value: 'ff' }, { value: 'ff' }, { value: 'ff' }]);
    // rem: integral values of any text (NumberToInt), 1.5 is not
    t.same(await outcomes(engine, 'modulo', ['5', '5.0', '5e0']), [{ value: 1 }, { value: 1 }, { value: 1 }]);
  });
}
