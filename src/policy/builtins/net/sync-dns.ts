/**
 * Synchronous name resolution for net.lookup_ip_addr. Builtins run synchronously but node:dns
 * is asynchronous, so a lazily started worker thread runs `dns.lookup` and hands the answer
 * back through a SharedArrayBuffer while the caller blocks in Atomics.wait (bounded by a
 * timeout). The worker is unref'd: it never keeps the process alive.
 *
 * @example
 *   lookupIpSync('localhost', 5000); // ['127.0.0.1', '::1']
 */
import { Worker } from 'node:worker_threads';

export class DnsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DnsError';
  }
}

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const dns = require('node:dns');
parentPort.on('message', ({ name, sab }) => {
  const state = new Int32Array(sab, 0, 2);
  const bytes = new Uint8Array(sab, 8);
  const done = (obj) => {
    const b = Buffer.from(JSON.stringify(obj));
    const n = Math.min(b.length, bytes.length);
    bytes.set(b.subarray(0, n));
    Atomics.store(state, 1, n);
    Atomics.store(state, 0, 1);
    Atomics.notify(state, 0);
  };
  dns.lookup(name, { all: true, verbatim: true }, (err, addrs) => {
    if (err) done({ error: err.code === 'ENOTFOUND' ? 'no such host' : String(err.code || err.message) });
    else done({ addrs: addrs.map((a) => a.address) });
  });
});
`;

let worker: Worker | undefined;

function getWorker(): Worker {
  if (!worker) {
    worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.unref();
    worker.on('error', () => {
      worker = undefined;
    });
  }
  return worker;
}

/** Resolves `name` to its addresses; throws DnsError on failure or after `timeoutMs`. */
export function lookupIpSync(name: string, timeoutMs: number): string[] {
  const sab = new SharedArrayBuffer(8 + 65536);
  const state = new Int32Array(sab, 0, 2);
  getWorker().postMessage({ name, sab });
  const r = Atomics.wait(state, 0, 0, timeoutMs);
  if (r === 'timed-out') throw new DnsError(`lookup ${name}: timed out`);
  const n = Atomics.load(state, 1);
  const res = JSON.parse(Buffer.from(new Uint8Array(sab, 8, n)).toString('utf8')) as { addrs?: string[]; error?: string };
  if (res.error !== undefined) throw new DnsError(`lookup ${name}: ${res.error}`);
  return res.addrs ?? [];
}
