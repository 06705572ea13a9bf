/** comparison, numbers, aggregates, bits — values from OPA's conformance cases and Go semantics. */
import t from 'tap';
import { call, j, set, throwsCode } from '../helpers.js';

t.test('comparison is a total order across types, exact on numbers', (t) => {
  t.equal(call('lt', null, false), true);
  t.equal(call('lt', 1, 'a'), true);
  t.equal(call('gt', set(), {}), true);
  t.equal(call('equal', 1, 1.0), true);
  t.equal(call('neq', [1], [1, 2]), true);
  t.equal(call('lt', 9007199254740993n, 9007199254740994n), true);
  t.equal(call('gte', 9007199254740993n, 9007199254740992), true);
  t.equal(call('lte', 'a', 'a'), true);
  t.end();
});
