/**
 * One GET on an open keep-alive socket (TLS or plain), for tests that send several requests on a
 * connection and need to know which connection each went over: resolves with the status line once
 * the whole answer (head + Content-Length body) is in, leaving the socket open for the next one.
 *
 * @example const status = await keepAliveGet(sock, '/echo/a'); // 'HTTP/1.1 200 OK'
 */
import type { Duplex } from 'node:stream';

export function keepAliveGet(sock: Duplex, path: string): Promise<string> {
  return new Promise<string>((resolve) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const len = Number(/\r\ncontent-length: (\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
      if (buf.length >= end + 4 + len) {
        sock.off('data', onData);
        resolve(buf.slice(0, buf.indexOf('\r\n')));
      }
    };
    sock.on('data', onData);
    sock.write(`GET ${path} HTTP/1.1\r\nhost: localhost\r\n\r\n`);
  });
}
