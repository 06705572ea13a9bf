/**
 * Refuses a port another process listens on. uSockets binds with SO_REUSEPORT so that worker
 * threads can share one port — which also lets a second regate (or anything else with
 * SO_REUSEPORT) bind the same port, and the kernel then splits connections between the two: 16
 * of 20 requests to the first demo were answered 401 by a second one (issue #14, item 9).
 *
 * So before any worker binds, the port is probed with a listener that does not set SO_REUSEPORT:
 * the kernel refuses it while anything listens there. A single worker also binds with uWS's
 * LIBUS_LISTEN_EXCLUSIVE_PORT (gateway.ts), so nothing can join it afterwards.
 *
 * @example await assertPortFree('0.0.0.0', 8080, 'listen.port'); // throws PortInUseError
 */
import { createServer } from 'node:net';

export class PortInUseError extends Error {
  readonly code = 'GW_ERR_PORT_IN_USE' as const;
  constructor(
    readonly host: string,
    readonly port: number,
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    super(`${key}: port ${port} on ${host} is already in use by another process`, options);
    this.name = 'PortInUseError';
  }
}

export function assertPortFree(host: string, port: number, key: string): Promise<void> {
  if (port === 0) return Promise.resolve(); // the kernel picks a free one
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') reject(new PortInUseError(host, port, key, { cause: err }));
      else reject(err);
    });
    // exclusive: a cluster worker must not share a handle with its primary for this test
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}
