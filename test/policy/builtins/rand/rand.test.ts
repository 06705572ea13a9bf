/**
 * rand.intn, uuid.*, opa.runtime, trace, internal.print, test.sleep — values from OPA's cases
 * (cases/v1/uuid, rand) and OPA's documented behaviour.
 */
import t from 'tap';
import { RSet } from '../../../../src/policy/value/index.js';
import { asJson, call, loadCases, makeCtx } from '../corpus-helpers.js';

t.test('rand.intn is memoised per (str, n) within an evaluation', (t) => {
  const ctx = makeCtx();
  const a = call('rand.intn', ['key', 100], ctx) as number;
  t.ok(Number.isInteger(a) && a >= 0 && a < 100);
  for (let i = 0; i < 100; i++) t.equal(call('rand.intn', ['key', 100], ctx), a);
  t.equal(call('rand.intn', ['key', -100], ctx), a, '|n| is the key');
  t.equal(call('rand.intn', ['x', 0], ctx), 0);
  t.throws(() => call('rand.intn', ['x', 1.5], ctx), { code: 'REGO_ERR_BUILTIN_TYPE' });
  t.end();
});
