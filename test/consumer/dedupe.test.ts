import { Redis } from 'ioredis';
import t from 'tap';
import { createDeduper } from '../../src/consumer/index.js';
import { uniquePrefix } from '../gateway/events/fixtures.js';

t.test('bounded window', async (t) => {
  const d = createDeduper({ window: 3 });
  t.same(['a', 'b', 'a', 'c', 'd', 'e', 'a', 'e'].map((id) => d.first(id)), [true, true, false, true, true, true, true, false]);
  t.equal(d.duplicates, 2, "'a' fell out of the window, so it counts as new the third time");
  t.throws(() => createDeduper({ window: 0 }), TypeError);
});

t.test('Redis SET NX is shared between consumers', async (t) => {
  const r1 = new Redis('redis://127.0.0.1:6379');
  const r2 = new Redis('redis://127.0.0.1:6379');
  const prefix = uniquePrefix('dd') + ':';
  t.teardown(async () => {
    const keys = await r1.keys(prefix + '*');
    if (keys.length) await r1.del(...keys);
    r1.disconnect();
    r2.disconnect();
  });
  const a = createDeduper({ redis: r1, prefix, ttl_s: 60 });
  const b = createDeduper({ redis: r2, prefix, ttl_s: 60 });
  t.equal(await a.first('x'), true);
  t.equal(await b.first('x'), false);
  t.equal(await b.first('y'), true);
  t.equal(b.duplicates, 1);
  const ttl = await r1.ttl(prefix + 'x');
  t.ok(ttl > 0 && ttl <= 60);
});
