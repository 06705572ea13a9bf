import t from 'tap';
import { rateLimitHeaders } from '../../../src/gateway/ratelimit/headers.js';

// A bucket's RateLimit-Policy is remembered by its limit and window (headers.ts): another bucket in
// between, a fractional window, or a second bucket must each get their own text, never the last one's.
t.test('one bucket after another: each its own policy, the remaining and reset of this request', async (t) => {
  const a = { limit: 100, window_s: 60, remaining: 41.7, resetMs: 11_200 };
  const b = { limit: 5, window_s: 0.5, remaining: 0, resetMs: 1 };
  t.same(rateLimitHeaders([a]), { 'ratelimit-policy': '"b0";q=100;w=60', ratelimit: '"b0";r=41;t=12' });
  t.same(rateLimitHeaders([b]), { 'ratelimit-policy': '"b0";q=5;w=0.5', ratelimit: '"b0";r=0;t=1' });
  t.same(rateLimitHeaders([{ ...a, window_s: 61 }]), { 'ratelimit-policy': '"b0";q=100;w=61', ratelimit: '"b0";r=41;t=12' });
  t.same(rateLimitHeaders([{ ...a, limit: 99 }]), { 'ratelimit-policy': '"b0";q=99;w=60', ratelimit: '"b0";r=41;t=12' });
  t.same(rateLimitHeaders([a, b]), { 'ratelimit-policy': '"b0";q=100;w=60, "b1";q=5;w=0.5', ratelimit: '"b0";r=41;t=12, "b1";r=0;t=1' });
  t.same(rateLimitHeaders([{ ...a, remaining: -3, resetMs: -5 }]), { 'ratelimit-policy': '"b0";q=100;w=60', ratelimit: '"b0";r=0;t=0' });
});
