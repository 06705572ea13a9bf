import t from 'tap';
import { parseRedisUrl, queuePrefix } from '../../../src/gateway/shared/redis-connection.js';

t.test('URL forms', async (t) => {
  t.match(parseRedisUrl('redis://127.0.0.1:6380/2'), { kind: 'standalone', nodes: [{ host: '127.0.0.1', port: 6380 }], db: 2, tls: false });
  t.match(parseRedisUrl('rediss://user:p%40ss@cache.example.com'), { kind: 'standalone', tls: true, username: 'user', password: 'p@ss', nodes: [{ host: 'cache.example.com', port: 6379 }] });
  t.match(parseRedisUrl('redis://:secret@h:1'), { username: undefined, password: 'secret' });
  t.match(parseRedisUrl('redis+cluster://a:7000,b:7001,[::1]:7002'), { kind: 'cluster', nodes: [{ host: 'a', port: 7000 }, { host: 'b', port: 7001 }, { host: '::1', port: 7002 }] });
  t.match(parseRedisUrl('redis+sentinel://:pw@s1:26379,s2/mymaster/3'), { kind: 'sentinel', masterName: 'mymaster', db: 3, password: 'pw', nodes: [{ host: 's1', port: 26379 }, { host: 's2', port: 26379 }] });
  t.throws(() => parseRedisUrl('http://x'), TypeError);
  t.throws(() => parseRedisUrl('redis+sentinel://s1:26379'), TypeError, 'sentinel needs a master name');
  t.throws(() => parseRedisUrl('redis://a:1,b:2'), TypeError, 'several hosts need a cluster or sentinel scheme');
  t.throws(() => parseRedisUrl('redis://a:99999'), TypeError);
});

t.test('BullMQ prefix is hash-tagged on Cluster only', async (t) => {
  t.equal(queuePrefix('redis://h', undefined), 'regate');
  t.equal(queuePrefix('redis://h', 'gw'), 'gw');
  t.equal(queuePrefix('redis+cluster://a:1', undefined), '{regate}');
  t.equal(queuePrefix('redis+cluster://a:1', '{mine}x'), '{mine}x');
});
