/**
 * Floor (b) of bench/passthrough-floor.ts: the least a JS proxy on uWS + node:net can do per
 * request. uWS in; a free list of keep-alive net.Sockets to the upstream (one per in-flight
 * request, so as many as the load's connections); the request head written as one latin1
 * string; the response read until its head and Content-Length body are in, then relayed with one
 * corked writeStatus/writeHeader/end. No parsing beyond Content-Length, no header rules, no
 * errors handled: it tells what uWS + Node net cost, not what a correct proxy costs.
 * Run: node bench/floor/min-proxy.mjs <upstream port> [onread]
 */
import net from 'node:net';
import { loadUws } from '../../dist/gateway/server/uws-loader.js';

const { uws } = loadUws();
const upPort = Number(process.argv[2]);
const useOnread = process.argv[3] === 'onread';
const free = [];

function connect() {
  const c = { sock: null, res: null, buf: null, aborted: false };
  const onChunk = (chunk) => {
    // the onread buffer is reused: copy only a response that is not complete in this read
    const b = c.buf ? Buffer.concat([c.buf, chunk]) : chunk;
    const keep = () => (c.buf = c.buf ? b : Buffer.from(chunk));
    const he = b.indexOf('\r\n\r\n');
    if (he < 0) return keep();
    const head = b.latin1Slice(0, he);
    const m = /\r\ncontent-length: *(\d+)/i.exec(head);
    const len = m ? Number(m[1]) : 0;
    if (b.length < he + 4 + len) return keep();
    const res = c.res;
    c.res = null;
    c.buf = null;
    const status = head.slice(9, head.indexOf('\r\n'));
    const ct = /\r\ncontent-type: *([^\r]*)/i.exec(head);
    const body = b.subarray(he + 4, he + 4 + len);
    if (!c.aborted) {
      res.cork(() => {
        res.writeStatus(status);
        if (ct) res.writeHeader('content-type', ct[1]);
        res.end(body);
      });
    }
    free.push(c);
  };
  if (useOnread) {
    c.sock = net.connect({ port: upPort, host: '127.0.0.1', noDelay: true, onread: { buffer: Buffer.allocUnsafe(65536), callback: (n, buf) => onChunk(buf.subarray(0, n)) } });
  } else {
    c.sock = net.connect({ port: upPort, host: '127.0.0.1', noDelay: true });
    c.sock.on('data', onChunk);
  }
  // an idle connection the upstream closed (uWS's idle timeout, reached under valgrind) leaves
  // the free list instead of taking the next request down with it; once per connection, not per request
  c.sock.on('error', () => {});
  c.sock.on('close', () => {
    const i = free.indexOf(c);
    if (i >= 0) free.splice(i, 1);
  });
  return c;
}

uws
  .App()
  .any('/*', (res, req) => {
    const head = `${req.getMethod().toUpperCase()} ${req.getUrl()} HTTP/1.1\r\nhost: 127.0.0.1:${upPort}\r\n\r\n`;
    const c = free.pop() ?? connect();
    c.res = res;
    c.aborted = false;
    res.onAborted(() => (c.aborted = true));
    c.sock.write(head, 'latin1');
  })
  .listen('127.0.0.1', 0, (ls) => {
    if (!ls) process.exit(1);
    process.stdout.write(`PORT ${uws.us_socket_local_port(ls)}\n`);
  });
