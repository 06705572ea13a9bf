/**
 * Ports for the bench processes: a free one to hand to a program that cannot report its own
 * (nginx, redis-server), and a bounded wait until something accepts on it.
 */
import net from 'node:net';

/**
 * A port that was free a moment ago on 127.0.0.1 (the OS picks it; another process could take
 * it before the caller binds, which on a bench machine does not happen in practice).
 * @example
 * const port = await freePort(); // then: redis-server --port <port>
 */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * Waits (bounded: 100 × 50 ms) until something accepts on 127.0.0.1:`port` — for programs that
 * print nothing when they are ready, like nginx.
 * @example
 * if (!(await waitForPort(port))) throw new Error('nginx did not listen');
 */
export async function waitForPort(port: number): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), r(true))).once('error', () => r(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}
