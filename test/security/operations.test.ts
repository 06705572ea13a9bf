/**
 * Operational footguns (issue #14, item 9). Before: a second regate started on a port already in
 * use and the kernel split traffic between the two (SO_REUSEPORT); every client-caused 500 logged
 * a full stack trace; upstream `Server`/`X-Powered-By` passed through (identity-headers.test.ts).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import t from 'tap';
import { loadConfigText } from '../../src/gateway/config/load.js';
import { createGateway } from '../../src/gateway/server/gateway.js';
import { cliReady } from '../gateway/helpers.js';
import { captureLines, rawGet, sendOne, startRecordingUpstream, utf8Bytes } from './wire.js';

const BIN = new URL('../../bin/regate.js', import.meta.url).pathname;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

t.test('a second regate on a port in use exits non-zero and names the port', async (t) => {
  const up = await startRecordingUpstream();
  t.teardown(() => up.close());
  const dir = mkdtempSync(join(tmpdir(), 'regate-port-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const workers of [1, 2]) {
    const port = await freePort();
    const file = join(dir, `regate-${workers}.yaml`);
    writeFileSync(
      file,
      `listen: { host: 127.0.0.1, port: ${port}, workers: ${workers} }
admin: { enabled: false }
upstreams:
  app: { url: "${up.url}" }
routes:
  - { id: r, match: { path_prefix: / }, upstream: app }
`,
    );
    const first = spawn(process.execPath, [BIN, 'start', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    t.teardown(() => void first.kill('SIGKILL'));
    await cliReady(first);
    const second = spawn(process.execPath, [BIN, 'start', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    second.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((r) => second.once('exit', (c) => r(c)));
    t.not(code, 0, `workers: ${workers}: the second instance exits non-zero`);
    t.match(err, new RegExp(`listen\\.port: port ${port} on 127\\.0\\.0\\.1 is already in use`), 'the message names the key and the port');
    t.notMatch(err, /\n\s+at /, 'no stack trace');
    first.kill('SIGTERM');
    await new Promise((r) => first.once('exit', r));
  }
});

t.test('client-caused errors log one line each, without a stack', async (t) => {
  const up = await startRecordingUpstream();
  t.teardown(() => up.close());
  const { lines, stream } = captureLines();
  const config = loadConfigText(
    `
listen: { host: 127.0.0.1, port: 0 }
admin: { enabled: false }
upstreams:
  app: { url: "${up.url}" }
routes:
  - { id: r, match: { path_prefix: /r }, upstream: app }
`,
    { file: 'ops.yaml', env: {} },
  );
  const gw = createGateway({ config, logger: pino({ level: 'debug' }, stream), registry: new Registry() });
  const port = await gw.listen(0);
  t.teardown(() => gw.close(500));
  const hostile = [
    `GET ${utf8Bytes('/r/中')} HTTP/1.1\r\nHost: a\r\n\r\n`,
    rawGet('/r/x', ['X-A: a\xffb']),
    rawGet('/r/%2e%2e/x'),
    'BREW /r/x HTTP/1.1\r\nHost: a\r\n\r\n',
    'POST /r/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n',
  ];
  // start-up lines (the uWS build, telemetry) are not the requests' doing
  const startup = lines.length;
  for (const h of hostile) await sendOne(port, h);
  const refused = lines.slice(startup);
  t.ok(refused.length <= hostile.length, `at most one line per refused request (${refused.length})`);
  for (const l of refused) {
    const rec = JSON.parse(l) as { level: number; stack?: string; err?: unknown };
    t.ok(rec.level < 40, 'logged below warn: the client is at fault, not the gateway');
    t.notOk(l.includes('    at '), 'no stack trace');
  }
});
