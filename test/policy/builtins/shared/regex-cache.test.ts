/** The compiled-pattern caches are bounded and keep serving correct results past their bound. */
import t from 'tap';
import { LruCache, compileRe2 } from '../../../../src/policy/builtins/shared/regex-cache.js';
import { call } from '../helpers.js';

t.test('LruCache evicts the least recently used entry', (t) => {
  const c = new LruCache<number>(2);
  c.set('a', 1);
  c.set('b', 2);
  t.equal(c.get('a'), 1); // a is now most recent
  c.set('c', 3); // evicts b
  t.equal(c.get('b'), undefined);
  t.equal(c.get('a'), 1);
  t.equal(c.get('c'), 3);
  t.end();
});

t.test('regexes and globs stay correct across more patterns than the cache holds', (t) => {
  for (let i = 0; i < 600; i++) {
    t.equal(call('regex.match', `^x${i}$`, `x${i}`), true);
    if (i % 100 === 0) t.equal(call('glob.match', `g${i}.*`, ['.'], `g${i}.a`), true);
  }
  // A cached invalid pattern keeps failing the same way.
  t.throws(() => compileRe2('regex.match', '('));
  t.throws(() => compileRe2('regex.match', '('));
  t.end();
});
