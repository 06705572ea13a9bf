/**
 * Bench upstream: a uWS app answering every request with a small fixed body, so the upstream is
 * never the bottleneck of a proxy comparison. Prints `PORT <n>` when listening.
 * Run: node --import tsx bench/lib/upstream.ts [port]
 */
import { loadUws } from '../../src/gateway/server/uws-loader.js';

const { uws } = loadUws();
const body = 'hello from the bench upstream\n';
uws
  .App()
  .any('/*', (res) => {
    res.writeHeader('content-type', 'text/plain').end(body);
  })
  .listen('127.0.0.1', Number(process.argv[2] ?? 0), (ls) => {
    if (!ls) {
      process.stderr.write('upstream: cannot listen\n');
      process.exit(1);
    }
    process.stdout.write(`PORT ${uws.us_socket_local_port(ls)}\n`);
  });
