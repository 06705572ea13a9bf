/**
 * A free port below Linux's ephemeral range (net.ipv4.ip_local_port_range, 32768–60999 here), for
 * tests whose gateway reloads its certificates with one worker. An exclusive bind is reloaded by
 * closing the listen socket and binding the port again (README "TLS"): a port from the ephemeral
 * range can, in that instant, become the source port of another process's outgoing connection
 * (CI runs test files in parallel), and then neither the new nor the old app can bind it.
 * Operators configure fixed ports outside that range (8443); so do these tests.
 *
 * @example const port = await freeFixedPort(); // e.g. 24117
 */
import { createServer } from 'node:net';

export async function freeFixedPort(): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
  for (let i = 0; i < 200; i++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (await tryPort(port)) return port;
  }
  throw new Error('no free port in 20000–31999');
}
