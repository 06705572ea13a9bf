// The events/redis/ratelimit schema fragments inside the real config loader: defaults, and a
// bad key named with its line.
import t from 'tap';
import { loadConfigText } from '../../../src/gateway/config/load.js';

const base = `
listen: { host: 127.0.0.1, port: 0 }
upstreams: { u: { url: "http://127.0.0.1:1" } }
routes: [{ id: r, match: { path_prefix: / }, upstream: u }]
`;

t.test('defaults fill in', async (t) => {
  const c = loadConfigText(base + 'events: { spool_dir: /tmp/x }\nratelimit: {}\n', { file: 'a.yaml', env: {} });
  t.match(c.redis, { url: 'redis://127.0.0.1:6379', prefix: 'regate', command_timeout_ms: 1000 });
  t.match(c.events, { spool_dir: '/tmp/x', batch_size: 500, flush_ms: 20, queues: { audit: 'audit', ratelimit: 'ratelimit' }, mask: [] });
  t.match(c.ratelimit, { on_unavailable: 'local', local_share: 0.5, key_prefix: '{regate}:rl:', leases: { enabled: true, min_limit: 50 } });
});

t.test('invalid values are config errors', async (t) => {
  t.throws(() => loadConfigText(base + 'events: { batch_size: 0 }\n', { file: 'a.yaml', env: {} }), { code: 'GW_ERR_CONFIG' });
  t.throws(() => loadConfigText(base + 'events: { mask: ["/token/x"] }\n', { file: 'a.yaml', env: {} }), { code: 'GW_ERR_CONFIG' });
  t.throws(() => loadConfigText(base + 'ratelimit: { on_unavailable: maybe }\n', { file: 'a.yaml', env: {} }), { code: 'GW_ERR_CONFIG' });
  t.throws(() => loadConfigText(base + 'ratelimit: { routes: { r: [{ key: k, limit: 0, window_s: 1 }] } }\n', { file: 'a.yaml', env: {} }), { code: 'GW_ERR_CONFIG' });
  t.throws(() => loadConfigText(base + 'redis: { prefix: "a:b" }\n', { file: 'a.yaml', env: {} }), { code: 'GW_ERR_CONFIG' });
});
