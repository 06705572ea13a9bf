/**
 * The bench upstream over TLS (bench/lib/upstream.ts's fixed body on a uWS SSLApp), for the
 * https-vs-http upstream rows of bench/tls.ts. Prints `PORT <n>` when listening.
 * Run: node --import tsx bench/lib/upstream-tls.ts <cert.pem> <key.pem>
 */
import { loadUws } from '../../src/gateway/server/uws-loader.js';

const [cert, key] = process.argv.slice(2);
if (cert === undefined || key === undefined) throw new TypeError('usage: upstream-tls.ts <cert.pem> <key.pem>');
const { uws } = loadUws();
const body = 'hello from the bench upstream\n';
uws
  .SSLApp({ cert_file_name: cert, key_file_name: key })
  .any('/*', (res) => {
    res.writeHeader('content-type', 'text/plain').end(body);
  })
  .listen('127.0.0.1', 0, (ls) => {
    if (!ls) {
      process.stderr.write('upstream-tls: cannot listen\n');
      process.exit(1);
    }
    process.stdout.write(`PORT ${uws.us_socket_local_port(ls)}\n`);
  });
