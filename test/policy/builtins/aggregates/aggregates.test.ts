/** comparison, numbers, aggregates, bits — values from OPA's conformance cases and Go semantics. */
import t from 'tap';
import { call, j, set, throwsCode } from '../helpers.js';
import { parseJson } from '../../../../src/policy/value/index.js';

t.test('aggregates', (t) => {
  t.equal(call('count', 'héllo😀'), 6);
  t.equal(call('count', { a: 1, b: 2 }), 2);
  t.equal(call('count', set(1, 2, 2)), 2);
  throwsCode(t, () => call('count', 1), 'REGO_ERR_BUILTIN_TYPE', 'operand 1 must be one of {array, object, set, string} but got number');
  t.equal(call('sum', [49649733057, 1]), 49649733058);
  t.equal(call('sum', [9007199254740991, 9007199254740991]), 18014398509481982n);
  t.equal(call('sum', [0.1, 0.2]), 0.3);
  t.equal(call('sum', []), 0);
  t.equal(call('product', [1, 2, 3, 4]), 24);
  t.equal(call('product', set(2.5, 2)), 5);
  t.equal(call('max', [1, 'a', null]), 'a');
  t.equal(call('min', set(3, 1, 2)), 1);
  t.equal(call('max', []), undefined);
  t.same(call('sort', [4, 3, 'a', null]), [null, 3, 4, 'a']);
  t.equal(call('any', [false, true]), true);
  t.equal(call('all', set()), true);
  throwsCode(t, () => call('sum', [1, 'a']), 'REGO_ERR_BUILTIN_TYPE');
  t.end();
});

// OPA aggregates.go: sum/product/max/min/sort name "set, array" (any/all "array, set"), and a
// non-number element is NewOperandElementErr, which names the element's type.
t.test('aggregates: operand errors worded as OPA', (t) => {
  throwsCode(t, () => call('sum', set(1, 'a')), 'REGO_ERR_BUILTIN_TYPE', 'sum: operand 1 must be set of numbers but got set containing string');
  throwsCode(t, () => call('product', [1, null]), 'REGO_ERR_BUILTIN_TYPE', 'product: operand 1 must be array of numbers but got array containing null');
  for (const name of ['sum', 'product', 'max', 'min', 'sort']) {
    throwsCode(t, () => call(name, 'x'), 'REGO_ERR_BUILTIN_TYPE', `${name}: operand 1 must be one of {set, array} but got string`);
  }
  throwsCode(t, () => call('any', 1), 'REGO_ERR_BUILTIN_TYPE', 'any: operand 1 must be one of {array, set} but got number');
  t.end();
});

// OPA's max/min over an array replace the running result on ties (`<= 0` / `>= 0`), so of
// equal numbers written differently (1 and 1.0) the last one is returned, text included.
t.test('max/min: the last of equal array elements wins', (t) => {
  const one = parseJson('1.0');
  t.equal(call('max', [1, one]), one);
  t.equal(call('min', [one, 1]), 1);
  t.end();
});
