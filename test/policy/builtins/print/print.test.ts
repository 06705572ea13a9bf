/**
 * rand.intn, uuid.*, opa.runtime, trace, internal.print, test.sleep — values from OPA's cases
 * (cases/v1/uuid, rand) and OPA's documented behaviour.
 */
import t from 'tap';
import { RSet } from '../../../../src/policy/value/index.js';
import { asJson, call, loadCases, makeCtx } from '../corpus-helpers.js';

t.test('internal.print formats like OPA', (t) => {
  const ctx = makeCtx();
  call('internal.print', [[RSet.of(['hello']), RSet.of([1]), RSet.of([]), RSet.of([{ a: [true, null] }])]], ctx);
  t.same(ctx.printed, ['hello 1 <undefined> {"a": [true, null]}']);
  const ctx2 = makeCtx();
  call('internal.print', [[RSet.of(['x']), RSet.of([1, 2])]], ctx2);
  t.same(ctx2.printed, ['x 1', 'x 2'], 'cross product of values');
  t.end();
});
