/**
 * One request before measuring: a scenario that does not answer 200 is reported failed, not
 * measured (a bench of 401/403 answers would measure the wrong thing).
 */
import http from 'node:http';

/**
 * null when `url` answered 200, else why not. node:http with a fresh connection (agent: false),
 * not fetch: fetch's global pool may hold a kept-alive socket to an earlier, stopped server that
 * had the same ephemeral port.
 * @example
 * const bad = await probe(url, { authorization: `Bearer ${jwt}` });
 * if (bad) rows.push({ …, status: 'failed', reason: bad });
 */
export function probe(url: string, headers: Record<string, string>, timeoutMs = 10_000): Promise<string | null> {
  return new Promise((done) => {
    const req = http.get(url, { headers, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => done(res.statusCode === 200 ? null : `probe answered ${res.statusCode}: ${body.slice(0, 160)}`));
    });
    req.on('timeout', () => req.destroy(new Error(`probe timed out after ${timeoutMs / 1000} s`)));
    req.on('error', (err) => done(`probe failed: ${err.message}`));
  });
}
