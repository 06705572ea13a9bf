/** comparison, numbers, aggregates, bits — values from OPA's conformance cases and Go semantics. */
import t from 'tap';
import { call, j, set, throwsCode } from '../helpers.js';

t.test('bits are exact two\'s complement on big integers', (t) => {
  t.equal(call('bits.and', 5, 3), 1);
  t.equal(call('bits.or', 5, 3), 7);
  t.equal(call('bits.xor', 5, 3), 6);
  t.equal(call('bits.negate', 42), -43);
  t.equal(call('bits.lsh', 1, 64), 18446744073709551616n);
  t.equal(call('bits.rsh', -17, 2), -5);
  throwsCode(t, () => call('bits.lsh', 1, -1), 'REGO_ERR_BUILTIN_TYPE', 'unsigned');
  throwsCode(t, () => call('bits.and', 1.5, 1), 'REGO_ERR_BUILTIN_TYPE', 'integer');
  t.end();
});
